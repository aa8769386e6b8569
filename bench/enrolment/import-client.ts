/**
 * The roster import through the management API, as an operator's browser would run it:
 * log in, POST /api/v1/imports (multipart: siteId, mode, roster, photos), then poll
 * GET /api/v1/imports/{id} until it is no longer running. Records when the upload was
 * answered and when the rows were done, and the failed rows' problem codes (counted),
 * so a run whose photos the detector refused says so instead of reporting a fast import.
 */

export interface ImportView {
  id: string;
  status: 'running' | 'done' | 'failed';
  progress: { done: number; total: number };
  totals: { created: number; updated: number; unchanged: number; failed: number };
  error: unknown;
}

export interface ImportRun {
  id: string;
  view: ImportView;
  /** performance.now() at the POST, its answer, and the end (status no longer running). */
  startedAt: number;
  answeredAt: number;
  endedAt: number;
  firstStatus: number;
  /** Problem code → failed rows that have it (first 2,000 failed rows read). */
  problems: Record<string, number>;
}

export class ApiClient {
  constructor(
    readonly base: string,
    private token = '',
  ) {}

  async login(username: string, password: string): Promise<void> {
    const r = await fetch(`${this.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const text = await r.text();
    if (r.status !== 200) throw new Error(`login: ${r.status} ${text.slice(0, 300)}`);
    this.token = (JSON.parse(text) as { token: string }).token;
  }

  async get<T>(path: string): Promise<T> {
    const r = await fetch(`${this.base}${path}`, { headers: { authorization: `Bearer ${this.token}` } });
    const text = await r.text();
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  /** POST /imports; answers the status and the import as far as it has gone. */
  async postImport(
    siteId: string,
    mode: 'dry-run' | 'apply',
    roster: Buffer,
    photos: Buffer,
  ): Promise<{ status: number; view: ImportView }> {
    const fd = new FormData();
    fd.append('siteId', siteId);
    fd.append('mode', mode);
    fd.append('roster', new Blob([new Uint8Array(roster)]), 'roster.csv');
    fd.append('photos', new Blob([new Uint8Array(photos)]), 'photos.zip');
    const r = await fetch(`${this.base}/api/v1/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}` },
      body: fd,
    });
    const text = await r.text();
    if (![200, 201, 202].includes(r.status))
      throw new Error(`POST /imports: ${r.status} ${text.slice(0, 500)}`);
    return { status: r.status, view: JSON.parse(text) as ImportView };
  }

  /** Problem codes of the failed rows, counted (at most `limit` rows read). */
  async failedCodes(id: string, limit = 2000): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    let cursor: string | null = null;
    let read = 0;
    do {
      const q = `?limit=500&status=failed${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { items: { problems: { code: string }[] }[]; nextCursor: string | null } = await this.get(
        `/api/v1/imports/${id}/rows${q}`,
      );
      for (const row of page.items) for (const p of row.problems) out[p.code] = (out[p.code] ?? 0) + 1;
      read += page.items.length;
      cursor = page.nextCursor;
    } while (cursor && read < limit);
    return out;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ImportHandle {
  /** Resolves when the POST has been answered (the files are in, rows running or done). */
  answered: Promise<void>;
  /** Resolves with the finished run. */
  done: Promise<ImportRun>;
  /** The latest view seen while polling. */
  latest(): ImportView | undefined;
  /** Whether the import is still running (false before the POST is answered too). */
  running(): boolean;
}

/** Starts the import and polls it every pollMs until it ends or timeoutMs passes. */
export function runImport(
  api: ApiClient,
  o: {
    siteId: string;
    mode: 'dry-run' | 'apply';
    roster: Buffer;
    photos: Buffer;
    pollMs: number;
    timeoutMs: number;
    onProgress?: (v: ImportView) => void;
  },
): ImportHandle {
  let latest: ImportView | undefined;
  let isRunning = false;
  let answer: () => void = () => {};
  const answered = new Promise<void>((r) => {
    answer = r;
  });
  const done = (async (): Promise<ImportRun> => {
    const startedAt = performance.now();
    const first = await api.postImport(o.siteId, o.mode, o.roster, o.photos);
    const answeredAt = performance.now();
    latest = first.view;
    isRunning = first.view.status === 'running';
    answer();
    let endedAt = answeredAt;
    // Bounded by timeoutMs: a stuck import fails the run rather than hanging it.
    while (latest.status === 'running') {
      if (performance.now() - startedAt > o.timeoutMs) {
        throw new Error(`import ${latest.id} still running after ${o.timeoutMs / 1000} s`);
      }
      await sleep(o.pollMs);
      latest = await api.get<ImportView>(`/api/v1/imports/${first.view.id}`);
      endedAt = performance.now();
      o.onProgress?.(latest);
    }
    isRunning = false;
    const problems = latest.totals.failed > 0 ? await api.failedCodes(latest.id) : {};
    return {
      id: latest.id,
      view: latest,
      startedAt,
      answeredAt,
      endedAt,
      firstStatus: first.status,
      problems,
    };
  })();
  done.catch(() => {
    isRunning = false;
    answer();
  });
  return { answered, done, latest: () => latest, running: () => isRunning };
}
