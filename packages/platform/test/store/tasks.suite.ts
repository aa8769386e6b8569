/**
 * The store suite's chapter-3 task store (store/task-types.ts), which every backend
 * passes: the per-device task queue (D11) with its frozen rosters, the distribution state
 * of every (person, device), firmware images, reconciliation uploads and differences, and
 * the devices' chapter-3 columns. The database is shared with the rest of the suite, so
 * every test makes its own devices and looks only at them.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type {
  DeviceRow,
  DistributionRow,
  NewTask,
  RosterDiffRow,
  Store,
  TaskItem,
} from '../../src/store/index.js';

const T0 = 1_700_000_000_000;
/** Far enough that no test's expiry sweep reaches it. */
const NEVER = T0 + 100 * 365 * 86_400_000;
let seq = 0;
/** Time-ordered ids, as the platform mints them (the queue orders by them). */
const nextId = () => `${T0 + ++seq}00${String(seq).padStart(4, '0')}`;

function items(n: number, from = 0): TaskItem[] {
  return Array.from({ length: n }, (_, i) => ({
    personId: `P${from + i}`,
    name: `工人${from + i}`,
    photoKeys: (from + i) % 2 === 0 ? [`face-${from + i}`] : null,
  }));
}

function newTask(deviceId: string, over: Partial<NewTask> = {}): NewTask {
  return {
    id: nextId(),
    deviceId,
    apicode: 'T_SEND_PERSON',
    param: '{}',
    createdAt: T0,
    expiresAt: NEVER,
    items: [],
    ...over,
  };
}

function pending(deviceId: string, taskId: string, personIds: string[], now = T0): DistributionRow[] {
  return personIds.map((personId) => ({
    personId,
    deviceId,
    state: 'pending',
    reason: null,
    taskId,
    updatedAt: now,
  }));
}

export function tasksSuite(
  getStore: () => Store,
  seed: (over?: Partial<DeviceRow>) => Promise<{ d: DeviceRow }>,
): void {
  describe('chapter-3 task store', () => {
    let store: Store;
    beforeAll(() => {
      store = getStore();
    });
    const device = async (over: Partial<DeviceRow> = {}) => (await seed(over)).d;

    describe('task queue', () => {
      it('creates a task queued, with its frozen roster and distribution rows, in one write', async () => {
        const d = await device();
        const t = newTask(d.id, { items: items(3), param: '{"n":3}' });
        await store.tasks.create(t, pending(d.id, t.id, ['P0', 'P1', 'P2']));
        expect(await store.tasks.get(t.id)).toEqual({
          id: t.id,
          deviceId: d.id,
          apicode: 'T_SEND_PERSON',
          state: 'queued',
          param: '{"n":3}',
          total: 3,
          reason: null,
          createdAt: T0,
          offeredAt: null,
          fetchedAt: null,
          finishedAt: null,
          expiresAt: NEVER,
          fetches: 0,
        });
        expect(await store.tasks.allItems(t.id)).toEqual(items(3));
        expect((await store.distribution.forTask(d.id, t.id)).map((r) => r.personId).sort()).toEqual([
          'P0',
          'P1',
          'P2',
        ]);
        expect(await store.tasks.get('no-such-task')).toBeUndefined();
      });

      it("settles a report's rows in place: only rows still pointing at the task, failures with their reason", async () => {
        const d = await device();
        const t = newTask(d.id, { items: items(3) });
        await store.tasks.create(t, pending(d.id, t.id, ['P0', 'P1', 'P2']));
        // P2 was taken over by a later task: an older report must not touch it.
        const later = newTask(d.id, { items: items(1, 2), apicode: 'T_UPDATE_DEVICE_PERSON' });
        await store.tasks.create(later, pending(d.id, later.id, ['P2']));
        const rows = await store.distribution.settleTask(
          d.id,
          t.id,
          'on_device',
          null,
          new Map([
            ['P1', 'D12 bad face'],
            ['P2', 'not this task'],
          ]),
          T0 + 5,
        );
        expect(rows.sort((a, b) => a.personId.localeCompare(b.personId))).toEqual([
          { personId: 'P0', state: 'on_device' },
          { personId: 'P1', state: 'failed' },
        ]);
        const now = await store.distribution.forDevice(d.id);
        expect(now.map((r) => [r.personId, r.state, r.reason, r.taskId, r.updatedAt])).toEqual([
          ['P0', 'on_device', null, t.id, T0 + 5],
          ['P1', 'failed', 'D12 bad face', t.id, T0 + 5],
          ['P2', 'pending', null, later.id, T0],
        ]);
        expect(
          await store.distribution.settleTask(d.id, 'no-such-task', 'failed', 'x', new Map(), T0),
        ).toEqual([]);
      });

      it('writes a task all or nothing: a task for an unknown device leaves no items behind', async () => {
        const t = newTask(randomUUID(), { items: items(2) });
        await expect(store.tasks.create(t, [])).rejects.toThrow();
        expect(await store.tasks.get(t.id)).toBeUndefined();
        expect(await store.tasks.allItems(t.id)).toEqual([]);
      });

      it('pages a roster by position, and appends to it only while the task is queued', async () => {
        const d = await device();
        const t = newTask(d.id, { items: items(5) });
        await store.tasks.create(t, []);
        expect(await store.tasks.items(t.id, 0, 2)).toEqual(items(2));
        expect(await store.tasks.items(t.id, 4, 10)).toEqual(items(1, 4));
        expect(await store.tasks.items(t.id, 5, 10)).toEqual([]);

        expect(
          await store.tasks.append(t.id, items(2, 5), '{"n":7}', pending(d.id, t.id, ['P5', 'P6'])),
        ).toBe(true);
        const grown = await store.tasks.get(t.id);
        expect(grown).toMatchObject({ total: 7, param: '{"n":7}', state: 'queued' });
        expect(await store.tasks.allItems(t.id)).toEqual(items(7));
        expect(await store.distribution.expectedAmong(d.id, ['P5', 'P6', 'P9'])).toEqual(
          expect.arrayContaining(['P5', 'P6']),
        );

        await store.tasks.markOffered([t.id], T0 + 1);
        expect(await store.tasks.append(t.id, items(1, 7), '{"n":8}', [])).toBe(false);
        expect(await store.tasks.get(t.id)).toMatchObject({ total: 7, param: '{"n":7}' });
        expect(await store.tasks.append('no-such-task', items(1), '{}', [])).toBe(false);
      });

      it('appends side by side without two items taking one position (an import appends 4 at a time)', async () => {
        const d = await device();
        const t = newTask(d.id, { items: items(2) });
        await store.tasks.create(t, []);
        const appended = await Promise.all(
          Array.from({ length: 6 }, (_, i) => store.tasks.append(t.id, items(2, 2 + 2 * i), '{}', [])),
        );
        expect(appended).toEqual(Array(6).fill(true));
        expect(await store.tasks.get(t.id)).toMatchObject({ total: 14 });
        const all = await store.tasks.allItems(t.id);
        expect(all.map((x) => x.personId).sort()).toEqual(
          items(14)
            .map((x) => x.personId)
            .sort(),
        );
      });

      it('finds the newest queued task of an apicode, for coalescing', async () => {
        const d = await device();
        const older = newTask(d.id);
        const newer = newTask(d.id);
        const other = newTask(d.id, { apicode: 'T_DEL_DEVICE_PERSON' });
        for (const t of [older, newer, other]) await store.tasks.create(t, []);
        expect((await store.tasks.queuedOf(d.id, 'T_SEND_PERSON'))?.id).toBe(newer.id);
        await store.tasks.markOffered([newer.id], T0 + 1);
        expect((await store.tasks.queuedOf(d.id, 'T_SEND_PERSON'))?.id).toBe(older.id);
        expect((await store.tasks.queuedOf(d.id, 'T_CLEAR_DEVICE_PERSON'))?.id).toBeUndefined();
      });

      it('offers queued and offered tasks, and fetched ones again once fetched before the cut-off, oldest first', async () => {
        const d = await device();
        const [a, b, c, done] = [newTask(d.id), newTask(d.id), newTask(d.id), newTask(d.id)];
        for (const t of [a, b, c, done]) await store.tasks.create(t, []);
        expect(await store.tasks.pendingIds(d.id, T0)).toEqual([a.id, b.id, c.id, done.id]);

        await store.tasks.markOffered([a.id, b.id], T0 + 10);
        await store.tasks.markFetched([b.id, c.id], T0 + 20);
        await store.tasks.finish(done.id, 'done', null, T0 + 30);
        expect(await store.tasks.get(a.id)).toMatchObject({ state: 'offered', offeredAt: T0 + 10 });
        expect(await store.tasks.get(b.id)).toMatchObject({
          state: 'fetched',
          fetchedAt: T0 + 20,
          fetches: 1,
        });
        // Fetched at T0+20: not offered again until the cut-off reaches it.
        expect(await store.tasks.pendingIds(d.id, T0 + 19)).toEqual([a.id]);
        expect(await store.tasks.pendingIds(d.id, T0 + 20)).toEqual([a.id, b.id, c.id]);

        // Offering never moves a fetched task back; fetching again counts.
        await store.tasks.markOffered([b.id], T0 + 40);
        await store.tasks.markFetched([b.id], T0 + 50);
        expect(await store.tasks.get(b.id)).toMatchObject({
          state: 'fetched',
          fetchedAt: T0 + 50,
          fetches: 2,
        });
        // A finished task is neither offered nor fetched.
        await store.tasks.markFetched([done.id], T0 + 60);
        expect(await store.tasks.get(done.id)).toMatchObject({ state: 'done', fetches: 0 });
        await store.tasks.markOffered([], T0);
        await store.tasks.markFetched([], T0);
      });

      it('reads several of a device’s tasks by id, in id order, never another device’s', async () => {
        const d = await device();
        const e = await device();
        const [a, b] = [newTask(d.id), newTask(d.id)];
        const theirs = newTask(e.id);
        for (const t of [a, b, theirs]) await store.tasks.create(t, []);
        const got = await store.tasks.getMany(d.id, [b.id, theirs.id, a.id, 'no-such-task']);
        expect(got.map((t) => t.id)).toEqual([a.id, b.id]);
        expect(await store.tasks.getMany(d.id, [])).toEqual([]);
      });

      it('finishes an open task once: a final state stays', async () => {
        const d = await device();
        const t = newTask(d.id);
        await store.tasks.create(t, []);
        expect(await store.tasks.finish(t.id, 'failed', 'device full', T0 + 5)).toBe(true);
        expect(await store.tasks.get(t.id)).toMatchObject({
          state: 'failed',
          reason: 'device full',
          finishedAt: T0 + 5,
        });
        expect(await store.tasks.finish(t.id, 'done', null, T0 + 6)).toBe(false);
        expect(await store.tasks.get(t.id)).toMatchObject({ state: 'failed', finishedAt: T0 + 5 });
        expect(await store.tasks.finish('no-such-task', 'done', null, T0)).toBe(false);
      });

      it('supersedes the device’s open tasks of the given apicodes and says which', async () => {
        const d = await device();
        const e = await device();
        const send = newTask(d.id);
        const del = newTask(d.id, { apicode: 'T_DEL_DEVICE_PERSON' });
        const firmware = newTask(d.id, { apicode: 'T_UPDATE_DEVICE_VERSION' });
        const finished = newTask(d.id);
        const otherDevice = newTask(e.id);
        for (const t of [send, del, firmware, finished, otherDevice]) await store.tasks.create(t, []);
        await store.tasks.finish(finished.id, 'done', null, T0 + 1);

        const ids = await store.tasks.supersede(
          d.id,
          ['T_SEND_PERSON', 'T_DEL_DEVICE_PERSON'],
          'cleared',
          T0 + 2,
        );
        expect(ids.sort()).toEqual([send.id, del.id].sort());
        expect(await store.tasks.get(send.id)).toMatchObject({
          state: 'superseded',
          reason: 'cleared',
          finishedAt: T0 + 2,
        });
        expect((await store.tasks.get(firmware.id))?.state).toBe('queued');
        expect((await store.tasks.get(finished.id))?.state).toBe('done');
        expect((await store.tasks.get(otherDevice.id))?.state).toBe('queued');
        expect(await store.tasks.supersede(d.id, ['T_SEND_PERSON'], 'again', T0 + 3)).toEqual([]);
      });

      it('expires open tasks whose expiry has come and returns them as expired; finished ones stay', async () => {
        const d = await device();
        const due = newTask(d.id, { expiresAt: T0 + 1_000 });
        const fetchedDue = newTask(d.id, { expiresAt: T0 + 1_000 });
        const later = newTask(d.id, { expiresAt: T0 + 2_000 });
        const doneDue = newTask(d.id, { expiresAt: T0 + 1_000 });
        for (const t of [due, fetchedDue, later, doneDue]) await store.tasks.create(t, []);
        await store.tasks.markFetched([fetchedDue.id], T0 + 10);
        await store.tasks.finish(doneDue.id, 'done', null, T0 + 20);

        const expired = (await store.tasks.expire(T0 + 1_000)).filter((t) => t.deviceId === d.id);
        expect(expired.map((t) => t.id).sort()).toEqual([due.id, fetchedDue.id].sort());
        for (const t of expired) expect(t).toMatchObject({ state: 'expired', finishedAt: T0 + 1_000 });
        expect(await store.tasks.get(due.id)).toMatchObject({ state: 'expired', reason: 'expired' });
        expect((await store.tasks.get(later.id))?.state).toBe('queued');
        expect((await store.tasks.get(doneDue.id))?.state).toBe('done');
        expect((await store.tasks.expire(T0 + 1_000)).filter((t) => t.deviceId === d.id)).toEqual([]);
      });

      it('lists a device’s tasks newest first within the limit', async () => {
        const d = await device();
        const made = [newTask(d.id), newTask(d.id), newTask(d.id)];
        for (const t of made) await store.tasks.create(t, []);
        await store.tasks.finish(made[0]!.id, 'done', null, T0 + 1);
        const ids = made.map((t) => t.id).reverse();
        expect((await store.tasks.listForDevice(d.id)).map((t) => t.id)).toEqual(ids);
        expect((await store.tasks.listForDevice(d.id, 2)).map((t) => t.id)).toEqual(ids.slice(0, 2));
        expect(await store.tasks.listForDevice((await device()).id)).toEqual([]);
      });

      it('names the devices with queued tasks and with open tasks', async () => {
        const queued = await device();
        const offered = await device();
        const finished = await device();
        const tq = newTask(queued.id);
        const to = newTask(offered.id);
        const tf = newTask(finished.id);
        for (const t of [tq, to, tf]) await store.tasks.create(t, []);
        await store.tasks.markOffered([to.id], T0 + 1);
        await store.tasks.finish(tf.id, 'done', null, T0 + 1);

        const withQueued = await store.tasks.devicesWithQueued();
        expect(withQueued).toContain(queued.id);
        expect(withQueued).not.toContain(offered.id);
        expect(withQueued).not.toContain(finished.id);
        const withOpen = await store.tasks.devicesWithOpenTasks();
        expect(withOpen).toEqual(expect.arrayContaining([queued.id, offered.id]));
        expect(withOpen).not.toContain(finished.id);
        expect(new Set(withOpen).size).toBe(withOpen.length);
      });
    });

    describe('distribution', () => {
      it('upserts one row per (person, device), the last write winning', async () => {
        const d = await device();
        const e = await device();
        await store.distribution.upsert([...pending(d.id, 't1', ['A', 'B']), ...pending(e.id, 't2', ['A'])]);
        await store.distribution.upsert([
          {
            personId: 'A',
            deviceId: d.id,
            state: 'on_device',
            reason: null,
            taskId: 't3',
            updatedAt: T0 + 5,
          },
        ]);
        expect(await store.distribution.forDevice(d.id)).toEqual([
          {
            personId: 'A',
            deviceId: d.id,
            state: 'on_device',
            reason: null,
            taskId: 't3',
            updatedAt: T0 + 5,
          },
          { personId: 'B', deviceId: d.id, state: 'pending', reason: null, taskId: 't1', updatedAt: T0 },
        ]);
        expect(
          (await store.distribution.forPerson('A')).filter((r) => r.deviceId === d.id || r.deviceId === e.id),
        ).toHaveLength(2);
        await store.distribution.upsert([]);
      });

      it('sets the state of many persons on one device, and reads by state, task, and expectation', async () => {
        const d = await device();
        const persons = Array.from({ length: 40 }, (_, i) => `S${String(i).padStart(2, '0')}`);
        await store.distribution.upsert(pending(d.id, 'tA', persons.slice(0, 20)));
        await store.distribution.upsert(pending(d.id, 'tB', persons.slice(20)));
        await store.distribution.set(d.id, persons.slice(0, 10), 'on_device', null, T0 + 1);
        await store.distribution.set(d.id, persons.slice(10, 15), 'failed', 'bad photo', T0 + 2);
        await store.distribution.set(d.id, persons.slice(15, 18), 'removed', null, T0 + 3);

        const failed = await store.distribution.forDevice(d.id, ['failed']);
        expect(failed.map((r) => r.personId)).toEqual(persons.slice(10, 15));
        expect(failed[0]).toMatchObject({ reason: 'bad photo', updatedAt: T0 + 2 });
        expect((await store.distribution.forTask(d.id, 'tB')).map((r) => r.personId).sort()).toEqual(
          persons.slice(20),
        );
        expect(await store.distribution.expectedCount(d.id)).toBe(10 + 2 + 20);
        expect((await store.distribution.expectedAmong(d.id, [...persons, 'nobody'])).sort()).toEqual(
          [...persons.slice(0, 10), ...persons.slice(18)].sort(),
        );
        expect(await store.distribution.expectedAmong(d.id, [])).toEqual([]);
        expect(await store.distribution.counts(d.id)).toEqual({
          pending: 22,
          on_device: 10,
          failed: 5,
          refused: 0,
          removing: 0,
          removed: 3,
        });
      });
    });

    describe('firmware', () => {
      it('stores an image once per version and finds it by id and version; lists oldest first', async () => {
        const d = await device();
        const version = `v-${randomUUID()}`;
        const row = {
          id: nextId(),
          version,
          size: 5_000_000_000,
          sha256: 'ab'.repeat(32),
          fileName: 'fw.bin',
          createdAt: T0 + 1,
          vendorId: d.vendorId,
        };
        const platformWide = {
          ...row,
          id: nextId(),
          version: `${version}-all`,
          createdAt: T0 + 2,
          vendorId: null,
        };
        await store.firmware.insert(row);
        await store.firmware.insert(platformWide);
        expect(await store.firmware.get(row.id)).toEqual(row);
        expect(await store.firmware.byVersion(platformWide.version)).toEqual(platformWide);
        expect(await store.firmware.byVersion('no-such-version')).toBeUndefined();
        const listed = (await store.firmware.list()).filter((f) => f.version.startsWith(version));
        expect(listed).toEqual([row, platformWide]);
        await expect(store.firmware.insert({ ...row, id: nextId() })).rejects.toThrow();
      });
    });

    describe('reconciliation', () => {
      it('keeps what a device uploaded once per person, even when a page comes twice', async () => {
        const taskId = nextId();
        const page = [
          { personId: 'R2', name: '乙', hasImg: 1 },
          { personId: 'R1', name: null, hasImg: null },
        ];
        await store.roster.addUploads(taskId, page);
        await store.roster.addUploads(taskId, page);
        await store.roster.addUploads(taskId, [{ personId: 'R3', name: '丙', hasImg: 0 }]);
        expect(await store.roster.uploadedIds(taskId)).toEqual(['R1', 'R2', 'R3']);
        expect(await store.roster.uploadedIds(nextId())).toEqual([]);
      });

      it('records differences and keeps them open until a repair task is named', async () => {
        const d = await device();
        const taskId = nextId();
        const diffs: RosterDiffRow[] = ['X1', 'X2', 'X3'].map((personId, i) => ({
          id: nextId(),
          deviceId: d.id,
          taskId,
          personId,
          kind: i === 2 ? 'extra' : 'missing',
          foundAt: T0 + i,
          repairedBy: null,
        }));
        await store.roster.addDiffs(diffs);
        expect(await store.roster.openDiffs(d.id)).toEqual(diffs);
        const repair = nextId();
        await store.roster.markRepaired([diffs[0]!.id, diffs[2]!.id], repair);
        await store.roster.markRepaired([], repair);
        expect(await store.roster.openDiffs(d.id)).toEqual([diffs[1]]);
      });
    });

    describe('devices, chapter 3 columns', () => {
      it('lists a site’s devices and keeps capacity and reported counts', async () => {
        const siteId = randomUUID();
        await store.sites.create({ id: siteId, name: `工地-${siteId.slice(0, 4)}`, createdAt: T0 });
        const a = await device({ siteId });
        const b = await device({ siteId });
        await device();
        expect(await store.deviceTasks.idsOfSite(siteId)).toEqual([a.id, b.id].sort());
        // A phone is on the site but holds no roster: the distribution leaves it out.
        await store.deviceApi.patch(b.id, { kind: 'mobile' });
        expect(await store.deviceTasks.idsOfSite(siteId)).toEqual([a.id, b.id].sort());
        expect(await store.deviceTasks.idsOfSite(siteId, { rosterHolders: true })).toEqual([a.id]);
        expect((await store.deviceTasks.taskFields(b.id))?.kind).toBe('mobile');

        expect(await store.deviceTasks.taskFields(a.id)).toEqual({
          kind: 'face',
          faceCapacity: null,
          reportedPersonCount: null,
          reportedFaceCount: null,
          reportedAt: null,
        });
        await store.deviceTasks.setCapacity(a.id, 30_000);
        await store.deviceTasks.setReported(a.id, 120, 118, T0 + 1);
        // A report that leaves a count out keeps the one before.
        await store.deviceTasks.setReported(a.id, null, 119, T0 + 2);
        expect(await store.deviceTasks.taskFields(a.id)).toEqual({
          kind: 'face',
          faceCapacity: 30_000,
          reportedPersonCount: 120,
          reportedFaceCount: 119,
          reportedAt: T0 + 2,
        });
        await store.deviceTasks.setCapacity(a.id, null);
        expect((await store.deviceTasks.taskFields(a.id))?.faceCapacity).toBeNull();
        expect(await store.deviceTasks.taskFields('no-such-device')).toBeUndefined();
      });
    });
  });
}
