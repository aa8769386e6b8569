/**
 * Durable commits without blocking the event loop. better-sqlite3 is synchronous, so
 * with synchronous=FULL every COMMIT held the serving thread for the WAL's fsync (38 %
 * of its time at a fixed 2,000 sign-ins/s, one commit per few records; measured with a
 * CPU profile in bench/gateway). Instead the connection runs with synchronous=NORMAL,
 * where a COMMIT only writes the WAL frames to the page cache, and this wrapper then
 * calls fdatasync on the WAL file from libuv's thread pool and resolves the query only
 * when it returns. A commit's promise therefore still means "on disk" (the ack waits for
 * it: nothing acknowledged is lost), while the thread reads and parses other devices'
 * requests during the flush.
 *
 * Why this is as durable as FULL (https://sqlite.org/pragma.html#pragma_synchronous,
 * https://sqlite.org/wal.html): fdatasync flushes the file's data whichever descriptor
 * asks, so once it returns every frame of the committed transaction, checksums and WAL
 * header included, is on disk and recovery replays it. NORMAL still syncs the WAL before
 * a checkpoint copies it back and syncs the database file after a checkpoint completes,
 * so when the writer later starts the WAL over, the frames it overwrites are already
 * safe in the database file. The kill -9 tests cover the process side; power loss cannot
 * be tested on this machine, so the argument is written here.
 */
import { type FileHandle, open } from 'node:fs/promises';
import type BetterSqlite3 from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
  SqliteDialect,
  type SqliteDialectConfig,
  type TransactionSettings,
} from 'kysely';

/** fdatasync of one WAL file, opened on first use. */
export class WalSync {
  readonly #path: string;
  #handle: Promise<FileHandle> | undefined;

  constructor(dbFile: string) {
    this.#path = `${dbFile}-wal`;
  }

  async sync(): Promise<void> {
    this.#handle ??= open(this.#path, 'r');
    let fh: FileHandle;
    try {
      fh = await this.#handle;
    } catch (err) {
      this.#handle = undefined;
      throw err;
    }
    await fh.datasync();
  }

  async close(): Promise<void> {
    const h = this.#handle;
    this.#handle = undefined;
    if (h) await (await h).close().catch(() => {});
  }
}

/** Kysely's SQLite dialect whose writes resolve only after the WAL is fsync'd. */
export class WalSyncSqliteDialect extends SqliteDialect {
  readonly #raw: BetterSqlite3.Database;
  readonly #wal: WalSync;

  constructor(config: SqliteDialectConfig, raw: BetterSqlite3.Database, wal: WalSync) {
    super(config);
    this.#raw = raw;
    this.#wal = wal;
  }

  override createDriver(): Driver {
    return new WalSyncDriver(super.createDriver(), this.#raw, this.#wal);
  }
}

class WalSyncDriver implements Driver {
  readonly #inner: Driver;
  readonly #raw: BetterSqlite3.Database;
  readonly #wal: WalSync;
  #conn: WalSyncConnection | undefined;

  constructor(inner: Driver, raw: BetterSqlite3.Database, wal: WalSync) {
    this.#inner = inner;
    this.#raw = raw;
    this.#wal = wal;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const c = await this.#inner.acquireConnection();
    // SQLite's driver hands out its one connection, so one wrapper serves.
    if (this.#conn?.inner !== c) this.#conn = new WalSyncConnection(c, this.#raw, this.#wal);
    return this.#conn;
  }

  beginTransaction(c: DatabaseConnection, s: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(c, s);
  }

  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(c); // runs COMMIT through the wrapper: synced
  }

  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    // Kysely rolls back when COMMIT throws. If the COMMIT itself went through and only the
    // sync after it failed, there is no transaction left: let the sync's error surface.
    if (this.#raw.inTransaction) await this.#inner.rollbackTransaction(c);
  }

  releaseConnection(c: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(c instanceof WalSyncConnection ? c.inner : c);
  }

  async destroy(): Promise<void> {
    await this.#wal.close();
    await this.#inner.destroy();
  }
}

class WalSyncConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;
  readonly #raw: BetterSqlite3.Database;
  readonly #wal: WalSync;

  constructor(inner: DatabaseConnection, raw: BetterSqlite3.Database, wal: WalSync) {
    this.inner = inner;
    this.#raw = raw;
    this.#wal = wal;
  }

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.inner.executeQuery<R>(q);
    // A statement that ended a transaction (COMMIT) or ran in autocommit may have written:
    // only built SELECTs are known not to. Raw statements (COMMIT, pragmas) are synced.
    if (!this.#raw.inTransaction && !SelectQueryNode.is(q.query)) await this.#wal.sync();
    return result;
  }

  streamQuery<R>(q: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(q, chunkSize);
  }
}
