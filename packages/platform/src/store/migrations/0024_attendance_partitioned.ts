/**
 * Attendance partitioned by month on PostgreSQL (store/attendance-partitions.ts): a new
 * database's attendance table, still empty, becomes partitioned here, with the current
 * month and the next three. A table that already holds records is left as it is, since
 * converting it copies every record while the table is locked: `kaoqin store
 * partition-attendance` does that with every process stopped (docs/operations.md).
 * Nothing on SQLite.
 */
import { type Kysely, type Migration, PostgresAdapter } from 'kysely';
import { PARTITION_MONTHS_AHEAD, partitionIfEmpty } from '../attendance-partitions.js';
import type { Database } from '../schema-types.js';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await partitionIfEmpty(db as Kysely<Database>, Date.now(), PARTITION_MONTHS_AHEAD);
  },
};
