/**
 * A Kysely dialect whose one connection runs every statement on the SQLite worker thread
 * (thread.ts). It keeps Kysely's SqliteDriver semantics: one connection, handed to one
 * user at a time (a transaction's begin … commit never interleaves with other queries),
 * SQLite's query compiler, adapter and introspector.
 */
import {
  CompiledQuery,
  createQueryId,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import type { SqliteThread } from './thread.js';

export class SqliteWorkerDialect implements Dialect {
  constructor(private readonly thread: SqliteThread) {}
  createDriver(): Driver {
    return new SqliteWorkerDriver(this.thread);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/** Hands the one connection to one user at a time, first come first served. */
class Mutex {
  #held = false;
  readonly #waiting: (() => void)[] = [];
  async lock(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }
  unlock(): void {
    const next = this.#waiting.shift();
    if (next)
      next(); // ownership passes straight on; #held stays true
    else this.#held = false;
  }
}

class SqliteWorkerDriver implements Driver {
  readonly #mutex = new Mutex();
  readonly #connection: WorkerConnection;
  constructor(private readonly thread: SqliteThread) {
    this.#connection = new WorkerConnection(thread);
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    return this.#connection;
  }
  async beginTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('begin'));
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('rollback'));
  }
  async savepoint(
    c: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await c.executeQuery(compile(sql`savepoint ${sql.id(name)}`.toOperationNode(), createQueryId()));
  }
  async rollbackToSavepoint(
    c: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await c.executeQuery(compile(sql`rollback to ${sql.id(name)}`.toOperationNode(), createQueryId()));
  }
  async releaseSavepoint(
    c: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await c.executeQuery(compile(sql`release ${sql.id(name)}`.toOperationNode(), createQueryId()));
  }
  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }
  /** Waits for the connection's current user (a transaction) to finish, then closes. */
  async destroy(): Promise<void> {
    await this.#mutex.lock();
    try {
      await this.thread.close();
    } finally {
      this.#mutex.unlock();
    }
  }
}

class WorkerConnection implements DatabaseConnection {
  constructor(private readonly thread: SqliteThread) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { rows, changes, lastInsertRowid } = await this.thread.query(query.sql, query.parameters);
    if (changes === undefined) return { rows: rows as R[] };
    return {
      rows: rows as R[],
      numAffectedRows: BigInt(changes),
      ...(lastInsertRowid === undefined ? {} : { insertId: BigInt(lastInsertRowid) }),
    };
  }

  /** Whole result in one message, then row by row: the store never streams (Kysely's SQLite driver allows only SELECTs). */
  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query))
      throw new Error('SQLite driver only supports streaming of select queries');
    const { rows } = await this.executeQuery<R>(query);
    for (const row of rows) yield { rows: [row] };
  }
}
