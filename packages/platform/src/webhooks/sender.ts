/**
 * The sender: picks due deliveries from the outbox and POSTs them, at most
 * CONCURRENCY at a time, recording each attempt's outcome before the row can be picked
 * again; outcomes that finish together are written in one transaction (one commit for
 * up to CONCURRENCY attempts, not one each). 2xx = delivered; anything else is retried with backoff (backoff.ts) until the
 * delivery's attempts are spent, then it is `failed` (redeliver starts it again). A
 * delivery is at least once: a crash after the POST and before its outcome is written
 * sends it again, with the same Idempotency-Key.
 *
 * While ingest keeps the loop busy the sender takes turns from the background budget
 * (domain/background-budget.ts): the time of its reads and writes counts against it, and
 * of each POST at most POST_CHARGE_MS (waiting for a receiver is not the loop's time, and
 * a distant receiver must not slow the sending); due rows are not looked for until the
 * budget allows, and deliveries wait in the outbox meanwhile.
 */
import { performance } from 'node:perf_hooks';
import type { BackgroundBudget } from '../domain/background-budget.js';
import type { Logger } from '../log.js';
import type { AttemptOutcome, DeliveryRow, WebhookRepo } from '../store/webhook-types.js';
import { type BackoffOptions, retryDelay } from './backoff.js';
import { type PostResult, postJson } from './post.js';
import type { HookRegistry, HookTarget } from './registry.js';
import { signature } from './signature.js';

/** Requests in flight at most, over all receivers. */
export const CONCURRENCY = 8;
/** What one POST is taken to cost the loop at most, for the background budget (ms). */
const POST_CHARGE_MS = 1;

/** The `data` of an event: what the body carries, or undefined when its subject is gone. */
export type RenderData = (row: DeliveryRow) => Promise<unknown>;

export interface SenderOptions extends BackoffOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  /** Paces the sending while the loop is busy (absent: never waits). */
  budget?: BackgroundBudget;
  /** Whether this process sends (cluster/leader.ts: one process of a cluster does); absent: it does. */
  leading?: () => boolean;
}

export interface AttemptReport extends PostResult {
  deliveryId: string;
  durationMs: number;
  delivery: DeliveryRow;
}

/** Times in bodies as the API shows them: ISO 8601 at +08:00 (api/time.ts; the API is not imported here). */
export function isoCst(ms: number): string {
  return `${new Date(ms + 8 * 60 * 60_000).toISOString().slice(0, 23)}+08:00`;
}

/** The body of a delivery: the same for every attempt of one event (the idempotency key inside too). */
export function envelope(row: DeliveryRow, data: unknown): string {
  return JSON.stringify({
    id: row.eventId,
    type: row.eventType,
    createdAt: isoCst(row.createdAt),
    siteId: row.siteId,
    data,
  });
}

export class DeliverySender {
  readonly #repo: WebhookRepo;
  readonly #hooks: HookRegistry;
  readonly #render: RenderData;
  readonly #opts: SenderOptions;
  readonly #now: () => number;
  readonly #log: Logger | undefined;
  /** Deliveries being sent now: never picked twice. */
  readonly #busy = new Set<string>();
  /**
   * Deliveries that finished while a read of due rows was under way: that read may have
   * seen them still pending (read before their outcome was written, answered after they
   * left #busy), so its copy of them is stale and dropped; the next read sees the truth.
   */
  readonly #settled = new Set<string>();
  #reading = false;
  readonly #inflight = new Set<Promise<unknown>>();
  #pumping: Promise<void> | undefined;
  #again = false;
  /** Outcomes waiting for the next write, and the write under way. */
  #outcomes: { id: string; outcome: AttemptOutcome; done(e?: unknown): void }[] = [];
  #writing: Promise<void> | undefined;
  #closed = false;
  /** A pump put off until the budget allows. */
  #paced: NodeJS.Timeout | undefined;

  constructor(
    repo: WebhookRepo,
    hooks: HookRegistry,
    render: RenderData,
    opts: SenderOptions,
    now: () => number,
    log?: Logger,
  ) {
    this.#repo = repo;
    this.#hooks = hooks;
    this.#render = render;
    this.#opts = opts;
    this.#now = now;
    this.#log = log;
  }

  /** Looks for due deliveries now (after new ones were written, and on the timer). */
  pump(): void {
    if (this.#closed || this.#hooks.size === 0) return; // no webhook: nothing can be due, no query
    if (this.#opts.leading && !this.#opts.leading()) return; // the leader sends, at its next tick
    const wait = this.#opts.budget?.delay() ?? 0;
    if (wait > 0) {
      this.#paced ??= setTimeout(() => {
        this.#paced = undefined;
        this.pump();
      }, wait);
      return;
    }
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#fill()
      .catch((err) => this.#log?.error({ err }, 'webhook sender: reading due deliveries failed'))
      .finally(() => {
        this.#pumping = undefined;
        if (this.#again) {
          this.#again = false;
          this.pump();
        }
      });
  }

  async #fill(): Promise<void> {
    for (;;) {
      const free = CONCURRENCY - this.#busy.size;
      if (free <= 0 || this.#closed) return; // each finished send pumps again
      const started = performance.now();
      this.#reading = true;
      let rows: DeliveryRow[];
      try {
        rows = await this.#repo.due(this.#now(), free, this.#busy);
      } finally {
        this.#reading = false;
      }
      this.#opts.budget?.spent(performance.now() - started);
      if (rows.length === 0) return;
      const fresh = rows.filter((r) => !this.#settled.has(r.id) && !this.#busy.has(r.id));
      this.#settled.clear();
      for (const row of fresh) this.#start(row);
    }
  }

  #start(row: DeliveryRow): void {
    // Deactivated or removed since it was read: left as it is (due() skips inactive ones).
    const hook = this.#hooks.get(row.webhookId);
    if (!hook) return;
    this.#busy.add(row.id);
    const p = this.attempt(row, hook)
      .catch((err) => this.#log?.error({ err, delivery: row.id }, 'webhook attempt not recorded'))
      .finally(() => {
        this.#busy.delete(row.id);
        if (this.#reading) this.#settled.add(row.id);
        this.#inflight.delete(p);
        this.pump();
      });
    this.#inflight.add(p);
  }

  /** Keeps the pump away from a delivery sent directly (the test action). */
  reserve(id: string): () => void {
    this.#busy.add(id);
    return () => {
      this.#busy.delete(id);
      if (this.#reading) this.#settled.add(id);
    };
  }

  /** One attempt of one delivery to this webhook, its outcome written before this resolves. */
  async attempt(row: DeliveryRow, hook: HookTarget): Promise<AttemptReport> {
    const started = this.#now();
    const result = await this.#send(hook, row);
    const attempts = row.attempts + 1;
    const at = this.#now();
    const retry = !result.ok && attempts < row.maxAttempts && !result.final;
    const outcome: AttemptOutcome = {
      status: result.ok ? 'delivered' : retry ? 'pending' : 'failed',
      attempts,
      nextAttemptAt: retry ? at + retryDelay(attempts, this.#opts) : null,
      lastStatus: result.status,
      lastError: result.error,
      lastResponse: result.excerpt,
      at,
    };
    await this.#record(row.id, outcome);
    if (!result.ok)
      this.#log?.warn(
        { delivery: row.id, webhook: row.webhookId, attempts, error: result.error },
        retry ? 'webhook delivery failed; will retry' : 'webhook delivery failed for good',
      );
    return {
      ...result,
      deliveryId: row.id,
      durationMs: at - started,
      delivery: {
        ...row,
        status: outcome.status,
        attempts,
        nextAttemptAt: outcome.nextAttemptAt,
        lastStatus: outcome.lastStatus,
        lastError: outcome.lastError,
        lastResponse: outcome.lastResponse,
        updatedAt: at,
        deliveredAt: result.ok ? at : row.deliveredAt,
      },
    };
  }

  async #send(hook: HookTarget, row: DeliveryRow): Promise<PostResult & { final?: boolean }> {
    const rendering = performance.now();
    const data = await this.#render(row);
    this.#opts.budget?.spent(performance.now() - rendering);
    if (data === undefined) return gone('the event no longer exists');
    const body = envelope(row, data);
    const timestamp = String(Math.floor(this.#now() / 1000));
    const posting = performance.now();
    const result = await postJson(
      hook.url,
      {
        'content-type': 'application/json',
        'user-agent': 'kaoqin-webhooks/1',
        'x-kaoqin-event': row.eventType,
        'x-kaoqin-delivery': row.id,
        'idempotency-key': row.eventId,
        'x-kaoqin-timestamp': timestamp,
        'x-kaoqin-signature': signature(hook.secret, timestamp, body),
      },
      body,
      this.#opts,
    );
    this.#opts.budget?.spent(Math.min(performance.now() - posting, POST_CHARGE_MS));
    return result;
  }

  /** Resolves once the outcome is written, with whatever others finished meanwhile. */
  #record(id: string, outcome: AttemptOutcome): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#outcomes.push({ id, outcome, done: (e) => (e === undefined ? resolve() : reject(e)) });
      this.#write();
    });
  }

  #write(): void {
    if (this.#writing || this.#outcomes.length === 0) return;
    const batch = this.#outcomes.splice(0);
    const started = performance.now();
    this.#writing = this.#repo
      .recordAttempts(batch)
      .finally(() => this.#opts.budget?.spent(performance.now() - started))
      .then(
        () => {
          for (const b of batch) b.done();
        },
        (e: unknown) => {
          for (const b of batch) b.done(e ?? new Error('webhook outcome not written'));
        },
      )
      .finally(() => {
        this.#writing = undefined;
        this.#write();
      });
  }

  /** Stops picking deliveries and waits for those in flight (their outcomes written). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#paced);
    this.#paced = undefined;
    await this.#pumping;
    await Promise.all([...this.#inflight]);
  }
}

/** An attempt that cannot succeed by retrying. */
const gone = (error: string): PostResult & { final: boolean } => ({
  ok: false,
  status: null,
  error,
  excerpt: null,
  final: true,
});
