/**
 * The attendance list's queries are index range reads, not table scans, on both
 * databases: EXPLAIN of the exact SQL a page runs (pageQueries), for every filter a
 * labour manager uses, over a table with enough rows and statistics that the planner
 * has a real choice. Each plan must read the index the filter leads with (migration
 * 0012), in its order (no sort), and never the whole table. On PostgreSQL the table is
 * partitioned by month (attendance-partitions.ts): the rows fill two months' partitions,
 * and each plan reads those partitions' copies of the index.
 */
import { type CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimeIds } from '../../src/ids.js';
import { attendanceRepo } from '../../src/store/attendance.js';
import { pageQueries } from '../../src/store/attendance-api.js';
import { pgAttendancePartitions } from '../../src/store/attendance-partitions.js';
import type { Backend } from '../../src/store/dialect.js';
import type { AttendanceInput, AttendancePageQuery } from '../../src/store/index.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { BACKENDS } from '../helpers/api.js';
import { explain, scratchBackend } from '../helpers/scratch-backend.js';

const T0 = Date.parse('2026-03-01T00:00:00+08:00');
const DAY = 86_400_000;
const SITES = 40;
const DEVICES = 160;
const PERSONS = 4000;
const ROWS = 40_000;

type Order = 'ordered' | 'ties' | 'any';

describe.each(BACKENDS)('attendance query plans ($name)', ({ pg }) => {
  let b: Backend;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ backend: b, cleanup } = await scratchBackend(pg));
    await migrateToLatest(b);
    const { db } = b;
    // The test's months get partitions of their own, as the leader's job makes them.
    if (pg) await pgAttendancePartitions(db).ensureAhead(T0, 2);
    for (const v of ['v1', 'v2']) {
      await db
        .insertInto('vendors')
        .values({
          id: v,
          name: v,
          access_id: v,
          access_key: v,
          secret_enc: '',
          secret_version: 1,
          status: 'active',
          public_key_pem: null,
          created_at: 0,
          updated_at: 0,
        })
        .execute();
    }
    const device = (d: number) => ({ id: `d${d}`, vendor: d % 8 === 0 ? 'v2' : 'v1', site: `s${d % SITES}` });
    for (let d = 0; d < DEVICES; d++) {
      const { id, vendor, site } = device(d);
      await sql`insert into devices (id, vendor_id, sn, site_id, disabled, registered_by, online, direction, created_at)
                values (${id}, ${vendor}, ${`SN${d}`}, ${site}, 0, 'operator', 0, 'both', 0)`.execute(db);
    }
    const repo = attendanceRepo(db, b.caps, new TimeIds());
    for (let i = 0; i < ROWS; i += 1000) {
      const batch: AttendanceInput[] = [];
      for (let k = i; k < i + 1000; k++) {
        const { id, vendor, site } = device(k % DEVICES);
        const recordTime = T0 + Math.floor((k / ROWS) * 60 * DAY) + (k % 97);
        batch.push({
          deviceId: id,
          vendorId: vendor,
          sn: `SN${k % DEVICES}`,
          siteId: site,
          personId: String(4_508_004_291_000_000_000n + BigInt((k * 7919) % PERSONS)),
          recordTime,
          type: k % 5 === 0 ? 16 : 1,
          bitType: null,
          qrCodeInfo: null,
          photoKey: k % 2 ? (k * 2654435761).toString(16).padStart(64, '0').slice(-64) : null,
          temperature: null,
          irisInfo: null,
          longitude: null,
          latitude: null,
          realName: true,
          flags: k % 50 === 0 ? ['unknown_person'] : [],
          receivedAt: recordTime + 500,
          latencyMs: 500,
        });
      }
      await repo.insertBatch(batch);
    }
    await sql`analyze`.execute(db);
  }, 300_000);

  afterAll(async () => {
    await b.db.destroy();
    await cleanup();
  });

  const plan = (c: CompiledQuery) => explain(b.db, pg, c);

  /**
   * One range of `index`, never the table, read:
   * - 'ordered': in the index's order, no sort (asked where the range holds far more rows
   *   than the page);
   * - 'ties': in the index's order of record time, sorting only the records of one
   *   millisecond by id (a device's range, read through the record key, which orders such
   *   ties by person: migration 0025);
   * - 'any': PostgreSQL may rightly prefer a bitmap read and a sort of the few rows a small
   *   range holds (a person's month): still one range of the index. SQLite still reads in
   *   order.
   */
  function expectRange(lines: string[], index: string, order: Order): void {
    const text = lines.join('\n');
    if (pg) {
      expect(text, text).toMatch(
        new RegExp(`(Index (Only )?Scan( Backward)? using|Bitmap Index Scan on) ${onPartitions(index)}`),
      );
      // The months that hold the rows are never read whole; an empty month's partition
      // may be "scanned" at no cost.
      expect(text, text).not.toMatch(/Seq Scan on attendance_m2026_0[34] /);
      // No sort node (a Merge Append of the months' ordered ranges names its "Sort Key"
      // without sorting); for ties, only a sort that keeps record time's order.
      if (order === 'ordered') expect(text, text).not.toMatch(/(^|->)\s*(Incremental )?Sort\s+\(|Bitmap/m);
      if (order === 'ties') {
        expect(text, text).not.toMatch(/(^|->)\s*Sort\s+\(|Bitmap/m);
        if (/Incremental Sort/.test(text))
          expect(text, text).toMatch(/Presorted Key: attendance\.record_time$/m);
      }
    } else {
      // SQLite plans without statistics of value: it must take the index, in order, every time.
      expect(text, text).toMatch(
        new RegExp(`(SEARCH|SCAN) attendance USING (COVERING )?INDEX ${SQLITE_NAMES[index] ?? index}\\b`),
      );
      expect(text, text).not.toMatch(/SCAN attendance$/m);
      const sorted = /TEMP B-TREE FOR (LAST TERM|RIGHT PART) OF ORDER BY/;
      if (order === 'ties') expect(text.replace(sorted, ''), text).not.toMatch(/TEMP B-TREE/);
      else expect(text, text).not.toMatch(/TEMP B-TREE/);
    }
  }

  /** The record key is an inline constraint on SQLite, whose index takes the table's name. */
  const SQLITE_NAMES: Record<string, string> = { attendance_record_key: 'sqlite_autoindex_attendance_\\d+' };

  /**
   * A parent index's name as its copies on the month partitions are named (PostgreSQL
   * names them from the partition and the columns).
   */
  const COPIES: Record<string, string> = {
    attendance_site_time_id_idx: 'site_id_record_time_id_idx',
    attendance_person_time_id_idx: 'person_id_record_time_id_idx',
    attendance_time_id_idx: 'record_time_id_idx',
    attendance_record_key: 'device_id_record_time_person_id_type_key',
  };
  const onPartitions = (index: string) =>
    index.replace(/attendance_[a-z_]+?_(idx|key)\b/g, (name) => `attendance_m\\d{4}_\\d{2}_${COPIES[name]}`);

  const since = T0 + 10 * DAY;
  const until = T0 + 40 * DAY;
  const after = { recordTime: T0 + 20 * DAY, id: '9999999999999999999' };
  const person = String(4_508_004_291_000_000_000n + 17n);
  // name, query, the index it must range over, how it must read it (expectRange)
  const cases: [string, AttendancePageQuery, string, Order][] = [
    [
      'site + time range',
      { siteIds: ['s3'], since, until, limit: 51 },
      'attendance_site_time_id_idx',
      'ordered',
    ],
    [
      'site + time range, deep page',
      { siteIds: ['s3'], since, until, after, limit: 51 },
      'attendance_site_time_id_idx',
      'ordered',
    ],
    [
      'site + flag + type',
      { siteIds: ['s3'], flag: 'unknown_person', type: 1, limit: 51 },
      'attendance_site_time_id_idx',
      'any',
    ],
    [
      'person + time range',
      { personId: person, since, until, limit: 51 },
      'attendance_person_time_id_idx',
      'any',
    ],
    [
      'person within a site',
      { personId: person, siteIds: ['s3', 's4'], limit: 51 },
      'attendance_person_time_id_idx',
      'any',
    ],
    ['device + time range', { deviceIds: ['d7'], since, until, limit: 51 }, 'attendance_record_key', 'ties'],
    [
      'device + time range, deep page',
      { deviceIds: ['d7'], since, after, limit: 51 },
      'attendance_record_key',
      pg ? 'any' : 'ties',
    ],
    ['every site', { limit: 51 }, 'attendance_time_id_idx', 'ordered'],
    [
      'every site + time range, deep page',
      { since, until, after, limit: 51 },
      'attendance_time_id_idx',
      'ordered',
    ],
    [
      'an export batch of a site',
      { siteIds: ['s5'], since, until, limit: 5000 },
      'attendance_site_time_id_idx',
      'any',
    ],
    ['an export batch of every site', { since, until, limit: 5000 }, 'attendance_time_id_idx', 'ordered'],
  ];

  it.each(cases)('%s reads one index range', async (_name, q, index, ordered) => {
    const queries = pageQueries(b.db, q);
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) expectRange(await plan(query.compile()), index, ordered);
  });

  it('a manager of several sites reads one range per site', async () => {
    const queries = pageQueries(b.db, { siteIds: ['s1', 's2', 's3'], since, limit: 51 });
    expect(queries).toHaveLength(3);
    for (const query of queries)
      expectRange(await plan(query.compile()), 'attendance_site_time_id_idx', 'ordered');
  });

  it('photo bookkeeping probes its indexes: shared photos, a person’s photos', async () => {
    // The queries of keysStillUsed and photosOfPerson (store/attendance-api.ts).
    const shared = b.db
      .selectFrom('attendance')
      .select('id')
      .where('photo_key', '=', 'ab'.repeat(32))
      .where('id', '>', '1')
      .limit(1)
      .compile();
    expect((await plan(shared)).join('\n')).toMatch(
      /attendance_photo_key_idx|attendance_m\d{4}_\d{2}_photo_key_idx/,
    );
    const ofPerson = b.db
      .selectFrom('attendance')
      .select(['id', 'photo_key'])
      .where('person_id', '=', person)
      .where('photo_key', 'is not', null)
      .compile();
    expect((await plan(ofPerson)).join('\n')).toMatch(
      /attendance_person_time_id_idx|attendance_photo_key_idx|attendance_m\d{4}_\d{2}_(person_id_record_time_id|photo_key)_idx/,
    );
  });
});
