/**
 * Capture devices end to end: DeviceClient.enrol (X_ENROL_PERSON) against a real
 * platform over real TCP (C_AUTH) and HTTP, and the simulator's capture scenario, whose
 * accepted workers must reach every attendance device of the site.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceClient, type EnrolInput } from '@kaoqin/device';
import { face, idNumber, withBadCheckDigit } from '@kaoqin/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { capture, captureKind } from '../src/capture.js';
import { parseCommand } from '../src/cli.js';
import { formatSummary } from '../src/summary.js';
import { type Harness, startHarness } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  // Synthetic pictures carry no face: the face rules are the faces package's to test.
  h = await startHarness({ 'face-detector': 'off' });
});
afterAll(() => h.close());

const clients: DeviceClient[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.stop();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A started capture device, made kind capture and bound to a new site unless told otherwise. */
async function captureDevice(
  sn: string,
  opts: { bind?: boolean } = {},
): Promise<{ client: DeviceClient; siteId: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'kaoqin-capture-test-'));
  dirs.push(dir);
  const client = new DeviceClient({
    identity: h.identity(sn),
    endpoints: h.endpoints,
    dataDir: dir,
    taskRunner: false,
    queue: { path: ':memory:' },
    backoff: { baseMs: 20, maxMs: 200 },
  });
  clients.push(client);
  await client.start();
  await client.whenOnline();
  const data = h.platform.data;
  const site = await data.persons.createSite(`采集 ${sn}`);
  const row = (await data.devices.find(h.tp.creds.vendorId, sn))!;
  await data.store.deviceApi.patch(row.id, {
    kind: 'capture',
    ...(opts.bind === false ? {} : { siteId: site.id }),
  });
  return { client, siteId: site.id };
}

async function worker(over: Partial<EnrolInput> = {}): Promise<EnrolInput> {
  return {
    name: '赵六',
    idNumber: idNumber(),
    gender: '男',
    ethnicity: '汉',
    issuer: '杭州市公安局',
    validFrom: '20200101',
    validTo: '长期',
    face: await face(),
    cardPhoto: await face(),
    ...over,
  };
}

describe('DeviceClient.enrol against a real platform', () => {
  it('enrols, and the person is on the capture device’s site', async () => {
    const { client, siteId } = await captureDevice('CAP-E2E-1');
    const input = await worker();
    const r = await client.enrol(input);
    expect(r).toMatchObject({ ok: true, identity: 'new', assignment: 'new', irisStored: 0 });
    if (!r.ok) return;
    const persons = h.platform.data.persons;
    expect((await persons.findByIdNumber(input.idNumber))?.id).toBe(r.personId);
    expect((await persons.assignments.activeOf(r.personId)).map((a) => a.siteId)).toEqual([siteId]);
  });

  it('refuses a bad ID number and a bad photo at once, every failed rule with its measured value', async () => {
    const { client } = await captureDevice('CAP-E2E-2');
    const input = await worker({
      idNumber: withBadCheckDigit(idNumber()),
      face: new Uint8Array([1, 2, 3, 4]),
    });
    const r = await client.enrol(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('490_09');
    expect(r.failures.map((f) => [f.field, f.code])).toEqual(
      expect.arrayContaining([
        ['idNumber', 'id_number_check_digit'],
        ['face', 'photo_bad_format'],
      ]),
    );
    for (const f of r.failures) expect(f.ok).toBe(false);
    expect(r.failures.find((f) => f.field === 'idNumber')?.value).not.toBe('');
    expect(await h.platform.data.persons.findByIdNumber(input.idNumber)).toBeUndefined();
  });

  it('a retry of the same enrolment answers the same person, never a second one', async () => {
    const { client } = await captureDevice('CAP-E2E-3');
    const input = await worker();
    const first = await client.enrol(input);
    const again = await client.enrol(input);
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.personId).toBe(first.personId);
    expect(again).toMatchObject({ identity: 'existing', assignment: 'existing' });
    expect(await h.platform.data.persons.assignments.activeOf(first.personId)).toHaveLength(1);
  });

  it('a capture device bound to no site is refused (490_10), nothing enrolled', async () => {
    const { client } = await captureDevice('CAP-E2E-4', { bind: false });
    const input = await worker();
    const r = await client.enrol(input);
    expect(r).toMatchObject({ ok: false, code: '490_10', failures: [] });
    expect(await h.platform.data.persons.findByIdNumber(input.idNumber)).toBeUndefined();
  });

  it('an attendance device (kind face) may not enrol (490_10)', async () => {
    const { client } = await captureDevice('CAP-E2E-5');
    const row = (await h.platform.data.devices.find(h.tp.creds.vendorId, 'CAP-E2E-5'))!;
    await h.platform.data.store.deviceApi.patch(row.id, { kind: 'face' });
    const r = await client.enrol(await worker());
    expect(r).toMatchObject({ ok: false, code: '490_10' });
  });
});

describe('kaoqin-sim capture', () => {
  it('the command line: capture needs the platform’s store, a share from 0 to 1, and takes its own flags', async () => {
    const creds = ['--access-id', 'a', '--access-key', 'k', '--access-secret', 's'];
    await expect(parseCommand(['capture', ...creds])).rejects.toThrow(/capture needs --platform-data-dir/);
    const store = ['--platform-data-dir', '/nonexistent'];
    await expect(parseCommand(['capture', ...creds, ...store, '--bad-share', '2'])).rejects.toThrow(/0 to 1/);
    await expect(parseCommand(['capture', ...creds, ...store, '--rate', '5'])).rejects.toThrow(
      /does not apply/,
    );
    const ok = await parseCommand(['capture', ...creds, ...store, '--persons', '7', '--bad-share', '0.5']);
    expect(ok).toMatchObject({ scenario: 'capture', values: { persons: '7', 'bad-share': '0.5' } });
  });

  it('spoils every 1/badShare-th worker, the spoils in turn', () => {
    const kinds = Array.from({ length: 8 }, (_, k) => captureKind(k, 0.25));
    expect(kinds).toEqual(['good', 'good', 'good', 'no_face', 'good', 'good', 'good', 'expired_card']);
    expect(captureKind(3, 0)).toBe('good');
  });

  it('accepted workers reach every attendance device; the spoiled ones are refused with their reasons', async () => {
    const s = await capture({
      endpoints: h.endpoints,
      credentials: h.tp.creds,
      platform: h.platform.data,
      devices: 3,
      snPrefix: 'SIMT-CAP-',
      progress: { mode: 'quiet' },
      drainSeconds: 20,
      client: { backoff: { baseMs: 20, maxMs: 200 }, queue: { retryBaseMs: 10, retryMaxMs: 100 } },
      persons: 8,
      badShare: 0.5,
      // The detector is off here, so a faceless photo would pass: the card spoils only.
      spoils: ['expired_card', 'bad_check_digit'],
      seconds: 30,
    });
    expect(s.capture).toMatchObject({ sent: 8, accepted: 4, refused: 4, unexpected: 0 });
    expect(s.capture?.reasons).toEqual({ id_card_expired: 2, id_number_check_digit: 2 });
    expect(s.persons).toMatchObject({ enrolled: 4, missing: 0 });
    expect(s.persons?.untilEveryDeviceMs.count).toBe(4);
    expect(s.ok).toBe(true);
    expect(formatSummary(s)).toMatch(/refused\s+4 \(id_card_expired 2, id_number_check_digit 2\)/);
  });
});
