/**
 * The capture scenario (issue 11 item 5): one capture device (an ID-card reader with a
 * camera, kind `capture`) bound to a site enrols N workers through DeviceClient.enrol
 * (X_ENROL_PERSON), a share of them deliberately bad (no face on the photo, an expired
 * card, a wrong check digit) to show refusals and their reasons; the site's attendance
 * devices (the fleet, running their task runners) must then hold every accepted person.
 * Measures each enrolment's round trip and each accepted person's time until every
 * attendance device of the site holds them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DeviceClient, type EnrolInput, type EnrolResult } from '@kaoqin/device';
import { idNumberCheckChar } from '@kaoqin/platform';
import sharp from 'sharp';
import { Arrivals } from './arrivals.js';
import type { SimDevice } from './fleet.js';
import { Histogram } from './histogram.js';
import type { CaptureOptions } from './options.js';
import { PhotoFactory } from './photo.js';
import { retryBusy } from './platform.js';
import { sleep, withRun } from './run.js';
import { percentiles, type SimSummary } from './summary.js';

/** How a worker's capture was spoiled on purpose, in turn; 'good' ones are meant to pass. */
export type CaptureKind = 'good' | 'no_face' | 'expired_card' | 'bad_check_digit';
const SPOILS: readonly CaptureKind[] = ['no_face', 'expired_card', 'bad_check_digit'];

export const CAPTURE_SPOILS: readonly CaptureKind[] = SPOILS;

/** The worker's kind: every `1 / badShare`-th one is spoiled, the spoils taken in turn. */
export function captureKind(
  k: number,
  badShare: number,
  spoils: readonly CaptureKind[] = SPOILS,
): CaptureKind {
  if (badShare <= 0 || spoils.length === 0) return 'good';
  const every = Math.max(1, Math.round(1 / badShare));
  return k % every === every - 1 ? spoils[Math.floor(k / every) % spoils.length]! : 'good';
}

/** A valid ID number unique within the run (region 330106, a real birth date from 1950 on). */
function captureIdNumber(nonce: number, k: number): string {
  const day = new Date(Date.UTC(1950, 0, 1) + ((nonce * 7919 + k) % 20_000) * 86_400_000);
  const first17 = `330106${day.toISOString().slice(0, 10).replaceAll('-', '')}${String((nonce + k) % 1000).padStart(3, '0')}`;
  return first17 + idNumberCheckChar(first17);
}

/** A plain grey picture: a valid JPEG of the right size with no face on it. */
function blankPhoto(): Promise<Buffer> {
  return sharp({ create: { width: 480, height: 640, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .jpeg()
    .toBuffer();
}

export function capture(opts: CaptureOptions): Promise<SimSummary> {
  const platform = opts.platform;
  if (!platform)
    return Promise.reject(new Error('capture needs the platform data (to make the capture device)'));
  const enrolMs = new Histogram();
  const accepted = new Arrivals();
  const onTaskDone = (d: SimDevice) => accepted.see(d, performance.now());
  return withRun(opts, { scenario: 'capture', taskRunner: true, onTaskDone }, async (run) => {
    const [siteId] = await run.bindSites(1, 60_000);
    const dir = await mkdtemp(join(tmpdir(), 'kaoqin-sim-capture-'));
    const sn = `${opts.snPrefix ?? 'SIM-'}CAPTURE`;
    const device = new DeviceClient({
      ...opts.client,
      identity: { sn, ...opts.credentials, deviceVersion: 'kaoqin-sim-1', deviceIp: '10.255.255.1' },
      endpoints: opts.endpoints,
      dataDir: dir,
      taskRunner: false,
      queue: { path: ':memory:' },
      ...(opts.log ? { log: opts.log } : {}),
    });
    const counts = { sent: 0, accepted: 0, refused: 0, existing: 0, unexpected: 0 };
    const reasons: Record<string, number> = {};
    try {
      await device.start();
      await device.whenOnline();
      // The operator's part: the reader registered itself at C_AUTH; make it a capture device on the site.
      const vendor = await platform.store.vendors.byAccessId(opts.credentials.accessId);
      const row = vendor && (await platform.store.devices.byVendorSn(vendor.id, sn));
      if (!row) throw new Error(`the capture device ${sn} did not register on the platform`);
      await retryBusy(() => platform.store.deviceApi.patch(row.id, { kind: 'capture', siteId: siteId! }));
      const faces = opts.faces?.length ? opts.faces : undefined;
      const photos = faces ? undefined : await PhotoFactory.create({ targetBytes: 30 * 1024, side: 240 });
      const blank = await blankPhoto();
      const count = opts.persons ?? 20;
      const nonce = Math.floor(Math.random() * 100_000);
      run.progress.phase(`capture device enrolling ${count} workers`);
      run.loadStarted();
      for (let k = 0; k < count && !opts.signal?.aborted; k++) {
        const kind = captureKind(k, opts.badShare ?? 0.25, opts.spoils);
        const good = faces ? faces[k % faces.length]! : photos!.next();
        const id = captureIdNumber(nonce, k);
        const input: EnrolInput = {
          name: `采集工人${k + 1}`,
          idNumber: kind === 'bad_check_digit' ? id.slice(0, 17) + (id[17] === '0' ? '1' : '0') : id,
          gender: Number(id[16]) % 2 === 1 ? '男' : '女',
          ethnicity: '汉',
          address: '浙江省杭州市西湖区',
          issuer: '杭州市公安局西湖分局',
          validFrom: kind === 'expired_card' ? '20000101' : '20200101',
          validTo: kind === 'expired_card' ? '20100101' : '长期',
          face: kind === 'no_face' ? blank : good,
        };
        const t0 = performance.now();
        const r: EnrolResult = await device.enrol(input);
        enrolMs.record(performance.now() - t0);
        counts.sent++;
        if (r.ok) {
          counts.accepted++;
          if (r.identity === 'existing') counts.existing++;
          if (kind !== 'good') {
            counts.unexpected++;
            const hint = kind === 'no_face' ? ' (is the platform’s face detector off?)' : '';
            run.notes.push(`worker ${k + 1} (${kind}) was accepted${hint}`);
          }
          if (!accepted.has(r.personId)) accepted.expect(r.personId, run.devices, t0);
        } else {
          counts.refused++;
          if (kind === 'good') {
            counts.unexpected++;
            run.notes.push(
              `worker ${k + 1} (good) was refused: ${r.code} ${r.failures.map((f) => f.code).join(', ')}`,
            );
          }
          const codes = r.failures.length ? r.failures.map((f) => f.code) : [r.code];
          for (const c of new Set(codes)) reasons[c] = (reasons[c] ?? 0) + 1;
        }
      }
      run.progress.phase(`${counts.accepted} accepted; waiting for every attendance device to hold them`);
      const deadline = performance.now() + (opts.seconds ?? 120) * 1000;
      while (accepted.pairsLeft > 0 && performance.now() < deadline && !opts.signal?.aborted) {
        await sleep(100);
        for (const d of run.devices) accepted.see(d, performance.now());
      }
    } finally {
      run.loadEnded();
      await device.stop();
      await rm(dir, { recursive: true, force: true });
    }
    if (accepted.pairsLeft > 0)
      run.notes.push(`${accepted.pairsLeft} (person, device) pairs missing when the wait ended`);
    return {
      capture: { ...counts, reasons, enrolMs: percentiles(enrolMs) },
      persons: {
        enrolled: counts.accepted,
        untilEveryDeviceMs: percentiles(accepted.untilAll),
        missing: accepted.pairsLeft,
      },
    };
  });
}
