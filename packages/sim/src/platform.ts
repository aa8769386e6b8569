/**
 * The simulator's view of the platform's data: what it reads to verify the run (every
 * record on the platform exactly once) and what enrol-burst writes (sites, bindings,
 * persons). The CLI opens the store beside a running platform (openPlatformData), tests
 * pass a running platform's `data`.
 */
import {
  type AttendanceQuery,
  type AttendanceRow,
  loadConfig,
  openData,
  type PlatformData,
} from '@kaoqin/platform';

/** The part of the platform's data the simulator uses. */
export type SimPlatformData = Pick<PlatformData, 'store' | 'persons'>;

/** The fields of a platform attendance row that verification compares. */
export type SimAttendanceRow = Pick<AttendanceRow, 'id' | 'sn' | 'personId' | 'recordTime' | 'type'>;

/** What verification reads: attendance rows of one device, in recordTime order. */
export interface AttendanceReader {
  store: { attendance: { list(q: AttendanceQuery): Promise<SimAttendanceRow[]> } };
}

export interface OpenedPlatform {
  data: SimPlatformData;
  close(): Promise<void>;
}

/**
 * Opens the platform's store (its data dir, or its PostgreSQL database) the way the
 * `kaoqin` operator commands do, beside a running platform.
 */
export async function openPlatformData(where: {
  dataDir?: string;
  databaseUrl?: string;
}): Promise<OpenedPlatform> {
  const flags: Record<string, string> = { 'log-level': 'silent' };
  if (where.dataDir) flags['data-dir'] = where.dataDir;
  if (where.databaseUrl) flags['database-url'] = where.databaseUrl;
  const data = await openData(loadConfig(flags));
  return { data, close: () => data.close() };
}

/**
 * Runs a write on the platform's store again while SQLite says "database is locked".
 * Beside a running platform (another process on the same file), a transaction that reads
 * before it writes fails at once with SQLITE_BUSY when the platform committed in between
 * (WAL snapshots cannot be upgraded; busy_timeout does not apply): a moment later it
 * goes through. Only for writes that are safe to repeat after a rollback.
 */
export async function retryBusy<T>(fn: () => Promise<T>, attempts = 30): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !isBusy(err)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(i, 10)));
    }
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) ||
    (err instanceof Error && err.message.includes('database is locked'))
  );
}

export interface Verification {
  /** Records created by the run that the platform holds. */
  present: number;
  /** Extra rows: rows of a (sn, personId, recordTime, type) beyond the first. */
  duplicated: number;
  /** Records created by the run that the platform does not hold. */
  lost: number;
  /** Rows of the run's devices and time span that the run did not create (another run on the same sns). */
  unexpected: number;
  /** A few lost records, "sn personId|recordTime|type". */
  lostSample: string[];
}

/** What verification needs of a device: its sn and how many records it created (keyOf reads them). */
export interface VerifiedDevice {
  sn: string;
  recordTimes: readonly number[];
}

/** Rows per page: the store's largest. */
const PAGE = 10_000;

/**
 * Reads back every row of the devices with recordTime ≥ since and compares it with what
 * they created: each created record must be there exactly once.
 */
export async function verifyRecords<D extends VerifiedDevice>(
  data: AttendanceReader,
  devices: readonly D[],
  keyOf: (device: D, i: number) => string,
  since: number,
  concurrency = 8,
): Promise<Verification> {
  const out: Verification = { present: 0, duplicated: 0, lost: 0, unexpected: 0, lostSample: [] };
  let next = 0;
  const worker = async () => {
    for (;;) {
      const device = devices[next++];
      if (!device) return;
      const rows = await rowsOf(data, device.sn, since);
      for (const n of rows.values()) if (n > 1) out.duplicated += n - 1;
      const created = new Set<string>();
      for (let i = 0; i < device.recordTimes.length; i++) {
        const key = keyOf(device, i);
        created.add(key);
        if (rows.has(key)) out.present++;
        else {
          out.lost++;
          if (out.lostSample.length < 5) out.lostSample.push(`${device.sn} ${key}`);
        }
      }
      for (const key of rows.keys()) if (!created.has(key)) out.unexpected++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return out;
}

/** Rows per key of one device since `since`, paged by recordTime (the store's order). */
async function rowsOf(data: AttendanceReader, sn: string, since: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let from = since;
  // Paging by `recordTime >= from` reads the rows at the boundary time again: skip those.
  let boundary = new Set<string>();
  for (;;) {
    const page = await data.store.attendance.list({ sn, since: from, limit: PAGE });
    const last = page.at(-1)?.recordTime;
    const atLast = new Set<string>();
    for (const r of page) {
      if (r.recordTime === from && boundary.has(r.id)) continue;
      const key = `${r.personId}|${r.recordTime}|${r.type}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (r.recordTime === last) atLast.add(r.id);
    }
    if (page.length < PAGE || last === undefined) return counts;
    if (last === from) {
      throw new Error(
        `more than ${PAGE} records of ${sn} share recordTime ${from}: cannot page through them`,
      );
    }
    from = last;
    boundary = atLast;
  }
}
