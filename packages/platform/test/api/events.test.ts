/**
 * GET /api/v1/events over real HTTP and a real TCP device, on every backend: a device
 * coming online and clocking in reaches the stream (each row once), Last-Event-ID resumes
 * with exactly what was missed, scope by role and site, tasks and distribution, resets,
 * the session re-check, ?access_token=, and streams ended when the platform stops.
 */

import { HttpDevice, TestDevice } from '@kaoqin/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isoCst } from '../../src/api/time.js';
import type { PersonRow } from '../../src/store/index.js';
import type { SiteRow } from '../../src/store/task-types.js';
import { type ApiPlatform, BACKENDS, startApiPlatform } from '../helpers/api.js';
import { openSse, type SseFrame, type SseStream } from '../helpers/sse.js';

const is = (event: string) => (f: SseFrame) => f.event === event;
const ATTENDANCE_FIELDS = [
  'deviceId',
  'flags',
  'hasPhoto',
  'id',
  'personId',
  'realName',
  'receivedAt',
  'recordTime',
  'siteId',
  'sn',
  'type',
  'vendorId',
];

describe.each(BACKENDS)('live events ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let siteA: SiteRow;
  let siteB: SiteRow;
  let stopped = false;
  const devices: TestDevice[] = [];
  const streams: SseStream[] = [];

  beforeAll(async () => {
    p = await startApiPlatform({ 'events-heartbeat-ms': '200' }, { pg });
    siteA = await p.platform.data.persons.createSite('甲工地');
    siteB = await p.platform.data.persons.createSite('乙工地');
  });
  afterEach(() => {
    for (const s of streams.splice(0)) s.close();
    for (const d of devices.splice(0)) d.close();
  });
  afterAll(async () => {
    if (!stopped) await p.stop();
  });

  const url = (query = '') => `${p.api.base}/api/v1/events${query}`;
  async function watch(
    query = '',
    opts: { token?: string | null; headers?: Record<string, string> } = {},
  ): Promise<SseStream> {
    const s = await openSse(url(query), { token: p.api.token, ...opts });
    streams.push(s);
    return s;
  }
  async function device(sn: string, siteId: string | null, creds = p.creds) {
    const row = await p.platform.data.devices.preRegister(creds.vendorId, sn, { siteId });
    const d = await TestDevice.tcp(p.platform.tcpPort, sn, creds, () => p.clock.now);
    devices.push(d);
    expect((await d.auth()).success).toBe(true);
    return { d, id: row.id };
  }
  let recordSeq = 0;
  async function clockIn(d: TestDevice, personId: string): Promise<number> {
    const recordTime = p.clock.now - 1000 + recordSeq++;
    expect((await d.signIn({ personId, type: 1, recordTime })).success).toBe(true);
    return recordTime;
  }
  async function account(username: string, body: object): Promise<string> {
    const r = await p.api.call('POST', '/api/v1/accounts', { body: { username, ...body } });
    expect(r.status, r.text).toBe(201);
    return p.api.login(username, r.body.password);
  }

  it('streams a TCP device coming online and each new clock-in once, duplicates not', async () => {
    const s = await watch();
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(s.headers.get('cache-control')).toContain('no-cache');
    const ready = await s.next();
    expect(ready).toMatchObject({ event: 'ready', data: { resumed: false } });
    expect(s.retry).toBe(3000);

    const { d, id } = await device('SN-EV-1', siteA.id);
    const online = await s.next(is('device.online'));
    expect(online.id).toMatch(/^[0-9a-z]+-\d+$/);
    expect(online.data).toEqual({
      deviceId: id,
      sn: 'SN-EV-1',
      at: isoCst(p.clock.now),
      siteId: siteA.id,
      vendorId: p.creds.vendorId,
    });

    const first = await clockIn(d, '4508004291609636864');
    const created = await s.next(is('attendance.created'));
    const [row] = await p.platform.data.store.attendance.list({ sn: 'SN-EV-1' });
    expect(Object.keys(created.data).sort()).toEqual(ATTENDANCE_FIELDS); // ids and states only
    expect(created.data).toMatchObject({
      id: row!.id,
      personId: '4508004291609636864',
      deviceId: id,
      sn: 'SN-EV-1',
      recordTime: isoCst(first),
      receivedAt: isoCst(p.clock.now),
      type: 1,
      hasPhoto: false,
      siteId: siteA.id,
      vendorId: p.creds.vendorId,
    });
    expect(created.data.flags).toEqual(row!.flags);

    // The same record again is stored once and announced once: the next clock-in is next.
    expect((await d.signIn({ personId: '4508004291609636864', type: 1, recordTime: first })).success).toBe(
      true,
    );
    const second = await clockIn(d, '4508004291609636865');
    const next = await s.next(is('attendance.created'));
    expect(next.data.recordTime).toBe(isoCst(second));
    expect(Number(next.id!.split('-')[1])).toBeGreaterThan(Number(created.id!.split('-')[1]));
    await s.drain(500);
    expect(s.comments).toBeGreaterThan(0); // heartbeats
  });

  it('resumes after Last-Event-ID with exactly the events missed, no gap and no repeat', async () => {
    const { d } = await device('SN-EV-2', siteA.id);
    const types = '?types=attendance.created';
    const witness = await watch(types); // connected throughout
    const a = await watch(types);
    await witness.next(is('ready'));
    await a.next(is('ready'));
    await clockIn(d, 'p-0');
    const seenByA = await a.next(is('attendance.created'));
    a.close();
    for (let i = 1; i <= 20; i++) await clockIn(d, `p-${i}`);
    const all: SseFrame[] = [];
    for (let i = 0; i <= 20; i++) all.push(await witness.next(is('attendance.created')));
    expect(all[0]!.id).toBe(seenByA.id);

    const b = await watch(types, { headers: { 'last-event-id': seenByA.id! } });
    const ready = await b.next();
    expect(ready).toMatchObject({ event: 'ready', id: seenByA.id, data: { resumed: true } });
    const replayed: SseFrame[] = [];
    for (let i = 0; i < 20; i++) replayed.push(await b.next());
    expect(replayed).toEqual(all.slice(1));
    expect(await b.drain(300)).toEqual([]);

    // ?lastEventId= for EventSource polyfills that cannot set the header.
    const c = await watch(`${types}&lastEventId=${encodeURIComponent(all[10]!.id!)}`);
    expect((await c.next()).event).toBe('ready');
    const rest: SseFrame[] = [];
    for (let i = 0; i < 10; i++) rest.push(await c.next());
    expect(rest).toEqual(all.slice(11));
    expect(await c.drain(300)).toEqual([]);
  });

  it('shows a site manager only its sites, a vendor only its devices and never clock-ins', async () => {
    const other = await p.platform.data.vendors.create('别家厂商');
    const mgrToken = await account('ev-mgr', { role: 'site_manager', siteIds: [siteA.id] });
    const venToken = await account('ev-ven', { role: 'vendor', vendorId: p.creds.vendorId });
    const mgr = await watch('', { token: mgrToken });
    const ven = await watch('', { token: venToken });
    const otherVen = await watch('', {
      token: await account('ev-ven2', { role: 'vendor', vendorId: other.vendorId }),
    });
    const admin = await watch();
    const onlyB = await watch(`?siteId=${siteB.id}`);
    for (const s of [mgr, ven, otherVen, admin, onlyB]) expect((await s.next()).event).toBe('ready');

    const b = await device('SN-EV-B', siteB.id);
    const a = await device('SN-EV-A', siteA.id);
    await clockIn(b.d, 'pb');
    await clockIn(a.d, 'pa');
    const sns = (fs: SseFrame[]) => fs.map((f) => `${f.event} ${f.data.sn}`);
    const everything = [
      'device.online SN-EV-B',
      'device.online SN-EV-A',
      'attendance.created SN-EV-B',
      'attendance.created SN-EV-A',
    ];
    const seen: SseFrame[] = [];
    for (let i = 0; i < 4; i++) seen.push(await admin.next());
    expect(sns(seen)).toEqual(everything);
    expect(sns(await mgr.drain(400))).toEqual(['device.online SN-EV-A', 'attendance.created SN-EV-A']);
    expect(sns(ven.buffered.splice(0))).toEqual(['device.online SN-EV-B', 'device.online SN-EV-A']);
    expect(otherVen.buffered).toEqual([]);
    expect(sns(onlyB.buffered.splice(0))).toEqual(['device.online SN-EV-B', 'attendance.created SN-EV-B']);

    const elsewhere = await watch(`?siteId=${siteB.id}`, { token: mgrToken });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.problem.code).toBe('not_found');
    const clockIns = await watch('?types=attendance.created', { token: venToken });
    expect(clockIns.status).toBe(403);
    const unknownType = await watch('?types=device.online,nope');
    expect(unknownType.status).toBe(400);
    expect(unknownType.problem.errors).toEqual([expect.objectContaining({ path: 'query.types' })]);
    expect((await watch('?siteId=no-such-site')).status).toBe(404);

    // A change of the account's sites ends its stream (it reconnects with the new scope).
    const mgr2 = await watch('', { token: mgrToken });
    await mgr2.next(is('ready'));
    const patched = await p.api.call('PATCH', '/api/v1/accounts/ev-mgr', { body: { siteIds: [siteB.id] } });
    expect(patched.status, patched.text).toBe(200);
    expect((await mgr2.next(is('end'), 3000)).data).toEqual({ reason: 'scope_changed' });
    await mgr2.ended;
  });

  it('announces distribution changes coalesced per task, and tasks as they finish', async () => {
    const s = await watch('?types=task.finished,distribution.changed');
    await s.next(is('ready'));
    const sn = 'SN-EV-T';
    const row = await p.platform.data.devices.preRegister(p.creds.vendorId, sn, { siteId: siteA.id });
    const engine = p.platform.data.engine;
    const persons = Array.from(
      { length: 6 },
      (_, i) =>
        ({
          id: `45080042916096${String(i).padStart(5, '0')}`,
          name: `工人${i}`,
          photoKeys: [],
        }) as unknown as PersonRow,
    );
    // Two changes before the device is offered the task: one task, one event.
    const first = await engine.enqueuePersons(row.id, 'T_UPDATE_DEVICE_PERSON', persons.slice(0, 3));
    const second = await engine.enqueuePersons(row.id, 'T_UPDATE_DEVICE_PERSON', persons.slice(3));
    expect(second.taskId).toBe(first.taskId);
    const pending = await s.next(is('distribution.changed'));
    expect(pending.data).toMatchObject({
      deviceId: row.id,
      sn,
      taskId: first.taskId,
      counts: { pending: 6 },
      siteId: siteA.id,
      vendorId: p.creds.vendorId,
    });
    expect([...pending.data.personIds].sort()).toEqual(persons.map((x) => x.id));
    expect(await s.drain(700)).toEqual([]);

    const tcp = await TestDevice.tcp(p.platform.tcpPort, sn, p.creds, () => p.clock.now);
    devices.push(tcp);
    await tcp.auth();
    const http = new HttpDevice(p.api.base, sn, p.creds, tcp.token);
    const report = await http.call('T_UPDATE_TASKS_STATUS', {
      param: {
        task: [
          { taskid: first.taskId, status: 1, failedPersons: [{ personId: persons[0]!.id, errCode: 'D03' }] },
        ],
      },
      paramForm: 'object',
    });
    expect(report.success, report.raw).toBe(true);
    const finished = await s.next(is('task.finished'));
    expect(finished.data).toEqual({
      taskId: first.taskId,
      deviceId: row.id,
      sn,
      apicode: 'T_UPDATE_DEVICE_PERSON',
      state: 'done',
      reason: null,
      finishedAt: isoCst(p.clock.now),
      siteId: siteA.id,
      vendorId: p.creds.vendorId,
    });
    const settled = await s.next(is('distribution.changed'));
    expect(settled.data).toMatchObject({ taskId: first.taskId, counts: { on_device: 5, failed: 1 } });

    const cancelled = await engine.enqueueSimple(row.id, 'T_POST_DEVICE_PERSON', {});
    expect(await engine.cancel(cancelled, 'not needed after all')).toBe(true);
    expect((await s.next(is('task.finished'))).data).toMatchObject({
      taskId: cancelled,
      apicode: 'T_POST_DEVICE_PERSON',
      state: 'cancelled',
      reason: 'not needed after all',
    });
  });

  it('answers a Last-Event-ID it cannot resume from with reset, then streams on', async () => {
    const restarted = await watch('', { headers: { 'last-event-id': 'lz00abcd-3' } });
    expect(await restarted.next()).toMatchObject({
      event: 'reset',
      data: { reason: 'restarted', lastEventId: 'lz00abcd-3' },
    });
    const garbage = await watch('', { headers: { 'last-event-id': 'not an id' } });
    expect((await garbage.next()).data).toEqual({ reason: 'unknown', lastEventId: 'not an id' });

    const { d } = await device('SN-EV-R', siteA.id);
    const types = '?types=attendance.created';
    const s = await watch(types);
    await s.next(is('ready'));
    await clockIn(d, 'p-old');
    const old = await s.next(is('attendance.created'));
    s.close();
    await clockIn(d, 'p-missed');
    // Past the replay window (10 minutes): the next event pushes the old ones out,
    // p-missed among them, which the client never saw.
    p.clock.advance(10 * 60_000 + 1000);
    await clockIn(d, 'p-new');
    const late = await watch(types, { headers: { 'last-event-id': old.id! } });
    const reset = await late.next();
    expect(reset).toMatchObject({ event: 'reset', data: { reason: 'expired', lastEventId: old.id } });
    await clockIn(d, 'p-after');
    expect((await late.next(is('attendance.created'))).data.personId).toBe('p-after');
    // The reset's id is a position: resuming from it replays what came after it.
    const again = await watch(types, { headers: { 'last-event-id': reset.id! } });
    expect((await again.next()).data).toEqual({ resumed: true });
    expect((await again.next()).data.personId).toBe('p-after');
  });

  it('takes ?access_token= on this route only, and ends a stream when its session ends', async () => {
    const { ADMIN_PASSWORD } = await import('../helpers/api.js');
    const token = await p.api.login('admin', ADMIN_PASSWORD);
    const s = await watch(`?access_token=${token}`, { token: null });
    expect(s.status).toBe(200);
    await s.next(is('ready'));
    const bad = await watch('?access_token=nope', { token: null });
    expect(bad.status).toBe(401);
    expect(bad.problem.code).toBe('unauthenticated');
    const me = await fetch(`${p.api.base}/api/v1/auth/me?access_token=${token}`);
    expect(me.status).toBe(401);

    expect((await p.api.as(token).call('POST', '/api/v1/auth/logout')).status).toBe(204);
    expect((await s.next(is('end'), 3000)).data).toEqual({ reason: 'unauthenticated' });
    await s.ended;
  });

  it('ends every stream when the platform stops, and the stop does not wait for them', async () => {
    const s = await watch();
    await s.next(is('ready'));
    await p.stop();
    stopped = true;
    expect((await s.next(is('end'))).data).toEqual({ reason: 'shutdown' });
    await s.ended;
  });
});
