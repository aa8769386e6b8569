import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimeIds } from '../src/ids.js';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';

/** Digits 14-15 of an id: the node that minted it. */
const nodeOf = (id: string): string => id.slice(13, 15);

describe('TimeIds (D11 task ids, attendance row ids)', () => {
  it('makes 19-digit ids that start with the millisecond and carry the node', () => {
    const ids = new TimeIds(7, () => 1_764_000_000_123);
    const id = ids.next();
    expect(id).toMatch(/^\d{19}$/);
    expect(id).toBe('1764000000123070000');
    expect(TimeIds.timeOf(id)).toBe(1_764_000_000_123);
  });

  it('is strictly increasing when the clock stands still, steps back, or 10,000 ids share a millisecond', () => {
    let t = 1_000;
    const ids = new TimeIds(0, () => t);
    const out: string[] = [];
    for (let i = 0; i < 25_000; i++) out.push(ids.next());
    t = 500; // clock stepped back
    out.push(ids.next());
    t = 10_000;
    out.push(ids.next());
    for (let i = 1; i < out.length; i++) expect(out[i]! > out[i - 1]!).toBe(true);
    expect(new Set(out).size).toBe(out.length);
    expect(TimeIds.timeOf(out[24_999]!)).toBe(1_002); // borrowed two milliseconds
  });

  it('refuses a node number that would not fit two digits', () => {
    expect(() => new TimeIds(100)).toThrow(RangeError);
    expect(() => new TimeIds(-1)).toThrow(RangeError);
  });

  it('never collides between generators of different nodes, even on one clock', () => {
    const clock = () => 1_764_000_000_000;
    const a = new TimeIds(3, clock);
    const b = new TimeIds(42, clock);
    const fromA = Array.from({ length: 25_000 }, () => a.next());
    const fromB = Array.from({ length: 25_000 }, () => b.next());
    const all = new Set([...fromA, ...fromB]);
    expect(all.size).toBe(50_000);
    expect(new Set(fromA.map(nodeOf))).toEqual(new Set(['03']));
    expect(new Set(fromB.map(nodeOf))).toEqual(new Set(['42']));
  });
});

describe('a platform mints every id with its configured node', () => {
  let p7: TestPlatform;
  let p42: TestPlatform;
  beforeAll(async () => {
    p7 = await startTestPlatform({ 'node-id': '7' });
    p42 = await startTestPlatform({ 'node-id': '42' });
  });
  afterAll(async () => {
    await p7?.stop();
    await p42?.stop();
  });

  /** One id of each kind the platform mints: account, audit entry, site, task, clock-in row. */
  async function mintedIds(tp: TestPlatform): Promise<string[]> {
    const { data } = tp.platform;
    const admin = await data.store.accounts.byUsername('admin');
    const audit = await data.store.audit.page({ limit: 10 });
    const site = await data.persons.createSite('一号工地');
    const device = await data.devices.resolve(tp.creds.vendorId, 'SN-NODE-1');
    const sent = await data.persons.bindDevice(device.id, site.id);
    const tasks = await data.store.tasks.listForDevice(device.id);
    const [row] = await data.store.attendance.insertBatch([
      {
        deviceId: device.id,
        vendorId: device.vendorId,
        sn: device.sn,
        siteId: site.id,
        personId: '330102199001011234',
        recordTime: tp.clock.now,
        type: 1,
        bitType: null,
        qrCodeInfo: null,
        photoKey: null,
        temperature: null,
        irisInfo: null,
        longitude: null,
        latitude: null,
        realName: true,
        flags: [],
        receivedAt: tp.clock.now,
        latencyMs: 0,
      },
    ]);
    expect(sent).toBeDefined();
    expect(tasks.length).toBeGreaterThan(0);
    expect(audit.length).toBeGreaterThan(0);
    return [admin!.id, ...audit.map((a) => a.id), site.id, ...tasks.map((t) => t.id), row!.id];
  }

  it('shows the node in the digits of accounts, audit, sites, tasks and clock-ins, and the two never meet', async () => {
    const from7 = await mintedIds(p7);
    const from42 = await mintedIds(p42);
    for (const id of from7) expect(nodeOf(id), id).toBe('07');
    for (const id of from42) expect(nodeOf(id), id).toBe('42');
    expect(from7.filter((id) => from42.includes(id))).toEqual([]);
  });
});
