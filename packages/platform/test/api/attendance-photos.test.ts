import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import { type AttendanceWorld, attendanceWorld, fakeJpeg, onDisk } from '../helpers/attendance.js';

const DAY = 86_400_000;

describe.each(BACKENDS)('clock-in photo retention ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let w: AttendanceWorld;

  beforeAll(async () => {
    p = await startApiPlatform({ 'attendance-photo-retention-days': '30' }, { pg });
    w = await attendanceWorld(p, 'R');
  });
  afterAll(() => p.stop());

  const record = async (id: string): Promise<Json> =>
    (await p.api.call('GET', `/api/v1/attendance/${id}`)).body;

  it('removes photos past the period, keeps a photo a newer record shares, and reads each record once', async () => {
    const [old1, old2, twice, shared, fresh] = [fakeJpeg(), fakeJpeg(), fakeJpeg(), fakeJpeg(), fakeJpeg()];
    const key = async (b: Buffer) => p.platform.blobs.put(b, 'jpg');
    const [k1, k2, kt, ks, kf] = [
      await key(old1),
      await key(old2),
      await key(twice),
      await key(shared),
      await key(fresh),
    ];
    const t = p.clock.now;
    // 31 days old, in the order received; a record without a photo among them
    const oldIds = await w.insert([
      w.record(w.devA1, { recordTime: t - 31 * DAY, receivedAt: t - 31 * DAY, photoKey: k1 }),
      w.record(w.devA1, { recordTime: t - 31 * DAY + 1, receivedAt: t - 31 * DAY + 1, photoKey: null }),
      w.record(w.devA2, { recordTime: t - 31 * DAY + 2, receivedAt: t - 31 * DAY + 2, photoKey: k2 }),
      w.record(w.devA2, { recordTime: t - 31 * DAY + 3, receivedAt: t - 31 * DAY + 3, photoKey: kt }),
      w.record(w.devB1, { recordTime: t - 31 * DAY + 4, receivedAt: t - 31 * DAY + 4, photoKey: kt }),
      w.record(w.devB1, { recordTime: t - 31 * DAY + 5, receivedAt: t - 31 * DAY + 5, photoKey: ks }),
    ]);
    const newIds = await w.insert([
      w.record(w.devA1, { recordTime: t - DAY, receivedAt: t - DAY, photoKey: ks }),
      w.record(w.devA1, { recordTime: t - 1000, receivedAt: t, photoKey: kf }),
    ]);
    const sharedUrl = (await record(newIds[0]!)).photoUrl as string;

    expect(await p.platform.attendancePhotos.expire()).toEqual({ records: 5, photos: 3 });
    for (const id of oldIds) {
      const r = await record(id);
      expect(r.photoUrl).toBeNull();
      expect(r.photoRemoved).toBe(id === oldIds[1] ? null : 'expired');
    }
    for (const b of [old1, old2, twice]) expect(await onDisk(p.platform, b)).toBe(false);
    for (const b of [shared, fresh]) expect(await onDisk(p.platform, b)).toBe(true);
    const still = await fetch(sharedUrl);
    expect(Buffer.from(await still.arrayBuffer()).equals(shared)).toBe(true);
    // nothing left to do until time passes
    expect(await p.platform.attendancePhotos.expire()).toEqual({ records: 0, photos: 0 });

    p.clock.advance(30 * DAY + 1);
    expect(await p.platform.attendancePhotos.expire()).toEqual({ records: 2, photos: 2 });
    for (const b of [shared, fresh]) expect(await onDisk(p.platform, b)).toBe(false);
    p.api = p.api.as(await p.api.login('admin', 'admin-password-for-tests'));
    const r = await record(newIds[1]!);
    expect(r).toMatchObject({ photoUrl: null, photoRemoved: 'expired' });
  });
});

describe.each(BACKENDS)('clock-in photos kept for ever ($name)', ({ pg }) => {
  it('keeps every photo when the retention is 0', async () => {
    const p = await startApiPlatform({ 'attendance-photo-retention-days': '0' }, { pg });
    try {
      const w = await attendanceWorld(p, 'K');
      const photo = fakeJpeg();
      const key = await p.platform.blobs.put(photo, 'jpg');
      await w.insert([w.record(w.devA1, { receivedAt: p.clock.now - 3650 * DAY, photoKey: key })]);
      p.clock.advance(3650 * DAY);
      expect(await p.platform.attendancePhotos.expire()).toEqual({ records: 0, photos: 0 });
      expect(await onDisk(p.platform, photo)).toBe(true);
    } finally {
      await p.stop();
    }
  });
});

describe.each(BACKENDS)('clock-in photo erasure ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let w: AttendanceWorld;

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    w = await attendanceWorld(p, 'E');
  });
  afterAll(() => p.stop());

  it("removes a person's clock-in photos from disk, keeps their records, and spares a photo another person shares", async () => {
    const [mine, again, shared, theirs, overTcp] = [
      fakeJpeg(),
      fakeJpeg(),
      fakeJpeg(),
      fakeJpeg(),
      fakeJpeg(5000),
    ];
    const put = (b: Buffer) => p.platform.blobs.put(b, 'jpg');
    const [km, ka, ks, kt] = [await put(mine), await put(again), await put(shared), await put(theirs)];
    const person = w.persons[0]!.id;
    const other = w.persons[1]!.id;
    const t = p.clock.now;
    await w.insert([
      w.record(w.devA1, { personId: person, recordTime: t - 5000, photoKey: km }),
      w.record(w.devA1, { personId: person, recordTime: t - 4000, photoKey: ka }),
      w.record(w.devA2, { personId: person, recordTime: t - 3000, photoKey: ka }),
      w.record(w.devA2, { personId: person, recordTime: t - 2000, photoKey: ks }),
      w.record(w.devB1, { personId: other, recordTime: t - 2000, photoKey: ks }),
      w.record(w.devB1, { personId: other, recordTime: t - 1000, photoKey: kt }),
    ]);
    // and a real clock-in of the person over TCP
    const d = await TestDevice.tcp(p.platform.tcpPort, 'ERASE-TCP', p.creds, () => p.clock.now);
    await d.auth();
    const signed = await d.signIn({
      personId: person,
      type: 1,
      img: overTcp.toString('base64'),
      recordTime: String(t - 500),
    });
    expect(signed.success).toBe(true);
    d.close();
    const before = (await p.api.call('GET', `/api/v1/attendance?personId=${person}`)).body.items as Json[];
    expect(before).toHaveLength(5);
    const urlBefore = before[0].photoUrl as string;
    expect((await fetch(urlBefore)).status).toBe(200);

    expect(await p.platform.attendancePhotos.erasePerson(person)).toEqual({ photos: 3, records: 5 });

    const after = (await p.api.call('GET', `/api/v1/attendance?personId=${person}`)).body.items as Json[];
    expect(after.map((i) => i.id)).toEqual(before.map((i) => i.id));
    for (const i of after) expect(i).toMatchObject({ photoUrl: null, photoRemoved: 'erased' });
    for (const b of [mine, again, overTcp]) expect(await onDisk(p.platform, b)).toBe(false);
    // the photo the other person's record shares stays, and so does theirs
    for (const b of [shared, theirs]) expect(await onDisk(p.platform, b)).toBe(true);
    const others = (await p.api.call('GET', `/api/v1/attendance?personId=${other}`)).body.items as Json[];
    for (const i of others) expect((await fetch(i.photoUrl)).status).toBe(200);
    // a URL handed out before the erasure fetches nothing
    expect((await fetch(urlBefore)).status).toBe(404);
    expect(await p.platform.attendancePhotos.erasePerson(person)).toEqual({ photos: 0, records: 0 });
  });
});
