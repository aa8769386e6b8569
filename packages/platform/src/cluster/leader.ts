/**
 * Which process of a cluster runs the jobs that must run once (issue 16): task expiry,
 * ended site assignments, webhook delivery, the statistics projector, daily summaries,
 * session purges. One leader at a time, chosen by PostgreSQL itself: a session-level
 * advisory lock, held on a connection of its own. When the leader dies its connection
 * ends, PostgreSQL releases the lock, and another process takes it at its next try
 * (every `retryMs`). No election, heartbeat or clock of ours.
 *
 * On SQLite there is one process (the data directory is locked), always the leader.
 *
 * A leader whose connection fails stops leading at once; a job it had started finishes,
 * so for a moment two processes may run the same job: every such job is safe to repeat
 * (webhooks are delivered at least once, with their ids; the rest are idempotent writes).
 */
import pg from 'pg';

export interface Leadership {
  /** Whether this process runs the cluster's once-only jobs right now. */
  readonly leading: boolean;
  close(): Promise<void>;
}

export const SOLE_LEADER: Leadership = { leading: true, close: async () => {} };

/** A process that never leads: a CLI command on a shared database (the serving leader sends). */
export const NEVER_LEADER: Leadership = { leading: false, close: async () => {} };

/**
 * The leadership the parts built before the boot ask (webhooks): `initial` until the
 * boot hands it the cluster's (`use`); a command other than `serve` keeps `initial`.
 */
export class LeaderRef {
  #current: Leadership;

  constructor(initial: Leadership) {
    this.#current = initial;
  }

  get leading(): boolean {
    return this.#current.leading;
  }

  use(l: Leadership): void {
    this.#current = l;
  }
}

/**
 * The advisory lock's key: a hash of a fixed text and the schema the platform's tables are
 * in. Advisory locks are per database, and platforms in separate schemas of one database
 * (tests, a staging copy) are separate clusters.
 */
const TRY_LOCK = `select pg_try_advisory_lock(hashtextextended('kaoqin leader ' || current_schema(), 0)) as ok`;

export interface PgLeaderOptions {
  databaseUrl: string;
  /** How often a follower tries to take the lock, and a leader checks its connection. */
  retryMs?: number;
  onChange?(leading: boolean): void;
  onError?(err: unknown): void;
}

export class PgLeader implements Leadership {
  readonly #opts: PgLeaderOptions;
  #client: pg.Client | undefined;
  #leading = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #running: Promise<void> = Promise.resolve();

  private constructor(opts: PgLeaderOptions) {
    this.#opts = opts;
  }

  /** Starts trying; resolves after the first try, so a lone process leads from its start. */
  static async start(opts: PgLeaderOptions): Promise<PgLeader> {
    const l = new PgLeader(opts);
    await l.#tick();
    l.#schedule();
    return l;
  }

  get leading(): boolean {
    return this.#leading;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
    this.#set(false);
    const c = this.#client;
    this.#client = undefined;
    // Ending the session releases the lock at once: the next leader need not wait for a timeout.
    await c?.end().catch(() => {});
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().finally(() => this.#schedule());
    }, this.#opts.retryMs ?? 2_000);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    try {
      const c = await this.#connection();
      if (this.#leading) {
        await c.query('select 1'); // still connected, so still holding the lock
        return;
      }
      const r = await c.query<{ ok: boolean }>(TRY_LOCK);
      this.#set(r.rows[0]?.ok === true);
    } catch (err) {
      this.#opts.onError?.(err);
      this.#set(false);
      const c = this.#client;
      this.#client = undefined;
      c?.end().catch(() => {});
    }
  }

  async #connection(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const c = new pg.Client({
      connectionString: this.#opts.databaseUrl,
      application_name: 'kaoqin leader',
    });
    // A connection that breaks between ticks: lead no longer, reconnect at the next tick.
    c.on('error', (err) => {
      this.#opts.onError?.(err);
      if (this.#client === c) this.#client = undefined;
      this.#set(false);
    });
    await c.connect();
    this.#client = c;
    return c;
  }

  #set(leading: boolean): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    this.#opts.onChange?.(leading);
  }
}
