/** kaoqin attendance list [--sn SN] [--since ISO] [--limit N]. */
import { openData } from '../app.js';
import type { AttendanceQuery } from '../store/types.js';
import { parse, UsageError } from './args.js';
import { iso, printJson, printTable } from './output.js';

export async function attendanceCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'list')
    throw new UsageError('usage: kaoqin attendance list [--sn SN] [--since ISO] [--limit N] [--json]');
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
