/**
 * The audit log's writer (PIPL: every access to a person's data and every change by an
 * operator is recorded with who, what, when and from where). Values revealed are never
 * written into the log, only the names of the fields.
 */
import type { TimeIds } from '../ids.js';
import type { AuditRow, Store } from '../store/index.js';
import type { Principal } from './auth/principal.js';

export interface AuditEntry {
  /** The caller; omit for work the platform does on its own (actor `system`). */
  by?: Principal;
  /** Who, when there is no principal (a CLI user, a failed login's username). */
  actor?: string;
  ip?: string | null;
  action: string;
  resource: string;
  resourceId?: string | null;
  siteId?: string | null;
  detail?: Record<string, unknown> | null;
}

/**
 * Entries that arrive together are written together: one multi-row insert (one commit)
 * per turn of the event loop, so a burst of logins or list pages shares a commit instead
 * of queueing one fsync each. `record` resolves once its entry is durable; `note` is for
 * high-volume reads (photo URLs handed out on a list page) whose caller does not wait.
 */
export class Audit {
  readonly #store: Store;
  readonly #ids: TimeIds;
  readonly #now: () => number;
  readonly #onError: (err: unknown) => void;
  #queue: { row: AuditRow; done: (err?: unknown) => void }[] = [];
  #scheduled = false;
  #flushing: Promise<void> = Promise.resolve();

  constructor(store: Store, now: () => number, onError: (err: unknown) => void, ids: TimeIds) {
    this.#store = store;
    this.#now = now;
    this.#ids = ids;
    this.#onError = onError;
  }

  /** Writes the entry; resolves when it is durable. */
  record(e: AuditEntry): Promise<AuditRow> {
    const row = this.#row(e);
    return new Promise((resolve, reject) => {
      this.#queue.push({ row, done: (err) => (err === undefined ? resolve(row) : reject(err)) });
      this.#schedule();
    });
  }

  /** Writes the entry without making the caller wait; a failure is logged. */
  note(e: AuditEntry): void {
    this.#queue.push({ row: this.#row(e), done: (err) => err !== undefined && this.#onError(err) });
    this.#schedule();
  }

  /** Resolves when every entry queued so far is written (shutdown). */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#scheduled) {
      this.#scheduled = false;
      await this.#write();
    }
    await this.#flushing;
  }

  #row(e: AuditEntry): AuditRow {
    return {
      id: this.#ids.next(),
      at: this.#now(),
      actorId: e.by?.accountId ?? null,
      actor: e.by?.username ?? e.actor ?? 'system',
      role: e.by?.role ?? null,
      action: e.action,
      resource: e.resource,
      resourceId: e.resourceId ?? null,
      siteId: e.siteId ?? null,
      ip: e.ip ?? e.by?.ip ?? null,
      detail: e.detail ?? null,
    };
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      if (!this.#scheduled) return;
      this.#scheduled = false;
      void this.#write();
    });
  }

  /** One write at a time, in order: entries queued while one is running go in the next. */
  #write(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      const batch = this.#queue;
      this.#queue = [];
      if (batch.length === 0) return;
      try {
        await this.#store.audit.insertMany(batch.map((b) => b.row));
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err);
      }
    });
    return this.#flushing;
  }
}
