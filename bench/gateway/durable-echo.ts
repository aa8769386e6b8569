/**
 * The durable echo's group commit: the echo server's sign-ins made durable the least any
 * platform could, so that a run measures, beside the bare echo, what durability alone
 * costs on this machine (bench/README.md). Each accepted sign-in becomes one
 * attendance-shaped row (the baselines' table, attendance-ddl.ts); rows are committed by
 * a write thread (durable-thread.mjs: SQLite, WAL, synchronous=FULL) in batches of up to
 * `batchMax`, one batch at a time, the next one gathering while one commits, as the
 * platform's ingest does (its defaults: 1,000 rows, 2 ms); a sign-in is answered only
 * once its batch is durable.
 *
 * A sign-in's photo (its img, base64-decoded) goes to the write thread with its row,
 * moved there without a copy. The thread appends the batch's photos to one log file,
 * fdatasyncs it once, and stores each photo's offset and length in its row before the
 * rows' transaction: a photo is durable before its ack, with one flush per batch, as the
 * platform's segment store does, but with no hash, checksum, index or format of its own.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ATTENDANCE_DDL, INSERT_ATTENDANCE } from './attendance-ddl.js';

export interface DurableConfig {
  dir: string;
  batchMax: number;
  batchWaitMs: number;
}

/** What a sign-in's param must carry to become a row (2.3.2); anything else is not stored. */
export interface SignInKey {
  personId: string;
  recordTime: number;
  type: number;
}

interface Waiting {
  row: unknown[];
  photo: Uint8Array | undefined;
  done(ok: boolean): void;
}

interface Committed {
  batch: number;
  ok: boolean;
  error?: string;
}

export class GroupCommit {
  readonly #worker: Worker;
  readonly #max: number;
  readonly #waitMs: number;
  #queue: Waiting[] = [];
  /** Devices first seen since the last batch went (the table's foreign key wants them first). */
  readonly #newDevices = new Map<string, string>();
  readonly #known = new Set<string>();
  #running: Waiting[] | undefined;
  #timer: NodeJS.Timeout | undefined;
  #rows = 0;
  #batches = 0;
  committedRows = 0;

  constructor(cfg: DurableConfig, onError: (message: string) => void) {
    this.#max = cfg.batchMax;
    this.#waitMs = cfg.batchWaitMs;
    this.#worker = new Worker(new URL('./durable-thread.mjs', import.meta.url), {
      workerData: {
        file: join(cfg.dir, 'durable-echo.db'),
        photoFile: join(cfg.dir, 'durable-echo.photos'),
        photoKeyColumn: PHOTO_KEY_COLUMN,
        ddl: ATTENDANCE_DDL,
        insertSql: INSERT_ATTENDANCE,
      },
    });
    this.#worker.on('message', (m: Committed) => {
      if (!m.ok) onError(`durable echo: batch ${m.batch} failed: ${m.error}`);
      this.#committed(m.ok);
    });
    this.#worker.on('error', (e) => onError(`durable echo: write thread: ${e.message}`));
  }

  /**
   * Queues a sign-in's row, and its photo if it has one (the caller gives the photo up: its
   * memory moves to the write thread); `done` is told once its batch is durable (or failed).
   */
  add(
    sn: string,
    key: SignInKey,
    now: number,
    photo: Uint8Array | undefined,
    done: (ok: boolean) => void,
  ): void {
    const deviceId = `dev-${sn}`;
    if (!this.#known.has(deviceId)) {
      this.#known.add(deviceId);
      this.#newDevices.set(deviceId, sn);
    }
    const row = [
      `att-${++this.#rows}`,
      deviceId,
      'vendor-bench',
      sn,
      null,
      key.personId,
      key.recordTime,
      key.type,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      1,
      '[]',
      now,
      now - key.recordTime,
    ];
    this.#queue.push({ row, photo, done });
    this.#schedule();
  }

  close(): Promise<number> {
    clearTimeout(this.#timer);
    return this.#worker.terminate();
  }

  #schedule(): void {
    if (this.#running) return; // the batch that ends starts the next
    if (this.#queue.length >= this.#max) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#start();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (!this.#running) this.#start();
      }, this.#waitMs);
    }
  }

  #start(): void {
    const batch = this.#queue.splice(0, this.#max);
    if (batch.length === 0) return;
    this.#running = batch;
    const devices = [...this.#newDevices];
    this.#newDevices.clear();
    // Photos travel as [row index, bytes]; a photo with its own whole ArrayBuffer moves
    // (transfer list), any other is copied.
    const photos: [number, Uint8Array][] = [];
    const moved: ArrayBuffer[] = [];
    batch.forEach((w, i) => {
      if (!w.photo) return;
      photos.push([i, w.photo]);
      const buf = w.photo.buffer;
      if (buf instanceof ArrayBuffer && w.photo.byteOffset === 0 && w.photo.byteLength === buf.byteLength)
        moved.push(buf);
      w.photo = undefined;
    });
    this.#worker.postMessage(
      { batch: ++this.#batches, devices, rows: batch.map((w) => w.row), photos },
      moved,
    );
  }

  #committed(ok: boolean): void {
    const batch = this.#running ?? [];
    this.#running = undefined;
    if (ok) this.committedRows += batch.length;
    for (const w of batch) w.done(ok);
    // What queued during the commit has waited long enough: it goes now.
    if (this.#queue.length) this.#start();
  }
}

/** photo_key's place among the row's values (ATTENDANCE_DDL's column order). */
const PHOTO_KEY_COLUMN = 10;

/** A sign-in's row key and, if it sent one, its photo decoded. */
export interface SignInToStore {
  key: SignInKey;
  photo: Uint8Array | undefined;
}

/**
 * The row's key from a sign-in's param text, with its photo (img, base64) decoded; undefined
 * when it does not carry a key, or its img is not a string. The img is cut out of the text
 * before the rest is parsed, as the platform reads a photo sign-in (never a 68 KB JSON.parse):
 * this baseline must not pay more per photo than a platform need.
 */
export function signInToStore(param: string | undefined): SignInToStore | undefined {
  if (param === undefined) return undefined;
  let text = param;
  let img: string | undefined;
  const at = param.indexOf(IMG_MEMBER);
  if (at >= 0) {
    const from = at + IMG_MEMBER.length;
    const to = param.indexOf('"', from); // base64 holds no quote
    if (to < 0) return undefined;
    img = param.slice(from, to);
    text = param.slice(0, from) + param.slice(to);
  }
  try {
    const p = JSON.parse(text) as Partial<SignInKey> & { img?: unknown };
    if (typeof p.personId !== 'string' || typeof p.recordTime !== 'number' || typeof p.type !== 'number')
      return undefined;
    if (p.img !== undefined && typeof p.img !== 'string') return undefined;
    img ??= p.img;
    const photo = img ? Buffer.from(img, 'base64') : undefined;
    return {
      key: { personId: p.personId, recordTime: p.recordTime, type: p.type },
      photo: photo && photo.byteLength > 0 ? photo : undefined,
    };
  } catch {
    return undefined;
  }
}

const IMG_MEMBER = '"img":"';
