/**
 * The storage baseline on PostgreSQL (with --database-url): how fast raw batched inserts
 * of the same attendance-shaped rows as db-baseline.ts become durable on this server,
 * with nothing in front of them. One connection; each batch is one transaction (BEGIN,
 * one multi-row INSERT of `batch` rows as a named prepared statement, so it is parsed and
 * planned once, COMMIT) with the server's default commit (synchronous_commit as set,
 * `on` unless the server says otherwise: the WAL is flushed before COMMIT returns). The
 * table has the same columns, unique key and indexes as the SQLite baseline's, in a
 * schema of its own inside the run's scratch database.
 *
 * Runs as a child of the harness; config in BENCH_DB_PG (JSON), result over IPC.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { ATTENDANCE_DDL } from './attendance-ddl.js';
import type { DbResult } from './db-baseline.js';

export interface PgDbConfig {
  url: string;
  seconds: number;
  batch: number;
}

const DEVICES = 1000;
const COLUMNS = 19;
/** PostgreSQL's bind parameters are counted in an Int16. */
const MAX_PARAMS = 65_535;

const config = JSON.parse(process.env.BENCH_DB_PG ?? 'null') as PgDbConfig | null;
if (!config || !process.send)
  throw new Error('db-baseline-pg.ts runs as a child of the harness (BENCH_DB_PG, IPC)');

async function setUp(c: pg.Client): Promise<void> {
  await c.query('create schema if not exists bench_baseline');
  await c.query('set search_path = bench_baseline');
  await c.query(`
    ${ATTENDANCE_DDL}
    INSERT INTO devices (id, sn) SELECT 'dev-' || d, 'bench-' || d FROM generate_series(0, ${DEVICES - 1}) d;
  `);
}

function insertText(rows: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const p = Array.from({ length: COLUMNS }, (_, c) => `$${r * COLUMNS + c + 1}`);
    tuples.push(`(${p.join(', ')})`);
  }
  return `INSERT INTO attendance (id, device_id, vendor_id, sn, site_id, person_id, record_time,
  type, bit_type, qr_code_info, photo_key, temperature, iris_info, longitude, latitude, real_name, flags,
  received_at, latency_ms) VALUES ${tuples.join(', ')}`;
}

function values(first: number, rows: number): unknown[] {
  const now = Date.now();
  const out: unknown[] = [];
  for (let k = 0; k < rows; k++) {
    const n = first + k;
    const device = n % DEVICES;
    const recordTime = now - 60_000 + (n % 60_000);
    out.push(
      `att-${String(n).padStart(19, '0')}`,
      `dev-${device}`,
      'vendor-bench',
      `bench-${device}`,
      null,
      `9${String(n).padStart(18, '0')}`,
      recordTime,
      1,
      null,
      null,
      null,
      36.5,
      null,
      120.1551,
      30.2741,
      1,
      '["device_unassigned"]',
      now,
      now - recordTime,
    );
  }
  return out;
}

async function main(cfg: PgDbConfig): Promise<DbResult> {
  const batch = Math.min(cfg.batch, Math.floor(MAX_PARAMS / COLUMNS));
  const c = new pg.Client({ connectionString: cfg.url });
  await c.connect();
  try {
    await setUp(c);
    const synchronous = String((await c.query('show synchronous_commit')).rows[0]?.synchronous_commit);
    const text = insertText(batch);
    const start = performance.now();
    const budget = cfg.seconds * 1000;
    const batchMs: number[] = [];
    let rows = 0;
    // Bounded: stops after the duration, and after 100,000 batches whatever the clock says.
    for (let b = 0; b < 100_000 && (b === 0 || performance.now() - start < budget); b++) {
      const t = performance.now();
      await c.query('BEGIN');
      await c.query({ name: 'insert_attendance', text, values: values(rows, batch) });
      await c.query('COMMIT');
      rows += batch;
      batchMs.push(performance.now() - t);
    }
    const seconds = (performance.now() - start) / 1000;
    batchMs.sort((a, b) => a - b);
    return {
      type: 'result',
      rows,
      batches: batchMs.length,
      seconds,
      rowsPerSecond: rows / seconds,
      batchMsP50: batchMs[Math.floor(batchMs.length / 2)] ?? 0,
      batchMsMax: batchMs[batchMs.length - 1] ?? 0,
      journalMode: 'postgresql',
      synchronous: synchronous === 'off' ? 0 : 2,
      durability: `${batch}-row INSERT per transaction, synchronous_commit=${synchronous}`,
    };
  } finally {
    await c.end();
  }
}

main(config).then(
  (result) => {
    process.send!(result, () => process.exit(0));
  },
  (err: unknown) => {
    process.send!({ type: 'error', error: String((err as Error)?.stack ?? err) }, () => process.exit(1));
  },
);
process.on('disconnect', () => process.exit(0));
