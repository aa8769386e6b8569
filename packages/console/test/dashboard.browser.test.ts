/**
 * The dashboard in a real browser against a real platform: an admin opens it; a
 * simulated device (the SDK's DeviceClient, bound to a site through the API) clocks an
 * enrolled worker in with a photo, and without a reload the clock-in appears in the live
 * feed with its photo thumbnail and the site's count of today's clock-ins moves in the
 * table and the headline figure. With GET /overview failing the page shows the error
 * state (and recovers on retry). No browser errors.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceClient } from '@kaoqin/device';
import { idNumberOf, makePhoto } from '@kaoqin/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, expectNoBrowserErrors, launchBrowser, login, openPage } from './support/browser';
import { ADMIN_PASSWORD, type ConsolePlatform, startConsolePlatform } from './support/platform';

const skip = browserSkipReason();
const SN = 'CONSOLE-DASH-1';

describe.skipIf(skip)('dashboard (Chromium)', () => {
  let p: ConsolePlatform;
  let browser: Browser;
  let device: DeviceClient;
  let dataDir: string;
  let siteId: string;
  let personId: string;

  beforeAll(async () => {
    p = await startConsolePlatform();
    browser = await launchBrowser();
    siteId = (await p.api.call<{ id: string }>('POST', '/sites', { name: '总览测试工地' })).id;
    await p.api.call('POST', '/devices', { vendorId: p.creds.vendorId, sn: SN, siteId });
    const person = await p.api.call<{ personId: string }>('POST', '/persons', {
      name: '钱七',
      idNumber: idNumberOf(7300),
      photos: [(await makePhoto(930)).toString('base64')],
      assignments: [{ siteId, company: '浙江测试劳务公司', team: '木工班', trade: '木工' }],
    });
    personId = person.personId;
    dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-console-dash-'));
    device = new DeviceClient({
      identity: {
        sn: SN,
        accessId: p.creds.accessId,
        accessKey: p.creds.accessKey,
        accessSecret: p.creds.accessSecret,
        deviceVersion: '1.0.0',
        deviceIp: '192.168.1.30',
      },
      endpoints: { tcpHost: '127.0.0.1', tcpPort: p.platform.tcpPort, httpBaseUrl: p.url },
      dataDir,
      heartbeatMs: 500,
      taskRunner: false,
    });
    await device.start();
    await device.whenOnline();
  }, 180_000);

  afterAll(async () => {
    await device?.stop();
    await browser?.close();
    await p?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** The site's row in the per-site table: its cells' texts. */
  const siteCells = (page: Page) =>
    page.getByTestId('site-table').locator(`tr[data-row-key="${siteId}"] td`).allTextContents();

  it('shows a clock-in live, with its photo, and moves the site’s count without a reload', async () => {
    const o = await openPage(browser, { width: 1280 });
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    const stream = page.waitForResponse((r) => r.url().includes('/api/v1/events'));
    await page.goto(`${p.url}/dashboard`);
    await page.getByTestId('site-table').getByText('总览测试工地').waitFor();
    // Site, online, offline, today's clock-ins: the device is online, nothing yet today.
    await expect.poll(() => siteCells(page).then((c) => c.slice(1, 4))).toEqual(['1', '0', '0']);
    expect(await page.getByTestId('kpi-clockIns').locator('.ant-statistic-content').textContent()).toBe('0');
    await page.getByTestId('site-chart').locator('canvas').first().waitFor();
    await stream;
    // A mark in the page: a reload would lose it.
    await page.evaluate(() => {
      (window as unknown as { dashMark: number }).dashMark = 1;
    });

    const acked = device.events.next('acked', 15_000);
    await device.clockIn({ personId, type: 1, img: await makePhoto(931) });
    await acked;

    const item = page.getByTestId('live-clock-in').first();
    await item.getByText(personId).waitFor({ timeout: 15_000 });
    await item.getByText('钱七').waitFor();
    expect(await item.textContent()).toContain(SN);
    const photo = item.getByTestId('live-photo').locator('img');
    await photo.waitFor();
    await expect
      .poll(() => photo.evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await expect.poll(() => siteCells(page).then((c) => c[3]), { timeout: 10_000 }).toBe('1');
    await expect
      .poll(() => page.getByTestId('kpi-clockIns').locator('.ant-statistic-content').textContent())
      .toBe('1');
    expect(await page.evaluate(() => (window as unknown as { dashMark?: number }).dashMark)).toBe(1);
    expectNoBrowserErrors(o);
  }, 120_000);

  it('shows the error state when GET /overview fails, and recovers on retry', async () => {
    const o = await openPage(browser, { lang: 'en' });
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    let fail = true;
    await page.route('**/api/v1/overview*', (r) =>
      fail
        ? r.fulfill({
            status: 500,
            contentType: 'application/problem+json',
            body: JSON.stringify({ type: 'about:blank', title: 'boom', status: 500, code: 'internal' }),
          })
        : r.continue(),
    );
    await page.goto(`${p.url}/dashboard`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('boom');
    fail = false;
    await alert.getByRole('button').click();
    await page.getByTestId('site-table').getByText('总览测试工地').waitFor();
    expectNoBrowserErrors(o, [/500/]);
  }, 120_000);
});
