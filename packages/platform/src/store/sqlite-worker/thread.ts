/**
 * The main thread's end of the SQLite worker: posts requests, matches replies by id, and
 * fails every unanswered request with a clear error if the thread dies, rather than hang.
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from './entry.js';
import type { OpenResult, QueryResult, RemoteError, Reply, Request } from './protocol.js';

/** A request before it is numbered. */
type Op<R = Request> = R extends Request ? Omit<R, 'id'> : never;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** A SQLite error from the worker, with better-sqlite3's `code` (SQLITE_CONSTRAINT_UNIQUE, …). */
export class SqliteWorkerError extends Error {
  readonly code: string | undefined;
  constructor(e: RemoteError) {
    super(e.message);
    this.name = e.name;
    this.code = e.code;
    // Where SQLite threw, in the worker; this thread's stack would only show the reply handler.
    if (e.stack !== undefined) this.stack = e.stack;
  }
}

export class SqliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #exited: Promise<void>;
  #nextId = 1;
  /** Set once the thread is gone (or closing): every later request fails with it. */
  #gone: Error | undefined;
  #crash: Error | undefined;

  private constructor() {
    const { url, options } = workerEntry();
    this.#worker = new Worker(url, options);
    this.#worker.on('message', (reply: Reply) => this.#settle(reply));
    this.#worker.on('error', (err) => {
      this.#crash = err;
    });
    this.#worker.on('messageerror', (err) => {
      this.#crash = err;
      void this.#worker.terminate();
    });
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', (code) => {
        const cause = this.#crash;
        this.#gone ??= new Error(
          `SQLite worker thread exited (code ${code})${cause ? `: ${cause.message}` : ''}`,
          cause ? { cause } : undefined,
        );
        const unanswered = new Error(
          `SQLite worker thread exited (code ${code}) before answering; ` +
            'a write in flight may or may not have committed',
          cause ? { cause } : undefined,
        );
        for (const p of this.#pending.values()) p.reject(unanswered);
        this.#pending.clear();
        resolve();
      });
    });
  }

  /** Starts the thread and opens `file` in it with the store's pragmas. */
  static async open(file: string): Promise<{ thread: SqliteThread; opened: OpenResult }> {
    const thread = new SqliteThread();
    try {
      const opened = (await thread.#request({ op: 'open', file })) as OpenResult;
      return { thread, opened };
    } catch (err) {
      await thread.terminate();
      throw err;
    }
  }

  query(sql: string, parameters: readonly unknown[]): Promise<QueryResult> {
    return this.#request({ op: 'query', sql, parameters }) as Promise<QueryResult>;
  }

  /**
   * Lets every request already sent finish, closes the database (checkpointing the WAL),
   * then ends the thread. Requests made after this fail.
   */
  async close(): Promise<void> {
    if (this.#gone) return this.#exited;
    const closed = this.#request({ op: 'close' });
    this.#gone = new Error('SQLite store is closed');
    try {
      await closed;
    } finally {
      await this.#worker.terminate();
      await this.#exited;
    }
  }

  /** Stops the thread at once: requests in flight fail; a write in flight may or may not commit. */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
    await this.#exited;
  }

  #request(op: Op): Promise<unknown> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      try {
        this.#worker.postMessage({ ...op, id } as Request);
      } catch (err) {
        reject(err as Error); // a parameter that cannot be cloned (a function, a symbol)
        return;
      }
      // Keep the process alive only while a request is unanswered, like a socket would.
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
    });
  }

  #settle(reply: Reply): void {
    const p = this.#pending.get(reply.id);
    if (!p) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new SqliteWorkerError(reply.error));
  }
}
