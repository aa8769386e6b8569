/**
 * The phone page end to end (issue 14 "Done when"): headless Chromium whose camera plays
 * the facematch man's liveness video (testkit), with emulated geolocation, against a
 * real platform (real face detector, clock-in rules on). Each worker registers through
 * the real API (a one-time code from the management API, the ID number's last 6), then
 * clocks in through the page: camera, liveness challenge, GPS, queue, the bridge.
 * - the man inside the fence: counted (ENROLLED below says with which photo);
 * - the same outside the fence: kept and flagged outside_fence, not counted;
 * - a woman enrolled, the man in front of the camera: kept, face_mismatch, not counted;
 * - a still photo of the man in front of the camera (a second browser, whose camera
 *   plays one photo): the liveness challenge fails, nothing is queued or sent;
 * - 500 clock-ins made offline (a few through the camera, the rest through the test
 *   hook, which feeds the same queue and drainer) arrive exactly once when online.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { livenessVideo, type RealFaceName, stillVideo } from '@kaoqin/testkit';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserSkipReason,
  expectNoBrowserErrors,
  launchWithCamera,
  openPhone,
  type Phone,
  queueCount,
  registerByCode,
} from './support/browser.js';
import {
  attendanceOf,
  CENTRE,
  enrolledWorker,
  fencedSite,
  type MobilePlatform,
  mobileCode,
  NORTH,
  startMobilePlatform,
} from './support/platform.js';

const skip = browserSkipReason();

/**
 * The photo the man is enrolled with: not the one the liveness video is made from. The
 * video's frontal pose is the facedetect portrait of him, mirrored (testkit
 * liveness-video.ts); the page's selfie of it (a 480 px JPEG after the camera round trip)
 * was measured in Node against every other photo of him: grid photo 1 (dark background,
 * pink shirt) scores best, 0.74, then grid photo 2 0.71 and grid photos 4-8 0.59-0.66;
 * the rest 0.40-0.57 (the webcam photo 0.41), the platform's threshold being 0.5. Against
 * the portrait it was made from: 0.94. Every woman of the sample set scores at most 0.32
 * (the blonde woman below, OTHER_PERSON: 0.18).
 */
const ENROLLED: RealFaceName = 'manGrid1';
const OTHER_PERSON: RealFaceName = 'womanPortrait2';

/** Waits for the clock-in screen to reach a final phase. */
async function finalPhase(page: Page): Promise<string> {
  const screen = page.getByTestId('screen-clock-in');
  await expect
    .poll(() => screen.getAttribute('data-phase'), { timeout: 90_000, interval: 250 })
    .toMatch(/^(queued|result|liveness_failed|error)$/);
  return (await screen.getAttribute('data-phase')) ?? '';
}

/**
 * Clicks 打卡 and waits for a final phase. With `retries`, a challenge timed out is tried
 * again as a worker would (再试一次): on a loaded two-core machine the detector's frame
 * rate can drop below what a blink needs; each retry is logged.
 */
async function clockIn(page: Page, retries = 0): Promise<string> {
  await page.getByTestId('clock-in').click();
  await page.getByTestId('screen-clock-in').waitFor();
  let phase = await finalPhase(page);
  for (let i = 0; i < retries && phase === 'liveness_failed'; i++) {
    const reason = await page.getByTestId('liveness-failed').getAttribute('data-reason');
    console.info(`[mobile] liveness failed (${reason}); the worker tries again`);
    await page.getByTestId('liveness-failed').getByRole('button').click();
    phase = await finalPhase(page);
  }
  return phase;
}

/** The verdict the clock-in screen shows, once the platform answered. */
async function verdictShown(page: Page): Promise<{ counted: boolean; flags: string[]; text: string }> {
  const result = page.getByTestId('result');
  try {
    await result.waitFor({ timeout: 60_000 });
  } catch (err) {
    // Say where the page stood: the phase and its words.
    const screen = page.getByTestId('screen-clock-in');
    throw new Error(
      `no verdict: phase ${await screen.getAttribute('data-phase')}: ${await screen.textContent()} (${err})`,
    );
  }
  const v = result.getByTestId('verdict');
  return {
    counted: (await v.getAttribute('data-counted')) === 'true',
    flags: ((await v.getAttribute('data-flags')) ?? '').split(' ').filter(Boolean),
    text: (await result.textContent()) ?? '',
  };
}

describe.skipIf(skip)('phone clock-in (Chromium, fake camera, real platform)', { timeout: 600_000 }, () => {
  let p: MobilePlatform;
  let browser: Browser;
  let stillBrowser: Browser;
  let dir: string;
  let siteId: string;
  const phones: Phone[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaoqin-mobile-cam-'));
    const video = join(dir, 'man-liveness.y4m');
    const still = join(dir, 'man-still.y4m');
    await livenessVideo(video);
    await stillVideo(still);
    [p, browser, stillBrowser] = await Promise.all([
      startMobilePlatform(),
      launchWithCamera(video),
      launchWithCamera(still),
    ]);
    siteId = await fencedSite(p, '手机考勤工地');
  }, 300_000);
  afterAll(async () => {
    for (const ph of phones) await ph.context.close().catch(() => undefined);
    await browser?.close();
    await stillBrowser?.close();
    await p?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function phoneFor(name: string, photo: RealFaceName, at: typeof CENTRE, camera: Browser = browser) {
    const w = await enrolledWorker(p, siteId, name, photo);
    const phone = await openPhone(camera, p.url, at);
    phones.push(phone);
    await registerByCode(phone, p.url, await mobileCode(p, w), w.idLast6);
    return { w, phone };
  }

  it('the worker inside the fence: counted, and the page says so', async () => {
    const { w, phone } = await phoneFor('张工', ENROLLED, CENTRE);
    const { page } = phone;
    expect(await page.getByTestId('screen-home').textContent()).toContain('手机考勤工地');
    const t0 = Date.now();
    await clockIn(page, 2);
    const t1 = Date.now();
    const v = await verdictShown(page);
    console.info(
      `[mobile] clock-in: ${((t1 - t0) / 1000).toFixed(1)} s from the button to the record queued (camera, models, challenge), ${((Date.now() - t1) / 1000).toFixed(1)} s more to the verdict shown`,
    );
    expect(v, v.text).toMatchObject({ counted: true });
    expect(v.text).toContain('打卡成功,已计入考勤');
    const records = await attendanceOf(p, w.personId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ type: 64, realName: true, fenceDistanceM: 0 });
    // The fix's accuracy travels with it (the context's emulated 12 m).
    expect(records[0].coordinateAccuracyM).toBe(12);
    expect(records[0].flags.filter((f: string) => !f.startsWith('upload_'))).toEqual([]);
    expectNoBrowserErrors(phone);
  });

  it('outside the fence: kept and flagged, not counted, in plain words', async () => {
    const { w, phone } = await phoneFor('李工', ENROLLED, NORTH);
    await clockIn(phone.page, 2);
    const v = await verdictShown(phone.page);
    expect(v.counted).toBe(false);
    expect(v.flags).toContain('outside_fence');
    expect(v.flags).not.toContain('face_mismatch');
    expect(v.text).toContain('你不在工地范围内');
    const records = await attendanceOf(p, w.personId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ type: 64, realName: false });
    expect(records[0].flags).toContain('outside_fence');
    expectNoBrowserErrors(phone);
  });

  it("another person's face: kept, face_mismatch, not counted", async () => {
    // The phone is registered to a woman; the man stands in front of the camera.
    const { w, phone } = await phoneFor('王女士', OTHER_PERSON, CENTRE);
    await clockIn(phone.page, 2);
    const v = await verdictShown(phone.page);
    expect(v.counted).toBe(false);
    expect(v.flags).toContain('face_mismatch');
    expect(v.text).toContain('自拍和登记照片不像是同一个人');
    const records = await attendanceOf(p, w.personId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ type: 64, realName: false, fenceDistanceM: 0 });
    expect(records[0].flags).toContain('face_mismatch');
    expectNoBrowserErrors(phone);
  });

  it('a still photo fails the liveness challenge: nothing is queued or sent', async () => {
    const { w, phone } = await phoneFor('孙工', ENROLLED, CENTRE, stillBrowser);
    const { page } = phone;
    expect(await clockIn(page)).toBe('liveness_failed');
    const failed = page.getByTestId('liveness-failed');
    const reason = await failed.getAttribute('data-reason');
    console.info(`[mobile] still photo: liveness failed with ${reason}`);
    expect(reason).toBe('timeout');
    expect(await failed.textContent()).toContain('没有完成动作');
    expect(await page.evaluate('window.__kaoqinMobileTest.queueSize()')).toBe(0);
    expect(await attendanceOf(p, w.personId)).toHaveLength(0);
    expectNoBrowserErrors(phone);
  });

  it('500 clock-ins made offline arrive exactly once when back online', async () => {
    const { w, phone } = await phoneFor('赵工', ENROLLED, CENTRE);
    const { page, context } = phone;
    // The service worker must hold the shell and the models before the network goes.
    await expect
      .poll(() => page.evaluate('navigator.serviceWorker.controller !== null'), { timeout: 60_000 })
      .toBe(true);
    await page.evaluate(`(async () => {
      const names = await caches.keys();
      const c = await caches.open(names.find((n) => n.startsWith('kaoqin-m-')));
      const keys = await c.keys();
      if (!keys.some((r) => r.url.endsWith('/models/human-3.3.6/iris.bin'))) throw new Error('models not cached');
    })()`);

    await context.setOffline(true);
    // Offline, the page still opens (the service worker's shell) and says it is offline.
    await page.reload();
    await page.getByTestId('screen-home').waitFor();
    await expect.poll(() => page.getByTestId('link').textContent()).toContain('离线');
    // The service worker leaves /api alone: offline, the page's own API calls fail. (A
    // worker's fetches would not be stopped by the emulation, so one that passed /api on
    // would hide the outage.)
    expect(await page.evaluate("fetch('/api/mobile/v1/time').then(() => 'answered', () => 'failed')")).toBe(
      'failed',
    );

    const CAMERA = 3;
    for (let i = 0; i < CAMERA; i++) {
      expect(await clockIn(page, 2)).toBe('queued');
      await page.getByTestId('clock-in-done').click();
      await page.getByTestId('screen-home').waitFor();
    }
    // The home screen reads the count from IndexedDB after it renders: poll, as below.
    await expect.poll(() => queueCount(page), { timeout: 15_000 }).toBe(CAMERA);

    // The rest through the hook: the same queue, a small faceless JPEG (the detector's
    // cheapest case; each is kept as face_not_found, which is not what this test is about).
    const selfie = (
      await sharp({ create: { width: 160, height: 160, channels: 3, background: '#8a8a8a' } })
        .jpeg()
        .toBuffer()
    ).toString('base64');
    const HOOKED = 500 - CAMERA;
    await page.evaluate(
      `(async ({ selfie, n, at }) => {
        const bytes = Uint8Array.from(atob(selfie), (c) => c.charCodeAt(0));
        for (let i = 0; i < n; i++)
          await window.__kaoqinMobileTest.enqueue({ selfie: new Blob([bytes], { type: 'image/jpeg' }), coordinate: at });
      })(${JSON.stringify({ selfie, n: HOOKED, at: { longitude: CENTRE.longitude, latitude: CENTRE.latitude } })})`,
    );
    expect(await page.evaluate('window.__kaoqinMobileTest.queueSize()')).toBe(500);
    await expect.poll(() => queueCount(page)).toBe(500);
    // Nothing reached the platform while offline.
    expect(await attendanceOf(p, w.personId)).toHaveLength(0);

    const started = Date.now();
    await context.setOffline(false);
    await expect.poll(() => queueCount(page), { timeout: 400_000, interval: 1000 }).toBe(0);
    const drainMs = Date.now() - started;
    const records = await attendanceOf(p, w.personId);
    const times = new Set(records.map((r) => r.recordTime));
    console.info(
      `[mobile] 500 offline clock-ins sent in ${(drainMs / 1000).toFixed(1)} s after reconnecting`,
    );
    expect(records).toHaveLength(500);
    expect(times.size).toBe(500);
    expect(records.every((r) => r.type === 64 && r.deviceSn === records[0].deviceSn)).toBe(true);
    // The camera's clock-ins are the man's own face inside the fence.
    expect(records.filter((r) => r.realName)).toHaveLength(CAMERA);
    expect(await page.evaluate('window.__kaoqinMobileTest.queueSize()')).toBe(0);
    // The page failed fetches while offline on purpose.
    expectNoBrowserErrors(phone, [/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/]);
  });
});
