/**
 * The phone page's own behaviour in headless Chromium against a real platform, without
 * the liveness challenge (records come through the test hook, which feeds the same queue
 * and drainer as the camera): the consent text, a refused registration in plain words,
 * English, the installable manifest, a lapsed token renewed without losing a record,
 * the photo budget (a record kept without its photo), a verdict on the home screen,
 * the phone disabled when the worker registers another one, and forgetting the phone;
 * and registration by the worker's person QR code, read from the camera (a second
 * browser whose camera shows the printed code).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stillVideo, writeY4m } from '@kaoqin/testkit';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserSkipReason,
  expectNoBrowserErrors,
  launchWithCamera,
  openPhone,
  type Phone,
  registerByCode,
} from './support/browser.js';
import {
  attendanceOf,
  CENTRE,
  enrolledWorker,
  fencedSite,
  type MobilePlatform,
  mobileCode,
  startMobilePlatform,
  type Worker,
} from './support/platform.js';

const skip = browserSkipReason();
/** How long a queued record may take to be sent, on a loaded two-core machine. */
const SENT = { timeout: 20_000 };

/** Enqueues `n` clock-ins through the hook with a small faceless JPEG as the selfie. */
async function enqueueThroughHook(page: Page, n: number): Promise<void> {
  const selfie = (
    await sharp({ create: { width: 160, height: 160, channels: 3, background: '#8a8a8a' } })
      .jpeg()
      .toBuffer()
  ).toString('base64');
  await page.evaluate(
    `(async ({ selfie, n, at }) => {
      const bytes = Uint8Array.from(atob(selfie), (c) => c.charCodeAt(0));
      for (let i = 0; i < n; i++)
        await window.__kaoqinMobileTest.enqueue({ selfie: new Blob([bytes], { type: 'image/jpeg' }), coordinate: at });
    })(${JSON.stringify({ selfie, n, at: { longitude: CENTRE.longitude, latitude: CENTRE.latitude } })})`,
  );
}

describe.skipIf(skip)('phone page (Chromium, real platform)', { timeout: 300_000 }, () => {
  let p: MobilePlatform;
  let browser: Browser;
  let qrBrowser: Browser | undefined;
  let dir: string;
  let siteId: string;
  const phones: Phone[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaoqin-mobile-page-'));
    const video = join(dir, 'still.y4m');
    await stillVideo(video);
    [p, browser] = await Promise.all([startMobilePlatform(), launchWithCamera(video)]);
    siteId = await fencedSite(p, '页面测试工地');
  }, 300_000);
  afterAll(async () => {
    for (const ph of phones) await ph.context.close().catch(() => undefined);
    await browser?.close();
    await qrBrowser?.close();
    await p?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function phone(): Promise<Phone> {
    const ph = await openPhone(browser, p.url, CENTRE);
    phones.push(ph);
    return ph;
  }

  async function registered(name: string): Promise<{ w: Worker; ph: Phone }> {
    const w = await enrolledWorker(p, siteId, name, 'manWebcam');
    const ph = await phone();
    await registerByCode(ph, p.url, await mobileCode(p, w), w.idLast6);
    return { w, ph };
  }

  it('shows the consent text, refuses a wrong ID tail in plain words, registers, speaks English', async () => {
    const w = await enrolledWorker(p, siteId, '周工', 'manWebcam');
    const code = await mobileCode(p, w);
    const ph = await phone();
    const { page } = ph;
    await page.goto(`${p.url}/m/#code=${code}`);
    const consent = (await page.getByTestId('screen-consent').textContent()) ?? '';
    for (const words of ['一张自拍照', '位置(经纬度)和定位精度', '打卡时间', '摄像头画面只在手机上处理'])
      expect(consent).toContain(words);
    await page.getByTestId('consent-agree').click();
    expect(await page.locator('#code').inputValue()).toBe(code);
    const wrong = w.idLast6.startsWith('0') ? `1${w.idLast6.slice(1)}` : `0${w.idLast6.slice(1)}`;
    await page.locator('#idLast6').fill(wrong);
    await page.getByRole('button', { name: '绑定', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('身份证号后 6 位不对');
    await page.locator('#idLast6').fill(w.idLast6.toLowerCase());
    await page.getByRole('button', { name: '绑定', exact: true }).click();
    const home = page.getByTestId('screen-home');
    await home.waitFor();
    expect(await home.textContent()).toContain('周工,你好');
    expect(await home.textContent()).toContain('工地:页面测试工地');
    expect(await page.getByTestId('queue-count').textContent()).toBe('没有待发送的记录');
    // The spent code is gone from the address bar.
    expect(new URL(page.url()).hash).toBe('');
    // The API sees a phone: a mobile device bound to the site and linked to the worker.
    const devices = await p.call('GET', `/devices?siteId=${siteId}&limit=500`);
    const mine = devices.items.filter((d: { personId?: string }) => d.personId === w.personId);
    expect(mine).toEqual([expect.objectContaining({ kind: 'mobile', siteId })]);
    // Its heartbeat (sent once registered, then every 30 s) shows it online.
    await expect
      .poll(async () => (await p.call('GET', `/devices/${mine[0].sn}`)).online, { timeout: 15_000 })
      .toBe(true);
    await page.getByRole('button', { name: '设置' }).click();
    await page.getByTestId('lang-en').click();
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByTestId('clock-in').getByText('Clock in').waitFor();
    await page.reload();
    await page.getByText('Hello, 周工').waitFor(); // the choice is kept
    // The 400 the browser logs for the refused registration is the test's doing.
    expectNoBrowserErrors(ph, [/422|Unprocessable/]);
  });

  it('is installable: a manifest with its scope and icons, served from /m/', async () => {
    const res = await fetch(`${p.url}/m/manifest.webmanifest`);
    expect(res.status).toBe(200);
    const m = (await res.json()) as {
      start_url: string;
      scope: string;
      display: string;
      icons: { src: string; sizes: string }[];
    };
    expect(m).toMatchObject({ start_url: '/m/', scope: '/m/', display: 'standalone' });
    for (const icon of m.icons) expect((await fetch(`${p.url}${icon.src}`)).status, icon.src).toBe(200);
    expect(m.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    const sw = await fetch(`${p.url}/m/sw.js`);
    expect(sw.headers.get('service-worker-allowed')).toBe('/m/');
    // Chromium's own verdict, once the service worker controls the page.
    const ph = await phone();
    await ph.page.goto(`${p.url}/m/`);
    await expect
      .poll(() => ph.page.evaluate('navigator.serviceWorker.controller !== null'), { timeout: 60_000 })
      .toBe(true);
    const cdp = await ph.context.newCDPSession(ph.page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    // A Playwright context is an incognito profile, where Chromium installs nothing;
    // every other reason (manifest, icons, service worker, secure origin) would be listed.
    expect(installabilityErrors.map((e) => e.errorId).filter((e) => e !== 'in-incognito')).toEqual([]);
    expectNoBrowserErrors(ph);
  });

  it('renews a lapsed token and loses no record; shows the verdict on the home screen', async () => {
    const { w, ph } = await registered('吴工');
    const { page } = ph;
    await enqueueThroughHook(page, 1);
    await expect.poll(() => page.evaluate('window.__kaoqinMobileTest.queueSize()'), SENT).toBe(0);
    // A token the platform does not know (lapsed, or the platform restarted): 401_01.
    await page.evaluate(`(async () => {
      const db = await new Promise((ok, fail) => { const r = indexedDB.open('kaoqin-m'); r.onsuccess = () => ok(r.result); r.onerror = fail; });
      await new Promise((ok, fail) => { const tx = db.transaction('kv', 'readwrite'); tx.objectStore('kv').put('0'.repeat(32), 'token'); tx.oncomplete = ok; tx.onerror = fail; });
    })()`);
    await page.reload(); // the session reads the token from IndexedDB
    await page.getByTestId('screen-home').waitFor();
    await enqueueThroughHook(page, 1);
    await expect.poll(() => page.evaluate('window.__kaoqinMobileTest.queueSize()'), SENT).toBe(0);
    const records = await attendanceOf(p, w.personId);
    expect(records).toHaveLength(2);
    expect(records.every((r) => r.flags.includes('face_not_found') && !r.realName)).toBe(true);
    // The faceless selfie's verdict, in words, on the home screen.
    await expect.poll(() => page.getByTestId('screen-home').textContent()).toContain('自拍里没有检测到人脸');
    expect(await page.getByTestId('failed').count()).toBe(0);
    expectNoBrowserErrors(ph);
  });

  it('lists a record the platform refuses for good, and goes on with the next', async () => {
    const { w, ph } = await registered('褚工');
    const { page } = ph;
    // A longitude no phone reports: the platform refuses the request itself (a bad param).
    await page.evaluate(`(async () => {
      const selfie = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' });
      await window.__kaoqinMobileTest.enqueue({ selfie, coordinate: { longitude: 999, latitude: 0 } });
    })()`);
    await enqueueThroughHook(page, 1);
    await expect.poll(() => page.evaluate('window.__kaoqinMobileTest.queueSize()'), SENT).toBe(0);
    const failed = page.getByTestId('failed');
    await failed.waitFor();
    const text = (await failed.textContent()) ?? '';
    console.info(`[mobile] refused record shown as: ${text}`);
    expect(text).toContain('平台拒收的记录');
    expect(text).toMatch(/\d{3}_\d{2}/);
    expect(await attendanceOf(p, w.personId)).toHaveLength(1); // the good one
    await failed.getByRole('button', { name: '我知道了' }).click();
    await failed.waitFor({ state: 'detached' });
    expectNoBrowserErrors(ph);
  });

  it('holds 60,000 queued records offline (standard 5(4)), counted on the home screen', async () => {
    const { ph } = await registered('卫工');
    const { page, context } = ph;
    await expect
      .poll(() => page.evaluate('navigator.serviceWorker.controller !== null'), { timeout: 60_000 })
      .toBe(true);
    await context.setOffline(true);
    // Written straight into the queue's store, 10,000 a transaction, in the shape the page
    // writes (records without photos: the budget is for photos, the count is not capped).
    const started = Date.now();
    await page.evaluate(`(async () => {
      const db = await new Promise((ok, fail) => { const r = indexedDB.open('kaoqin-m'); r.onsuccess = () => ok(r.result); r.onerror = fail; });
      const t0 = Date.UTC(2026, 0, 1);
      for (let chunk = 0; chunk < 6; chunk++)
        await new Promise((ok, fail) => {
          const tx = db.transaction('queue', 'readwrite');
          for (let i = 0; i < 10000; i++)
            tx.objectStore('queue').add({ recordTime: t0 + (chunk * 10000 + i) * 1000, coordinate: { longitude: 120.15507, latitude: 30.27415 }, accuracy: 12, photoBytes: 0, photoDropped: 'budget' });
          tx.oncomplete = ok;
          tx.onerror = fail;
        });
      db.close();
    })()`);
    const writeMs = Date.now() - started;
    await page.reload(); // offline: the service worker's shell
    await page.getByTestId('screen-home').waitFor();
    await expect.poll(() => page.getByTestId('queue-count').getAttribute('data-count'), SENT).toBe('60000');
    expect(await page.getByTestId('queue-count').textContent()).toBe('待发送 60000 条');
    const usage = (await page.evaluate('navigator.storage.estimate().then((e) => e.usage)')) as number;
    console.info(
      `[mobile] 60,000 queued records written in ${(writeMs / 1000).toFixed(1)} s; the origin's storage use ${(usage / 1024 / 1024).toFixed(1)} MiB (with the service worker's cache)`,
    );
    expectNoBrowserErrors(ph, [/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/]);
  });

  it('keeps a record without its photo beyond the photo budget', async () => {
    const { w, ph } = await registered('郑工');
    const { page } = ph;
    await page.evaluate('window.__kaoqinMobileTest.setPhotoBudget(100)'); // bytes: no photo fits
    await enqueueThroughHook(page, 1);
    await expect.poll(() => page.evaluate('window.__kaoqinMobileTest.queueSize()'), SENT).toBe(0);
    const [record] = await attendanceOf(p, w.personId);
    expect(record).toMatchObject({ type: 64, realName: false, photoUrl: null });
    expect(record.flags).toContain('face_unverified');
    await expect.poll(() => page.getByTestId('screen-home').textContent()).toContain('没有照片可核验');
    expectNoBrowserErrors(ph);
  });

  it('tells the worker when another phone of theirs took over, and forgets the phone on request', async () => {
    const { w, ph } = await registered('冯工');
    const { page } = ph;
    // The same worker registers a second phone: this one is disabled (one phone per worker per site).
    const other = await phone();
    await registerByCode(other, p.url, await mobileCode(p, w), w.idLast6);
    await enqueueThroughHook(page, 1);
    await page.getByText('本手机已停用').waitFor({ timeout: 30_000 });
    expect(await page.evaluate('window.__kaoqinMobileTest.queueSize()')).toBe(1); // kept, not sent
    expect(await attendanceOf(p, w.personId)).toHaveLength(0);

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: '设置' }).click();
    await page.getByTestId('forget').click();
    await page.getByTestId('screen-consent').waitFor();
    expect(await page.evaluate('window.__kaoqinMobileTest.queueSize()')).toBe(0);
    await page.reload();
    await page.getByTestId('screen-consent').waitFor();
    expectNoBrowserErrors(ph);
    expectNoBrowserErrors(other);
  });

  it("registers with the worker's person QR code read from the camera", async () => {
    const w = await enrolledWorker(p, siteId, '钱工', 'manWebcam');
    await p.call('POST', `/persons/${w.personId}/qr-codes`, { siteId });
    const png = await p.raw('GET', `/persons/${w.personId}/qr-code.png?siteId=${siteId}`);
    // The printed code held in front of the camera: the PNG centred on a white 640 × 480 frame.
    const frame = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#ffffff' } })
      .composite([{ input: png, gravity: 'centre' }])
      .removeAlpha()
      .raw()
      .toBuffer();
    const video = join(dir, 'person-qr.y4m');
    await writeY4m(video, [new Uint8Array(frame)], { width: 640, height: 480, fps: 15 });
    qrBrowser = await launchWithCamera(video);
    const ph = await openPhone(qrBrowser, p.url, CENTRE);
    phones.push(ph);
    const { page } = ph;
    await page.goto(`${p.url}/m/`);
    await page.getByTestId('consent-agree').click();
    await page.getByRole('button', { name: '扫描我的人员二维码' }).click();
    await page.getByTestId('person-code-read').waitFor({ timeout: 30_000 });
    await page.locator('#idLast6').fill(w.idLast6);
    await page.getByRole('button', { name: '绑定', exact: true }).click();
    await page.getByTestId('screen-home').waitFor();
    expect(await page.getByTestId('screen-home').textContent()).toContain('钱工,你好');
    await enqueueThroughHook(page, 1);
    await expect.poll(() => page.evaluate('window.__kaoqinMobileTest.queueSize()'), SENT).toBe(0);
    expect(await attendanceOf(p, w.personId)).toHaveLength(1);
    expectNoBrowserErrors(ph);
  });
});
