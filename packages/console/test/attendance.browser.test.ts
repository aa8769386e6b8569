/**
 * The attendance, accounts and audit pages in a real browser against a real platform:
 * two enrolled workers clock in and out on a simulated device (the SDK's DeviceClient)
 * bound to a site; the monthly sheet shows them, its XLSX export downloads and holds
 * the same hours in the same cells; the clock-in list works at phone width (photo
 * preview, flags) and shows the error state when its API fails; an admin creates a
 * site manager in the accounts page (the password shown once logs in; they see their
 * site's clock-ins, another site's none, and no accounts page); the audit log
 * lists that creation. No browser errors anywhere.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceClient } from '@kaoqin/device';
import { idNumberOf, makePhoto } from '@kaoqin/testkit';
import ExcelJS from 'exceljs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, expectNoBrowserErrors, launchBrowser, login, openPage } from './support/browser';
import { ADMIN_PASSWORD, type ConsolePlatform, startConsolePlatform } from './support/platform';

const skip = browserSkipReason();
const HOUR = 3_600_000;
const CST = 8 * HOUR;

interface SheetJson {
  days: string[];
  items: {
    personId: string;
    name: string | null;
    cells: { day: string; hours: number }[];
    totalHours: number;
    totalMinutes: number;
  }[];
}

/** The China-time day of an instant. */
const chinaDay = (ms: number) => new Date(ms + CST).toISOString().slice(0, 10);

describe.skipIf(skip)('attendance, monthly sheet, accounts, audit (Chromium)', () => {
  let p: ConsolePlatform;
  let browser: Browser;
  let device: DeviceClient;
  let dataDir: string;
  let siteId: string;
  let day: string;
  const workers: { personId: string; name: string }[] = [];

  beforeAll(async () => {
    p = await startConsolePlatform();
    browser = await launchBrowser();
    const site = await p.api.call<{ id: string }>('POST', '/sites', { name: '考勤表测试工地' });
    siteId = site.id;
    const sn = 'CONSOLE-ATT-1';
    await p.api.call('POST', '/devices', { vendorId: p.creds.vendorId, sn, siteId });
    for (const [i, name] of ['王五', '赵六'].entries()) {
      const photo = (await makePhoto(900 + i)).toString('base64');
      const person = await p.api.call<{ personId: string }>('POST', '/persons', {
        name,
        idNumber: idNumberOf(7100 + i),
        photos: [photo],
        assignments: [{ siteId, company: '浙江测试劳务公司', team: '钢筋班', trade: '钢筋工' }],
      });
      workers.push({ personId: person.personId, name });
    }
    dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-console-att-'));
    device = new DeviceClient({
      identity: {
        sn,
        accessId: p.creds.accessId,
        accessKey: p.creds.accessKey,
        accessSecret: p.creds.accessSecret,
        deviceVersion: '1.0.0',
        deviceIp: '192.168.1.20',
      },
      endpoints: { tcpHost: '127.0.0.1', tcpPort: p.platform.tcpPort, httpBaseUrl: p.url },
      dataDir,
      heartbeatMs: 500,
      taskRunner: false,
    });
    await device.start();
    await device.whenOnline();
    // In and out within one China-time day, a little before now (never in the future).
    const out = Date.now() - 60_000;
    day = chinaDay(out);
    const dayStart = Date.parse(`${day}T00:00:00+08:00`);
    for (const [i, w] of workers.entries()) {
      const inAt = Math.max(dayStart + 1000, out - (2 + i) * HOUR);
      const img = await makePhoto(900 + i);
      for (const recordTime of [inAt, out - i * 1000]) {
        const acked = device.events.next('acked', 15_000);
        await device.clockIn({ personId: w.personId, type: 1, recordTime, img });
        await acked;
      }
    }
    // The day rows are projected after ingest, a batch at a time: a worker's cell can
    // appear with the clock-in alone (0 hours) before the clock-out is projected. Wait
    // until both workers' cells have both.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const s = await p.api.call<SheetJson>('GET', `/sites/${siteId}/sheets/${day.slice(0, 7)}`);
      const done = (w: SheetJson['items'][number]) => w.cells.some((c) => c.day === day && c.hours > 0);
      if (s.items.length === 2 && s.items.every(done)) break;
      if (Date.now() > deadline) throw new Error(`sheet not ready: ${JSON.stringify(s.items)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }, 180_000);

  afterAll(async () => {
    await device?.stop();
    await browser?.close();
    await p?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('shows the monthly sheet and exports it as XLSX with the same cells', async () => {
    const month = day.slice(0, 7);
    const sheet = await p.api.call<SheetJson>('GET', `/sites/${siteId}/sheets/${month}`);
    const o = await openPage(browser);
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${p.url}/attendance/sheet?siteId=${siteId}&month=${month}`);
    const table = page.getByTestId('sheet-table');
    for (const w of workers) {
      await table.getByText(w.name, { exact: true }).waitFor();
      const hours = sheet.items
        .find((i) => i.personId === w.personId)!
        .cells.find((c) => c.day === day)!.hours;
      expect(hours).toBeGreaterThan(0);
      expect(await page.locator(`[data-cell="${w.personId}:${day}"]`).textContent()).toBe(String(hours));
    }

    // The totals row: the month's hours of the site (the API's per-day totals).
    const minutes = sheet.items.reduce((a, w) => a + w.totalMinutes, 0);
    const summary = page.getByTestId('sheet-table').locator('.ant-table-summary');
    expect(await summary.textContent()).toContain(String(Math.round((minutes / 60) * 100) / 100));

    const download = page.waitForEvent('download');
    await page.getByTestId('sheet-export').click();
    const file = await (await download).path();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.worksheets[0]!;
    // Row 1 the title, row 2 the header (5 lead columns, then one per day), then workers.
    const dayColumn = 6 + sheet.days.indexOf(day);
    expect(String(ws.getRow(2).getCell(dayColumn).value)).toContain(day.slice(5));
    for (const w of workers) {
      let row: ExcelJS.Row | undefined;
      ws.eachRow((r) => {
        if (r.getCell(1).value === w.personId) row = r;
      });
      expect(row, `row of ${w.name}`).toBeDefined();
      const json = sheet.items.find((i) => i.personId === w.personId)!;
      expect(row!.getCell(2).value).toBe(w.name);
      expect(row!.getCell(dayColumn).value).toBe(json.cells.find((c) => c.day === day)!.hours);
      expect(row!.getCell(6 + sheet.days.length + 1).value).toBe(json.totalHours);
    }
    expectNoBrowserErrors(o);
  }, 120_000);

  it('lists clock-ins at phone width with photos and flags, and shows the error state when the API fails', async () => {
    const o = await openPage(browser, { width: 375, height: 740 });
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${p.url}/attendance?siteId=${siteId}`);
    const table = page.getByTestId('attendance-table');
    for (const w of workers) await table.getByText(w.name, { exact: true }).first().waitFor();
    expect(await table.locator('tbody tr.ant-table-row').count()).toBe(4);
    // Each record's capture photo, previewed on click (the signed URL loads).
    const img = table.locator('img').first();
    await expect.poll(() => img.evaluate((e) => (e as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await img.click();
    await page.locator('.ant-image-preview').waitFor();
    await page.keyboard.press('Escape');
    // The page fits the phone: nothing wider than the viewport but the table's own scroll.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    // Flags show as tags saying what they mean (the code is the tooltip's).
    const listed = await p.api.call<{ items: { flags: string[] }[] }>('GET', `/attendance?siteId=${siteId}`);
    const flag = listed.items.flatMap((r) => r.flags)[0];
    if (flag !== undefined) {
      const tag = table.locator(`[data-flag="${flag}"]`).first();
      await tag.waitFor();
      expect(await tag.textContent()).not.toBe(flag);
      expect((await tag.textContent())!.length).toBeGreaterThan(0);
    }

    await page.route('**/api/v1/attendance?*', (r) =>
      r.fulfill({
        status: 500,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'boom', status: 500, code: 'internal' }),
      }),
    );
    await page.goto(`${p.url}/attendance?siteId=${siteId}&realName=true`);
    await page.getByRole('alert').filter({ hasText: 'boom' }).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('alert').filter({ hasText: 'boom' }).textContent()).toContain('加载失败');
    expectNoBrowserErrors(o, [/500/]);
  }, 120_000);

  it("shows a site's day: headcount by team and each worker's first in and last out", async () => {
    const o = await openPage(browser, { lang: 'en' });
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${p.url}/attendance/daily?siteId=${siteId}&day=${day}`);
    await page.getByTestId('by-team').getByText('钢筋班').waitFor();
    const rows = page.getByTestId('day-workers').locator('tbody tr.ant-table-row');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.getByTestId('day-workers').textContent()).toContain(workers[0]!.name);
    expectNoBrowserErrors(o);
  }, 120_000);

  it('creates a site manager in the accounts page, who sees only their site; the audit log shows it', async () => {
    const o = await openPage(browser);
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${p.url}/accounts`);
    await page.getByTestId('accounts-table').getByText('admin', { exact: true }).waitFor();
    await page.getByTestId('new-account').click();
    const form = page.getByTestId('create-account-form');
    await form.getByLabel('用户名').fill('zhang-site');
    // site_manager is the default role; choose the site.
    await form.locator('.ant-select').nth(1).click();
    await page.locator('.ant-select-item-option').filter({ hasText: '考勤表测试工地' }).click();
    await page.keyboard.press('Escape');
    await page
      .getByRole('button', { name: '保 存' })
      .or(page.getByRole('button', { name: '保存' }))
      .click();
    const shown = page.getByTestId('one-time-password');
    await shown.waitFor();
    const password = (await shown.textContent())!.trim();
    expect(password.length).toBeGreaterThanOrEqual(8);
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /确\s*定/ })
      .click();
    const row = page.getByTestId('accounts-table').locator('tr', { hasText: 'zhang-site' });
    await row.waitFor();
    expect(await row.textContent()).toContain('劳务管理员');
    expect(await row.textContent()).toContain('考勤表测试工地');
    // The password shown once logs in, as a site manager of that site.
    const token = await p.api.login('zhang-site', password);
    const me = await p.api.as(token).call<{ role: string; siteIds: string[] }>('GET', '/auth/me');
    expect(me).toMatchObject({ role: 'site_manager', siteIds: [siteId] });

    // As that site manager: their site's clock-ins, none of another site's, no accounts page.
    const other = await p.api.call<{ id: string }>('POST', '/sites', { name: '另一个工地' });
    const m = await openPage(browser);
    await login(m.page, p.url, 'zhang-site', password);
    await m.page.goto(`${p.url}/attendance?siteId=${siteId}`);
    await m.page.getByTestId('attendance-table').getByText(workers[0]!.name).first().waitFor();
    await m.page.goto(`${p.url}/attendance?siteId=${other.id}`);
    await m.page.getByTestId('attendance-table').locator('.ant-empty').waitFor();
    expect(await m.page.getByTestId('attendance-table').locator('tr.ant-table-row').count()).toBe(0);
    expect(await m.page.getByRole('menuitem', { name: '账户与角色' }).count()).toBe(0);
    await m.page.goto(`${p.url}/accounts`);
    await m.page.getByText('页面不存在').waitFor();
    expectNoBrowserErrors(m);

    await page.goto(`${p.url}/audit?action=account.create`);
    const audit = page.getByTestId('audit-table');
    await audit.getByText('account.create').first().waitFor();
    expect(await audit.textContent()).toContain('admin');

    // The audit log's API failing shows the error state, with a retry.
    await page.route('**/api/v1/audit?*', (r) =>
      r.fulfill({
        status: 500,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'boom', status: 500, code: 'internal' }),
      }),
    );
    await page.goto(`${p.url}/audit?action=account.update`);
    const alert = page.getByRole('alert').filter({ hasText: 'boom' });
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.getByRole('button').textContent()).toMatch(/重\s*试/);
    expectNoBrowserErrors(o, [/500/]);
  }, 120_000);
});
