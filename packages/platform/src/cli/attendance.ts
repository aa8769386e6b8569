/**
 * kaoqin attendance list [--sn SN] [--since ISO] [--limit N]; attendance partitions (the
 * months of a PostgreSQL store); attendance partition (converts a plain table, offline).
 */
import pg from 'pg';
import { openData } from '../app.js';
import { PARTITION_MONTHS_AHEAD } from '../store/attendance-partitions.js';
import { isPostgresUrl } from '../store/index.js';
import type { AttendanceQuery } from '../store/types.js';
import { parse, UsageError } from './args.js';
import { iso, printJson, printTable } from './output.js';

const USAGE =
  'usage: kaoqin attendance list [--sn SN] [--since ISO] [--limit N] [--json] | partitions | partition';

export async function attendanceCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'partitions') return partitionsCommand(rest);
  if (sub === 'partition') return partitionCommand(rest);
  if (sub !== 'list') throw new UsageError(USAGE);
  const p = parse(rest, { sn: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } });
  const q: AttendanceQuery = {};
  if (typeof p.values.sn === 'string') q.sn = p.values.sn;
  if (typeof p.values.since === 'string') {
    const t = Date.parse(p.values.since);
    if (Number.isNaN(t)) throw new UsageError(`--since: not an ISO time: ${p.values.since}`);
    q.since = t;
  }
  if (typeof p.values.limit === 'string') {
    const n = Number(p.values.limit);
    if (!Number.isInteger(n) || n < 1) throw new UsageError('--limit must be a positive integer');
    q.limit = n;
  }
  const data = await openData(p.config);
  try {
    const rows = (await data.store.attendance.list(q)).map((r) => ({
      id: r.id,
      sn: r.sn,
      personId: r.personId,
      recordTime: iso(r.recordTime),
      type: r.type,
      bitType: r.bitType,
      realName: r.realName,
      photo: r.photoKey,
      flags: r.flags,
      latencyMs: r.latencyMs,
    }));
    if (p.json) printJson(rows);
    else
      printTable(
        rows.map((r) => ({ ...r, flags: r.flags.join(',') })),
        ['sn', 'personId', 'recordTime', 'type', 'realName', 'flags', 'latencyMs'],
      );
  } finally {
    await data.close();
  }
}

async function partitionsCommand(argv: string[]): Promise<void> {
  const p = parse(argv);
  const data = await openData(p.config);
  try {
    const parts = await data.store.partitions.list();
    const partitioned = await data.store.partitions.partitioned();
    if (p.json) printJson({ partitioned, partitions: parts });
    else if (!partitioned)
      process.stdout.write(
        data.store.dialect === 'sqlite'
          ? 'attendance is not partitioned: SQLite has no partitions\n'
          : 'attendance is a plain table: convert it with kaoqin attendance partition (every process stopped)\n',
      );
    else
      printTable(
        parts.map((x) => ({ ...x })),
        ['name', 'month', 'rows'],
      );
  } finally {
    await data.close();
  }
}

/**
 * Converts a plain attendance table (a PostgreSQL database from before partitioning) into
 * monthly partitions with every record. It copies the table under a lock, so it refuses
 * while a `serve` process runs on the database (one of them holds the leader's lock).
 */
async function partitionCommand(argv: string[]): Promise<void> {
  const p = parse(argv);
  if (!isPostgresUrl(p.config.databaseUrl))
    throw new UsageError('attendance partition needs --database-url postgres://… (SQLite has no partitions)');
  const guard = new pg.Client({ connectionString: p.config.databaseUrl });
  await guard.connect();
  try {
    const { rows } = await guard.query<{ ok: boolean }>(
      "select pg_try_advisory_lock(hashtextextended('kaoqin leader ' || current_schema(), 0)) as ok",
    );
    if (!rows[0]?.ok)
      throw new UsageError(
        'a kaoqin serve process is running on this database (it holds the leader lock): stop every process first',
      );
    const data = await openData(p.config);
    try {
      const moved = await data.store.partitions.convert(Date.now(), PARTITION_MONTHS_AHEAD);
      const parts = await data.store.partitions.list();
      if (p.json) printJson({ moved, partitions: parts });
      else process.stdout.write(`attendance partitioned: ${moved} records in ${parts.length} partitions\n`);
    } finally {
      await data.close();
    }
  } finally {
    await guard.end(); // the session's lock goes with it
  }
}
