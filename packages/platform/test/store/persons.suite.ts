/**
 * The store suite's persons and site assignments (store/person-types.ts), which every
 * backend passes: one identity per ID number (freed by erasure), conditional updates,
 * at most one active assignment per (person, site), a site's roster as the persons
 * actively assigned there, keyset pages with every filter, due leave dates, erasure.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AssignmentRow, isUniqueViolation, type PersonRow, type Store } from '../../src/store/index.js';
import { NOT_CHECKED } from '../../src/store/person-types.js';

const T0 = 1_700_000_000_000;
let seq = 0;
/** Time-ordered ids, as the platform mints them (keyset pages follow them). */
const nextId = () => `${T0 + ++seq}00${String(seq).padStart(4, '0')}`;
const hex = (n = 32) => randomBytes(n).toString('hex');

function person(over: Partial<PersonRow> = {}): PersonRow {
  return {
    id: nextId(),
    name: '工人',
    piiEnc: `v1:${hex(8)}`,
    idNumberHash: hex(),
    idNumberHead: '330106',
    idNumberTail: '1234',
    photoKeys: [hex()],
    idCardPhotoKey: null,
    idCardFrontKey: null,
    idCardBackKey: null,
    faceMatch: NOT_CHECKED,
    status: 'active',
    version: 1,
    createdAt: T0,
    updatedAt: T0,
    erasedAt: null,
    ...over,
  };
}

function assignment(personId: string, siteId: string, over: Partial<AssignmentRow> = {}): AssignmentRow {
  return {
    id: nextId(),
    personId,
    siteId,
    company: null,
    team: null,
    trade: null,
    joinedOn: '2026-03-01',
    leftOn: null,
    status: 'active',
    createdAt: T0,
    updatedAt: T0,
    endedAt: null,
    ...over,
  };
}

export function personsSuite(getStore: () => Store): void {
  describe('persons and site assignments', () => {
    let store: Store;
    const site = async () => {
      const id = randomUUID();
      await store.sites.create({ id, name: `工地-${id.slice(0, 4)}`, createdAt: T0 });
      return id;
    };
    const enrol = async (over: Partial<PersonRow> = {}) => {
      const p = person(over);
      await store.persons.insert(p);
      return p;
    };
    beforeAll(() => {
      store = getStore();
    });

    it('keeps one identity per ID number, found by its hash, until erased', async () => {
      const p = await enrol({ name: '张三', idCardPhotoKey: hex() });
      expect(await store.persons.get(p.id)).toEqual(p);
      expect(await store.persons.findByIdNumber(p.idNumberHash!)).toEqual(p);
      const twice = await store.persons
        .insert(person({ idNumberHash: p.idNumberHash }))
        .catch((e: unknown) => e);
      expect(isUniqueViolation(twice)).toBe(true);
      const erased = await store.persons.erase(p.id, T0 + 5);
      expect(erased?.before).toEqual(p);
      expect(erased?.blobKeys.sort()).toEqual([...p.photoKeys, p.idCardPhotoKey!].sort());
      expect(await store.persons.erase(p.id, T0 + 6)).toBeUndefined();
      expect(await store.persons.findByIdNumber(p.idNumberHash!)).toBeUndefined();
      expect(await store.persons.get(p.id)).toMatchObject({
        name: '',
        piiEnc: '',
        idNumberHash: null,
        idNumberHead: null,
        photoKeys: [],
        idCardPhotoKey: null,
        idCardFrontKey: null,
        idCardBackKey: null,
        faceMatch: NOT_CHECKED,
        status: 'erased',
        version: 2,
        erasedAt: T0 + 5,
      });
      // The ID number is free again.
      await enrol({ idNumberHash: p.idNumberHash });
    });

    it('updates under a version: bumps it, refuses a stale one, never touches an erased person', async () => {
      const p = await enrol();
      const photo = hex();
      const r = await store.persons.update(p.id, { name: '李四', photoKeys: [photo] }, T0 + 1, 1);
      expect(r).toMatchObject({ name: '李四', photoKeys: [photo], version: 2, updatedAt: T0 + 1 });
      expect(await store.persons.update(p.id, { name: '王五' }, T0 + 2, 1)).toBe('stale');
      expect(await store.persons.update(p.id, { name: '王五' }, T0 + 2)).toMatchObject({ version: 3 });
      expect(await store.persons.update('nobody', { name: 'x' }, T0)).toBe('not_found');
      const taken = await enrol();
      const clash = await store.persons
        .update(p.id, { idNumberHash: taken.idNumberHash }, T0)
        .catch((e) => e);
      expect(isUniqueViolation(clash)).toBe(true);
      // Every photo the person ever had is theirs for erasure, and counts as in use.
      const other = await enrol();
      expect(await store.persons.blobInUse(p.photoKeys[0]!, other.id)).toBe(true);
      expect(await store.persons.blobInUse(photo, other.id)).toBe(true);
      expect(await store.persons.blobInUse(photo, p.id)).toBe(false);
      const erased = await store.persons.erase(p.id, T0 + 3);
      expect(erased?.blobKeys.sort()).toEqual([p.photoKeys[0]!, photo].sort());
      expect(await store.persons.blobInUse(photo, other.id)).toBe(false);
      expect(await store.persons.update(p.id, { name: 'x' }, T0 + 4)).toBe('not_found');
    });

    it('allows one active assignment per (person, site), any number of ended ones, on many sites', async () => {
      const [s1, s2] = [await site(), await site()];
      const p = await enrol();
      const a1 = assignment(p.id, s1);
      await store.assignments.insert(a1);
      const dup = await store.assignments.insert(assignment(p.id, s1)).catch((e: unknown) => e);
      expect(isUniqueViolation(dup)).toBe(true);
      const a2 = assignment(p.id, s2, { company: '某劳务', team: '钢筋班', trade: '钢筋工' });
      await store.assignments.insert(a2);
      expect(await store.assignments.get(a2.id)).toEqual(a2);
      expect(await store.assignments.end(a1.id, '2026-03-09', T0 + 9)).toMatchObject({
        status: 'ended',
        leftOn: '2026-03-09',
        endedAt: T0 + 9,
      });
      expect(await store.assignments.end(a1.id, '2026-03-10', T0 + 10)).toBeUndefined();
      const again = assignment(p.id, s1, { joinedOn: '2026-04-01' });
      await store.assignments.insert(again);
      expect((await store.assignments.ofPerson(p.id)).map((a) => [a.siteId, a.status])).toEqual([
        [s1, 'ended'],
        [s2, 'active'],
        [s1, 'active'],
      ]);
      expect(
        await store.assignments.update(a2.id, { team: null, leftOn: '2026-05-01' }, T0 + 11),
      ).toMatchObject({
        team: null,
        company: '某劳务',
        leftOn: '2026-05-01',
        status: 'active',
        updatedAt: T0 + 11,
      });
      expect(await store.assignments.update('none', { team: 'x' }, T0)).toBeUndefined();
    });

    it('reads a site’s roster as the persons actively assigned there, in id order, by keyset', async () => {
      const [s, elsewhere] = [await site(), await site()];
      const ps: PersonRow[] = [];
      for (let i = 0; i < 5; i++) ps.push(await enrol({ name: `花名册${i}` }));
      for (const p of ps) await store.assignments.insert(assignment(p.id, s, { team: '木工班' }));
      await store.assignments.insert(assignment(ps[0]!.id, elsewhere));
      const gone = (await store.assignments.ofPerson(ps[3]!.id))[0]!;
      await store.assignments.end(gone.id, '2026-03-02', T0);
      const ids = ps.filter((_, i) => i !== 3).map((p) => p.id);
      expect((await store.persons.activeOfSite(s)).map((p) => p.id)).toEqual(ids);
      expect((await store.persons.activeIdsOfSite(s)).sort()).toEqual(ids);
      expect(await store.persons.countActive(s)).toBe(4);
      expect(await store.persons.countActive(elsewhere)).toBe(1);
      const first = await store.persons.rosterPage(s, undefined, 2);
      expect(first.map((r) => r.person.id)).toEqual(ids.slice(0, 2));
      expect(first[0]!.assignment).toMatchObject({
        personId: ids[0],
        siteId: s,
        team: '木工班',
        status: 'active',
      });
      expect(first[0]!.person).toEqual(ps[0]);
      const next = await store.persons.rosterPage(s, first[1]!.person.id, 10);
      expect(next.map((r) => r.person.id)).toEqual(ids.slice(2));
    });

    it('pages persons by id with filters: ever on these sites, name prefix (case-sensitive), ID number, status', async () => {
      const [s1, s2] = [await site(), await site()];
      const ann = await enrol({ name: 'Ann Lee' });
      const lower = await enrol({ name: 'ann lee' });
      const zhang = await enrol({ name: '张三丰' });
      const gone = await enrol({ name: '张走了' });
      await store.assignments.insert(assignment(ann.id, s1));
      await store.assignments.insert(assignment(zhang.id, s2));
      const left = assignment(gone.id, s2);
      await store.assignments.insert(left);
      await store.assignments.end(left.id, '2026-03-02', T0);
      const ids = async (q: Parameters<Store['persons']['page']>[0]) =>
        (await store.persons.page(q)).map((p) => p.id);
      expect(await ids({ limit: 10, siteIds: [s1, s2] })).toEqual([ann.id, zhang.id, gone.id]);
      expect(await ids({ limit: 10, siteIds: [s2], afterId: zhang.id })).toEqual([gone.id]);
      expect(await ids({ limit: 1, siteIds: [s1, s2] })).toEqual([ann.id]);
      expect(await ids({ limit: 10, siteIds: [] })).toEqual([]);
      expect(await ids({ limit: 10, namePrefix: 'Ann' })).toEqual([ann.id]);
      expect(await ids({ limit: 10, namePrefix: 'ann' })).toEqual([lower.id]);
      expect(await ids({ limit: 10, namePrefix: '张', siteIds: [s2] })).toEqual([zhang.id, gone.id]);
      expect(await ids({ limit: 10, idNumberHash: zhang.idNumberHash! })).toEqual([zhang.id]);
      await store.persons.erase(gone.id, T0);
      expect(await ids({ limit: 10, siteIds: [s2], status: 'active' })).toEqual([zhang.id]);
      expect(await ids({ limit: 10, siteIds: [s2], status: 'erased' })).toEqual([gone.id]);
      expect(await store.persons.mergedInto(zhang.id)).toBeUndefined();
    });

    it('finds the active assignments whose leave date has come, oldest first', async () => {
      const s = await site();
      const due: string[] = [];
      for (const leftOn of ['2026-03-05', '2026-03-03', '2026-03-04', null]) {
        const a = assignment((await enrol()).id, s, { leftOn });
        await store.assignments.insert(a);
        if (leftOn !== null && leftOn <= '2026-03-04') due.push(a.id);
      }
      const found = (await store.assignments.dueToEnd('2026-03-04', 500)).filter((a) => a.siteId === s);
      expect(found.map((a) => a.leftOn)).toEqual(['2026-03-03', '2026-03-04']);
      expect(found.map((a) => a.id).sort()).toEqual(due.sort());
      await store.assignments.end(found[0]!.id, found[0]!.leftOn!, T0);
      expect(
        (await store.assignments.dueToEnd('2026-03-04', 500)).filter((a) => a.siteId === s),
      ).toHaveLength(1);
    });

    it('erases the copies of the name in frozen task rosters and remembered answers', async () => {
      const v = {
        id: randomUUID(),
        name: 'v',
        accessId: hex(8),
        accessKey: hex(8),
        secretEnc: 'x',
        secretVersion: 1,
        status: 'active' as const,
        publicKeyPem: null,
        createdAt: T0,
        updatedAt: T0,
      };
      await store.vendors.insert(v);
      const deviceId = randomUUID();
      await store.devices.insert({
        id: deviceId,
        vendorId: v.id,
        sn: `SN-${hex(4)}`,
        siteId: null,
        disabled: false,
        registeredBy: 'auto',
        deviceVersion: null,
        deviceIp: null,
        firstSeenAt: null,
        lastSeenAt: null,
        online: false,
        direction: 'both',
        createdAt: T0,
      });
      const p = await enrol({ name: '欧阳擦除' });
      const taskId = nextId();
      await store.tasks.create(
        {
          id: taskId,
          deviceId,
          apicode: 'T_UPDATE_DEVICE_PERSON',
          param: '{}',
          createdAt: T0,
          expiresAt: T0 + 1000,
          items: [{ personId: p.id, name: p.name, photoKeys: p.photoKeys }],
        },
        [],
      );
      const accountId = randomUUID();
      await store.idempotency.claim({ accountId, key: 'k', requestHash: 'h', createdAt: T0 });
      await store.idempotency.complete(
        accountId,
        'k',
        201,
        {},
        JSON.stringify({ personId: p.id, name: p.name }),
      );
      await store.persons.erase(p.id, T0);
      expect(await store.tasks.allItems(taskId)).toEqual([{ personId: p.id, name: null, photoKeys: null }]);
      expect((await store.idempotency.get(accountId, 'k'))?.body).not.toContain('欧阳擦除');
    });
  });
}
