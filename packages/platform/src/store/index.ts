/**
 * openStore: the one way in. SQLite in dataDir unless a PostgreSQL URL is given; the
 * schema is migrated before the store is handed out.
 */

import { sql } from 'kysely';
import { TimeIds } from '../ids.js';
import { accountRepo, sessionRepo } from './accounts.js';
import { attendanceRepo } from './attendance.js';
import { NO_PARTITIONS, pgAttendancePartitions } from './attendance-partitions.js';
import { attendanceRulesRepo } from './attendance-rules.js';
import { attendanceStatsRepo } from './attendance-stats.js';
import { auditRepo } from './audit.js';
import { deviceApiRepo } from './device-api.js';
import { deviceRepo } from './devices.js';
import type { Backend, StoreLogger } from './dialect.js';
import { eventRepo } from './events.js';
import { firmwareApiRepo } from './firmware-api.js';
import { idempotencyRepo } from './idempotency.js';
import { importRepo } from './imports.js';
import { migrateToLatest } from './migrate.js';
import { mobileRepo } from './mobile.js';
import { personIrisRepo } from './person-iris.js';
import { isPgUniqueViolation, openPostgres } from './postgres.js';
import { qrRepo } from './qr.js';
import { isSqliteUniqueViolation, openSqlite } from './sqlite.js';
import { taskApiRepo } from './task-api.js';
import { taskStore } from './tasks.js';
import { writeAll } from './thread-writes.js';
import type { Store } from './types.js';
import { isPostgresUrl } from './url.js';
import { vendorRepo } from './vendors.js';
import { webhookRepo } from './webhooks.js';

export type * from './api-types.js';
export { ROLES } from './api-types.js';
export type * from './attendance-api-types.js';
export type * from './attendance-rules-types.js';
export type * from './attendance-stats-types.js';
export type * from './device-api-types.js';
export { DEVICE_KINDS } from './device-api-types.js';
export type { StoreLogger } from './dialect.js';
export type * from './import-types.js';
export type * from './mobile-types.js';
export { EYES, type Eye, type PersonIrisRow } from './person-iris-types.js';
export type * from './person-types.js';
export type * from './qr-types.js';
export type * from './task-types.js';
export { OPEN_TASK_STATES } from './task-types.js';
export type * from './types.js';
export { DEFAULT_LIMIT, MAX_LIMIT } from './util.js';
export type * from './webhook-types.js';
export { WEBHOOK_EVENTS } from './webhook-types.js';

export interface OpenStoreOptions {
  dataDir: string;
  /** postgres:// or postgresql:// selects PostgreSQL; otherwise SQLite in dataDir. */
  databaseUrl?: string;
  logger?: StoreLogger;
  /** Mints attendance ids: the process's generator, so its node number keeps them apart from other processes'. */
  ids?: TimeIds;
}

export { isPostgresUrl } from './url.js';

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (opts.databaseUrl && !isPostgresUrl(opts.databaseUrl)) {
    // Most likely a typo; say so rather than let records land somewhere unexpected unnoticed.
    opts.logger?.warn(
      { scheme: opts.databaseUrl.split(':')[0] },
      'databaseUrl is not postgres:// or postgresql://; using SQLite in dataDir',
    );
  }
  const backend: Backend =
    opts.databaseUrl !== undefined && isPostgresUrl(opts.databaseUrl)
      ? await openPostgres(opts.databaseUrl, opts.logger)
      : openSqlite(opts.dataDir, opts.logger);
  try {
    await migrateToLatest(backend);
  } catch (err) {
    await backend.beforeClose?.();
    await backend.db.destroy();
    throw err;
  }
  const { db, caps, sqliteWal } = backend;
  const write = writeAll(db, sqliteWal?.writer);
  return {
    dialect: caps.dialect,
    vendors: vendorRepo(db),
    devices: deviceRepo(db, write),
    events: eventRepo(db, caps, write),
    attendance: attendanceRepo(db, caps, opts.ids ?? new TimeIds(), sqliteWal),
    attendanceRules: attendanceRulesRepo(db),
    stats: attendanceStatsRepo(db, caps),
    ...taskStore(db, caps),
    accounts: accountRepo(db),
    sessions: sessionRepo(db),
    audit: auditRepo(db, caps),
    idempotency: idempotencyRepo(db),
    imports: importRepo(db, caps),
    deviceApi: deviceApiRepo(db),
    taskApi: taskApiRepo(db),
    firmwareApi: firmwareApiRepo(db, caps),
    personIris: personIrisRepo(db),
    qr: qrRepo(db),
    webhooks: webhookRepo(db, caps),
    mobile: mobileRepo(db),
    partitions: caps.dialect === 'postgres' ? pgAttendancePartitions(db) : NO_PARTITIONS,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await backend.beforeClose?.();
      await db.destroy();
    },
  };
}

/** Whether an insert failed on a unique key (a device registered twice, a taken accessId). */
export function isUniqueViolation(err: unknown): boolean {
  return isSqliteUniqueViolation(err) || isPgUniqueViolation(err);
}
