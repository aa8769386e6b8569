/**
 * GET /api/v1/attendance and /attendance/{id} over real HTTP on every backend: every
 * filter against the same filter computed over the inserted records, keyset pages that
 * stay stable while records arrive, the scope of each role, validation, names, and
 * photos as signed URLs that work and expire.
 */

import { TestDevice, tamperedSignature } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttendanceInput } from '../../src/store/index.js';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import { type AttendanceWorld, allPages, attendanceWorld, fakeJpeg, T0 } from '../helpers/attendance.js';

const MIN = 60_000;
const iso = (ms: number): string => encodeURIComponent(new Date(ms).toISOString());

interface Stored extends AttendanceInput {
  id: string;
}

/** Newest first by recordTime, ties by id (descending). */
const newest = (a: Stored, b: Stored): number => b.recordTime - a.recordTime || (a.id < b.id ? 1 : -1);

describe.each(BACKENDS)('attendance list ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let w: AttendanceWorld;
  const stored: Stored[] = [];
  const unknownPerson = '4508004291609636864';

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    w = await attendanceWorld(p);
    const devices = [w.devA1, w.devA2, w.devB1, w.devB2];
    const records: AttendanceInput[] = [];
    for (let i = 0; i < 80; i++) {
      // Times scrambled against insertion order, in pairs sharing a minute (ties by id).
      const slot = Math.floor(((i * 37) % 80) / 2);
      const indirect = i % 7 === 0;
      records.push(
        w.record(devices[i % 4]!, {
          personId: i % 9 === 0 ? unknownPerson : w.persons[i % 3]!.id,
          recordTime: T0 + slot * MIN,
          type: indirect ? 8 : i % 3 === 0 ? 16 : 1,
          realName: !indirect,
          flags: [
            ...(i % 9 === 0 ? (['unknown_person'] as const) : []),
            ...(indirect ? (['not_real_name'] as const) : []),
          ],
          temperature: i % 4 === 0 ? 36.5 : null,
          latitude: 30.27415,
          longitude: 120.15507,
          qrCodeInfo: i % 3 === 0 ? JSON.stringify({ type: 1, codeValue: `QR-${i}` }) : null,
        }),
      );
    }
    const ids = await w.insert(records);
    records.forEach((r, i) => {
      stored.push({ ...r, id: ids[i]! });
    });
  }, 60_000);
  afterAll(() => p.stop());

  const expectIds = (pred: (r: Stored) => boolean): string[] =>
    stored
      .filter(pred)
      .sort(newest)
      .map((r) => r.id);

  it('answers every filter with the records it selects, newest first, across pages', async () => {
    const p0 = w.persons[0]!.id;
    const p1 = w.persons[1]!.id;
    const from = T0 + 10 * MIN;
    const to = T0 + 30 * MIN;
    const inRange = (r: Stored) => r.recordTime >= from && r.recordTime < to;
    const cases: [string, (r: Stored) => boolean][] = [
      ['', () => true],
      [`siteId=${w.siteA}`, (r) => r.siteId === w.siteA],
      [`siteId=${w.siteB}`, (r) => r.siteId === w.siteB],
      [`personId=${p0}`, (r) => r.personId === p0],
      [`deviceSn=${w.devB1.sn}`, (r) => r.sn === w.devB1.sn],
      [`deviceId=${w.devA1.id}`, (r) => r.deviceId === w.devA1.id],
      [`deviceSn=${w.devB2.sn}&deviceId=${w.devB2.id}`, (r) => r.deviceId === w.devB2.id],
      ['type=16', (r) => r.type === 16],
      ['flag=unknown_person', (r) => r.flags.includes('unknown_person')],
      ['flag=not_real_name', (r) => r.flags.includes('not_real_name')],
      ['realName=false', (r) => !r.realName],
      ['realName=true', (r) => r.realName],
      [`since=${iso(from)}&until=${iso(to)}`, inRange],
      [`siteId=${w.siteA}&since=${iso(from)}&until=${iso(to)}`, (r) => r.siteId === w.siteA && inRange(r)],
      [`personId=${p1}&since=${iso(from)}`, (r) => r.personId === p1 && r.recordTime >= from],
      [`deviceSn=${w.devA2.sn}&until=${iso(to)}`, (r) => r.sn === w.devA2.sn && r.recordTime < to],
      [
        `siteId=${w.siteA}&flag=unknown_person&type=1`,
        (r) => r.siteId === w.siteA && r.flags.includes('unknown_person') && r.type === 1,
      ],
      [`personId=${p0}&siteId=${w.siteB}`, (r) => r.personId === p0 && r.siteId === w.siteB],
      [`deviceSn=no-such-device`, () => false],
    ];
    for (const [query, pred] of cases) {
      const want = expectIds(pred);
      const got = await allPages(p.api, `/api/v1/attendance${query ? `?${query}` : ''}`, 7);
      expect(
        got.map((i) => i.id),
        query,
      ).toEqual(want);
    }
    expect(expectIds(() => true)).toHaveLength(80);
  });

  it('shows each record with its person, device, times in +08:00 and fields', async () => {
    const r = await p.api.call('GET', `/api/v1/attendance?deviceId=${w.devA1.id}&limit=500`);
    expect(r.status).toBe(200);
    const byId = new Map((r.body.items as Json[]).map((i) => [i.id, i]));
    for (const s of stored.filter((x) => x.deviceId === w.devA1.id)) {
      const item = byId.get(s.id);
      expect(item).toEqual({
        id: s.id,
        personId: s.personId,
        personName: w.persons.find((x) => x.id === s.personId)?.name ?? null,
        siteId: w.siteA,
        deviceId: w.devA1.id,
        deviceSn: w.devA1.sn,
        vendorId: w.devA1.vendorId,
        recordTime: new Date(s.recordTime + 8 * 3600_000).toISOString().replace('Z', '+08:00'),
        receivedAt: new Date(s.receivedAt + 8 * 3600_000).toISOString().replace('Z', '+08:00'),
        latencyMs: 800,
        uploadClass: null,
        type: s.type,
        bitType: null,
        realName: s.realName,
        flags: s.flags,
        temperature: s.temperature,
        lat: 30.27415,
        lng: 120.15507,
        coordinateAccuracyM: null,
        fenceDistanceM: null,
        qrCodeInfo: s.qrCodeInfo === null ? null : JSON.parse(s.qrCodeInfo),
        photoUrl: null,
        photoRemoved: null,
      });
    }
    const one = await p.api.call('GET', `/api/v1/attendance/${stored[0]!.id}`);
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(stored[0]!.id);
    expect(one.body.personName).toBeNull(); // record 0's person is not enrolled
    expect((await p.api.call('GET', '/api/v1/attendance/1234567890123456789')).status).toBe(404);
  });

  it('keeps pages stable while records arrive: no record repeated, none that existed skipped', async () => {
    const site = `/api/v1/attendance?siteId=${w.siteA}`;
    const before = expectIds((r) => r.siteId === w.siteA);
    const first = await p.api.call('GET', `${site}&limit=10`);
    expect(first.body.items.map((i: Json) => i.id)).toEqual(before.slice(0, 10));
    const lastSeen = stored.find((s) => s.id === first.body.items[9].id)!;
    // newer than anything (above the cursor), between the pages' times, older than anything
    const arriving = [T0 + 90 * MIN, lastSeen.recordTime - 1, T0 - 5 * MIN].map((t) =>
      w.record(w.devA2, { recordTime: t, personId: w.persons[2]!.id, type: 2 }),
    );
    const newIds = await w.insert(arriving);
    const rest: string[] = [];
    let cursor: string | null = first.body.nextCursor;
    while (cursor) {
      const r = await p.api.call('GET', `${site}&limit=10&cursor=${cursor}`);
      rest.push(...r.body.items.map((i: Json) => i.id));
      cursor = r.body.nextCursor;
    }
    const seen = [...first.body.items.map((i: Json) => i.id), ...rest];
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => !newIds.includes(id))).toEqual(before);
    // what arrived below the cursor is read on the way; what arrived above it is not
    expect(seen).not.toContain(newIds[0]);
    expect(seen).toContain(newIds[1]);
    expect(seen).toContain(newIds[2]);
    arriving.forEach((r, i) => {
      stored.push({ ...r, id: newIds[i]! });
    });
  });

  it('confines each role to its scope: a manager to its sites; vendors read none', async () => {
    const mine = await allPages(w.as.manager, '/api/v1/attendance', 50);
    expect(mine.map((i) => i.id)).toEqual(expectIds((r) => r.siteId === w.siteA));
    expect((await w.as.manager.call('GET', `/api/v1/attendance?siteId=${w.siteB}`)).body.items).toEqual([]);
    const bRecord = stored.find((r) => r.siteId === w.siteB)!;
    const aRecord = stored.find((r) => r.siteId === w.siteA)!;
    expect((await w.as.manager.call('GET', `/api/v1/attendance/${bRecord.id}`)).status).toBe(404);
    expect((await w.as.manager.call('GET', `/api/v1/attendance/${aRecord.id}`)).status).toBe(200);

    // Vendors read no attendance: not their devices' records, not one record, not an export.
    for (const path of [
      '/api/v1/attendance',
      `/api/v1/attendance/${aRecord.id}`,
      '/api/v1/attendance/export?format=csv',
    ])
      expect((await w.as.vendor1.call('GET', path)).status, path).toBe(403);

    const all = await allPages(w.as.auditor, '/api/v1/attendance', 100);
    expect(all).toHaveLength(stored.length);
  });

  it('refuses bad filters and cursors with a problem naming the parameter', async () => {
    const bad: [string, string][] = [
      ['flag=nope', 'query.flag'],
      ['type=3', 'query.type'],
      ['realName=yes', 'query.realName'],
      ['since=2026-03-02', 'query.since'],
      [`since=${iso(T0)}&until=${iso(T0 - 1)}`, 'query.until'],
      ['cursor=not-a-cursor', 'query.cursor'],
      [`cursor=${Buffer.from('["x","y"]').toString('base64url')}`, 'query.cursor'],
      [`cursor=${Buffer.from('[1,"12\\u00003"]').toString('base64url')}`, 'query.cursor'],
      [`cursor=${Buffer.from('[1e300,"123"]').toString('base64url')}`, 'query.cursor'],
      ['limit=501', 'query.limit'],
      ['siteId=', 'query.siteId'],
      ['color=red', 'query.color'],
    ];
    for (const [query, path] of bad) {
      const r = await p.api.call('GET', `/api/v1/attendance?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      expect(
        r.body.errors.map((e: Json) => e.path),
        query,
      ).toContain(path);
    }
    const exp = await p.api.call('GET', '/api/v1/attendance/export?format=pdf');
    expect(exp.status).toBe(400);
    expect(exp.body.errors[0].path).toBe('query.format');
  });

  it('gives a stored photo as a signed URL that fetches it, expires, and is written to the audit log', async () => {
    const photo = fakeJpeg();
    const key = await p.platform.blobs.put(photo, 'jpg');
    const [id] = await w.insert([w.record(w.devA1, { recordTime: T0 - 60 * MIN, photoKey: key })]);
    const r = await p.api.call('GET', `/api/v1/attendance/${id}`);
    expect(r.body.photoUrl).toMatch(new RegExp(`^${p.api.base}/dl/clockin/${key}\\?e=\\d+&s=[\\w-]{43}$`));
    const got = await fetch(r.body.photoUrl);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await got.arrayBuffer()).equals(photo)).toBe(true);
    // the same signature does not open the face-photo store, nor a tampered URL anything
    expect((await fetch(r.body.photoUrl.replace('/dl/clockin/', '/dl/photo/'))).status).toBe(403);
    expect((await fetch(tamperedSignature(r.body.photoUrl))).status).toBe(403);
    const audit = await p.api.call('GET', '/api/v1/audit?action=attendance.photos.view&limit=1');
    expect(audit.body.items[0]).toMatchObject({ actor: 'admin', resourceId: id, siteId: w.siteA });
    const listed = await p.api.call('GET', `/api/v1/attendance?deviceId=${w.devA1.id}&until=${iso(T0)}`);
    expect(listed.body.items.map((i: Json) => i.photoUrl)).toEqual([expect.stringContaining(key)]);

    p.clock.advance(6 * 60 * 60_000 + 1000);
    const late = await fetch(r.body.photoUrl);
    expect(late.status).toBe(403);
    expect(await late.json()).toEqual({ error: 'expired' });
    p.api = p.api.as(await p.api.login('admin', 'admin-password-for-tests'));
  });

  it('serves the photo of a real clock-in over TCP', async () => {
    const photo = fakeJpeg(6000);
    const d = await TestDevice.tcp(p.platform.tcpPort, 'ATT-TCP-1', p.creds, () => p.clock.now);
    expect((await d.auth()).success).toBe(true);
    const a = await d.signIn({
      personId: w.persons[1]!.id,
      type: 1,
      img: photo.toString('base64'),
      recordTime: String(p.clock.now - 1000),
    });
    expect(a.success).toBe(true);
    d.close();
    const r = await p.api.call('GET', '/api/v1/attendance?deviceSn=ATT-TCP-1');
    expect(r.body.items).toHaveLength(1);
    expect(r.body.items[0]).toMatchObject({
      personName: '李四',
      latencyMs: 1000,
      flags: ['device_unassigned'],
    });
    const got = await fetch(r.body.items[0].photoUrl);
    expect(Buffer.from(await got.arrayBuffer()).equals(photo)).toBe(true);
  });
});
