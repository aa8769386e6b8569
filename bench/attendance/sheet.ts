/**
 * npm run bench:attendance:sheet — the monthly attendance sheet of a big site (issue 12
 * target: 10,000 workers over 31 days with 1,000,000 clock-ins, the sheet in ≤ 2 s), on
 * SQLite and, given a URL, PostgreSQL. Per store:
 *   1. generate: the site, 10,000 persons with assignments, and the clock-ins straight
 *      into the store through insertBatch (in/out devices; 3–4 punches a worker-day,
 *      each day's in time order) — not timed beyond a line of progress;
 *   2. project: the statistics projector from an empty mark to caught up (rows/s);
 *   3. baseline: a bare `SELECT count(*)` over the month's day rows of the site;
 *   4. the sheet as JSON (every page of 500 workers, serialised as the API does) and as
 *      XLSX and CSV (the API's writers, into a stream that is read and dropped).
 *
 * --database-url / BENCH_DATABASE_URL: postgres://… to run on PostgreSQL too (in a fresh
 * schema, dropped after). BENCH_WORKERS (10000), BENCH_RECORDS (1000000) to run smaller.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { csvSheet, xlsxSheet } from '../../packages/platform/src/api/routes/sheet-export.js';
import { StatsProjector } from '../../packages/platform/src/domain/stats/projector.js';
import {
  hoursOf,
  monthRange,
  sheetPage,
  sheetPages,
} from '../../packages/platform/src/domain/stats/sheet.js';
import { loadExcel } from '../../packages/platform/src/excel.js';
import type { AttendanceInput, DeviceRow, Store } from '../../packages/platform/src/store/index.js';
import { openStore } from '../../packages/platform/src/store/index.js';
import { freshSchema, inSchema } from '../../packages/platform/test/helpers/pg.js';
import {
  attendanceInput,
  insertDevice,
  insertVendor,
  personRow,
} from '../../packages/platform/test/helpers/store-rows.js';
import { progress } from '../lib/cli.js';
import { dec, int, type Row, ratio, table, verdict } from '../lib/table.js';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 10_000);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const MONTH = '2026-12';
const TARGET_MS = 2000;
const H = 3_600_000;
const M = 60_000;

function argUrl(): string | undefined {
  const i = process.argv.indexOf('--database-url');
  return i >= 0 ? process.argv[i + 1] : process.env.BENCH_DATABASE_URL;
}

/** A deterministic 32-bit hash: which worker-days get a fourth punch, and jitter. */
function mix(n: number): number {
  let x = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

async function generate(store: Store): Promise<string> {
  const now = Date.now();
  const { id: vendorId } = await insertVendor(store, { name: 'bench' });
  const siteId = randomUUID();
  await store.sites.create({ id: siteId, name: '基准工地', createdAt: now });
  const devices: DeviceRow[] = [];
  for (const direction of ['in', 'in', 'out', 'out'] as const) {
    devices.push(
      await insertDevice(store, vendorId, siteId, {
        sn: `BENCH-${randomBytes(4).toString('hex')}`,
        direction,
      }),
    );
  }
  const persons = Array.from({ length: WORKERS }, (_, i) => String(4_508_004_291_000_000_000n + BigInt(i)));
  const companies = ['甲建筑公司', '乙劳务公司', '丙安装公司'];
  const trades = ['钢筋工', '木工', '瓦工', '电工', '焊工'];
  for (const [i, id] of persons.entries()) {
    await store.persons.insert(personRow(id, `工人${i}`));
    await store.assignments.insert({
      id: randomUUID(),
      personId: id,
      siteId,
      company: companies[i % 3]!,
      team: `班组${i % 40}`,
      trade: trades[i % 5]!,
      joinedOn: '2026-11-01',
      leftOn: null,
      status: 'active',
      createdAt: now,
      updatedAt: now,
      endedAt: null,
    });
  }
  progress(`generate: ${int.format(WORKERS)} persons with assignments`);
  const { days } = monthRange(MONTH);
  const workerDays = WORKERS * days.length;
  const base = Math.floor(RECORDS / workerDays);
  const extra = RECORDS - base * workerDays; // worker-days with one more punch
  const ins = devices.filter((d) => d.direction === 'in');
  const outs = devices.filter((d) => d.direction === 'out');
  let written = 0;
  let wd = 0;
  for (const day of days) {
    const start = Date.parse(`${day}T00:00:00+08:00`);
    const rows: AttendanceInput[] = [];
    for (let w = 0; w < WORKERS; w++, wd++) {
      // 7919 is prime and does not divide workerDays here: a permutation, so exactly `extra` get one more.
      const n = base + ((wd * 7919) % workerDays < extra ? 1 : 0);
      // in ~08:00, out ~12:00, in ~13:00, out ~17:30, …: alternating in/out devices.
      const times = [8 * H, 12 * H, 13 * H, 17 * H + 30 * M, 18 * H, 20 * H];
      for (let k = 0; k < n; k++) {
        const d = (k % 2 === 0 ? ins : outs)[w % 2]!;
        const recordTime = start + times[k % times.length]! + (mix(wd * 8 + k) % (20 * M));
        rows.push(attendanceInput(d, { personId: persons[w]!, recordTime }));
      }
    }
    rows.sort((a, b) => a.recordTime - b.recordTime);
    for (let i = 0; i < rows.length; i += 1000) await store.attendance.insertBatch(rows.slice(i, i + 1000));
    written += rows.length;
    progress(`generate: ${day} ${int.format(written)} clock-ins`);
  }
  return siteId;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

async function drain(body: Readable): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) bytes += (chunk as Buffer).length;
  return bytes;
}

interface Result {
  store: string;
  records: number;
  projectMs: number;
  dayRows: number;
  countMs: number;
  jsonMs: number;
  jsonBytes: number;
  xlsxMs: number;
  xlsxBytes: number;
  csvMs: number;
}

async function runOn(name: string, store: Store): Promise<Result> {
  const siteId = await generate(store);
  const records = await store.attendance.count();
  progress(`${name}: projecting ${int.format(records)} clock-ins`);
  const project = await timed(() => new StatsProjector(store).catchUp());
  const { from, to, days } = monthRange(MONTH);
  const count = await timed(() => store.stats.countRows(siteId, from, to));
  progress(`${name}: ${int.format(count.value)} day rows; sheets`);
  const json = await timed(async () => {
    let bytes = 0;
    let after: string | undefined;
    for (;;) {
      const page = await sheetPage(store, siteId, MONTH, after, 500);
      // As the route renders it (hours per cell and in total).
      bytes += JSON.stringify({
        items: page.workers.map((w) => ({
          ...w,
          cells: w.cells.map((c) => ({ ...c, hours: hoursOf(c.minutes) })),
          totalHours: hoursOf(w.totalMinutes),
        })),
      }).length;
      if (page.next === null) return bytes;
      after = page.next;
    }
  });
  const file = (format: 'xlsx' | 'csv') =>
    timed(async () => {
      const sink =
        format === 'csv'
          ? csvSheet(days, 'zh')
          : xlsxSheet(loadExcel(), { days, lang: 'zh', title: `基准工地 考勤表 ${MONTH}` });
      const read = drain(sink.body);
      for await (const workers of sheetPages(store, siteId, MONTH)) {
        for (const w of workers) sink.write(w);
        await sink.drained();
      }
      await sink.end();
      return read;
    });
  const xlsx = await file('xlsx');
  const csv = await file('csv');
  return {
    store: name,
    records,
    projectMs: project.ms,
    dayRows: count.value,
    countMs: count.ms,
    jsonMs: json.ms,
    jsonBytes: json.value,
    xlsxMs: xlsx.ms,
    xlsxBytes: await xlsx.value,
    csvMs: csv.ms,
  };
}

function rows(r: Result): Row[] {
  const ms = (x: number) => `${int.format(x)} ms`;
  return [
    [
      `${r.store}: project ${int.format(r.records)} clock-ins → ${int.format(r.dayRows)} day rows`,
      `${int.format((r.records / r.projectMs) * 1000)} rows/s`,
      '',
      '',
      '',
      '',
    ],
    [`${r.store}: baseline SELECT count(*) of the month's day rows`, ms(r.countMs), '', '', '', ''],
    [
      `${r.store}: sheet JSON (${dec(1).format(r.jsonBytes / 1e6)} MB, pages of 500)`,
      ms(r.jsonMs),
      ms(r.countMs),
      ratio(r.jsonMs, r.countMs),
      `≤ ${TARGET_MS} ms`,
      verdict(r.jsonMs <= TARGET_MS),
    ],
    [
      `${r.store}: sheet XLSX (${dec(2).format(r.xlsxBytes / 1e6)} MB)`,
      ms(r.xlsxMs),
      ms(r.countMs),
      ratio(r.xlsxMs, r.countMs),
      `≤ ${TARGET_MS} ms`,
      verdict(r.xlsxMs <= TARGET_MS),
    ],
    [`${r.store}: sheet CSV`, ms(r.csvMs), ms(r.countMs), ratio(r.csvMs, r.countMs), '', ''],
  ];
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kaoqin-bench-sheet-'));
  try {
    const store = await openStore({ dataDir: dir });
    try {
      results.push(await runOn('SQLite', store));
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const url = argUrl();
  if (url) {
    const fresh = await freshSchema(url);
    try {
      const store = await openStore({
        dataDir: join(tmpdir(), 'kaoqin-unused'),
        databaseUrl: inSchema(url, fresh.schema),
      });
      try {
        results.push(await runOn('PostgreSQL', store));
      } finally {
        await store.close();
      }
    } finally {
      await fresh.drop();
    }
  } else progress('PostgreSQL skipped: pass --database-url or BENCH_DATABASE_URL');
  console.log(
    `Monthly sheet: ${int.format(WORKERS)} workers × 31 days, ${int.format(RECORDS)} clock-ins (${MONTH})\n`,
  );
  console.log(table(results.flatMap(rows)));
  process.exitCode = results.every((r) => r.jsonMs <= TARGET_MS && r.xlsxMs <= TARGET_MS) ? 0 : 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
