/**
 * The workers pages in a real browser against a real `kaoqin serve` with a simulated
 * device (the SDK's DeviceClient, its task runner on, bound to a site): a worker is
 * enrolled with a face photo through the form, the enrolment check's verdicts show, the
 * worker's page shows the distribution reach "on device" without a reload; a site manager
 * sees only their site's workers (list and direct URL); the list renders at 375 px; the
 * list with the API failing shows the error state; a roster (with a photos ZIP) dry run shows its row report and
 * stores nothing, and applying it does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceClient } from '@kaoqin/device';
import { idNumber, makePhoto } from '@kaoqin/testkit';
import JSZip from 'jszip';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, expectNoBrowserErrors, launchBrowser, login, openPage } from './support/browser';
import { ADMIN_PASSWORD, type ConsolePlatform, startConsolePlatform } from './support/platform';

const skip = browserSkipReason();

describe.skipIf(skip)('workers pages (Chromium)', () => {
  let p: ConsolePlatform;
  let browser: Browser;
  let device: DeviceClient;
  let dataDir: string;
  let siteA: string;
  let siteB: string;
  /** The worker enrolled on site B only, through the API. */
  let otherId: string;
  /** The worker enrolled through the form: their id and ID number. */
  let enrolled: { personId: string; idNumber: string };
  const SN = 'KQ-WORKERS-1';

  beforeAll(async () => {
    p = await startConsolePlatform();
    browser = await launchBrowser();
    siteA = (await p.api.call<{ id: string }>('POST', '/sites', { name: '一号工地' })).id;
    siteB = (await p.api.call<{ id: string }>('POST', '/sites', { name: '二号工地' })).id;
    dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-console-device-'));
    device = new DeviceClient({
      identity: {
        sn: SN,
        accessId: p.creds.accessId,
        accessKey: p.creds.accessKey,
        accessSecret: p.creds.accessSecret,
        deviceVersion: 'console-test-1',
        deviceIp: '10.0.0.9',
      },
      endpoints: { tcpHost: '127.0.0.1', tcpPort: p.platform.tcpPort, httpBaseUrl: p.url },
      dataDir,
    });
    const connected = new Promise<void>((r) => device.events.once('connected', () => r()));
    await device.start();
    await connected;
    await p.api.call('POST', `/devices/${SN}/bind`, { siteId: siteA });
    const photo = (await makePhoto(900)).toString('base64');
    otherId = (
      await p.api.call<{ personId: string }>('POST', '/persons', {
        name: '王其他',
        idNumber: idNumber(),
        photos: [photo],
        assignments: [{ siteId: siteB }],
      })
    ).personId;
  }, 180_000);

  afterAll(async () => {
    await device?.stop();
    await browser?.close();
    await p?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('enrols a worker through the form, shows the verdicts, and watches them reach the device', async () => {
    const o = await openPage(browser);
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${p.url}/workers/new`);
    const form = page.getByTestId('enrol-form');
    await form.waitFor();
    const id = idNumber();
    await page.locator('#name').fill('张测试');
    await page.locator('#idNumber').fill(id);
    await expect
      .poll(() => page.getByTestId('birth-date').textContent())
      .toBe(`${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`);
    await page.locator('#gender').click();
    await page.locator('.ant-select-item-option[title="男"]').click();
    await page.locator('#ethnicity').fill('汉');
    await page.locator('#address').fill('北京市东城区测试路1号');
    await page.locator('#issuingAuthority').fill('北京市公安局东城分局');
    await page
      .locator('.ant-form-item')
      .filter({ hasText: '人脸照片' })
      .locator('input[type=file]')
      .setInputFiles({ name: 'face.jpg', mimeType: 'image/jpeg', buffer: await makePhoto(901) });
    await page.locator('#siteId').click();
    await page.locator('.ant-select-item-option[title="一号工地"]').click();
    await page.locator('#team').fill('钢筋班');

    // The check alone: every verdict with its measured value, nothing saved.
    await page.getByRole('button', { name: '检 查', exact: true }).click();
    const verdicts = page.getByTestId('check-verdicts');
    await verdicts.waitFor();
    expect(await verdicts.textContent()).toContain('全部规则通过');
    expect(await verdicts.locator('tbody tr').count()).toBeGreaterThan(1);
    expect(await verdicts.textContent()).toContain('idNumber');
    expect(await verdicts.textContent()).toContain('photos.0');

    // Mark the document: a reload would lose it.
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42;
    });
    await page.getByRole('button', { name: '检查并保存' }).click();
    await page.waitForURL(/\/workers\/[0-9]+$/);
    enrolled = { personId: page.url().split('/').pop() ?? '', idNumber: id };
    await expect.poll(() => page.getByTestId('worker-name').textContent()).toBe('张测试');
    const masked = await page.locator('[data-testid^="id-"]').first().textContent();
    expect(masked).toContain('*');
    expect(masked).not.toBe(id);
    await page.getByTestId('distribution').locator('[data-state="on_device"]').waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(await page.getByTestId('distribution').textContent()).toContain(SN);

    // Reveal on click (audited): the whole number.
    await page.getByRole('button', { name: '显示完整号码' }).click();
    await expect.poll(() => page.locator('[data-testid^="id-"]').first().textContent()).toBe(id);

    // The list shows the worker masked.
    await page.goto(`${p.url}/workers`);
    await page.getByRole('link', { name: '张测试' }).waitFor();
    const row = page.getByTestId('workers-table').locator('tr', { hasText: '张测试' });
    expect(await row.textContent()).toContain('*');
    expectNoBrowserErrors(o);
    await page.context().close();
  }, 120_000);

  it('shows a failed rule with its measured value, and the API refusal at its field', async () => {
    const o = await openPage(browser);
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${p.url}/workers/new`);
    await page.getByTestId('enrol-form').waitFor();
    await page.locator('#name').fill('重复者');
    await page.locator('#idNumber').fill(enrolled.idNumber);
    await page.locator('#gender').click();
    await page.locator('.ant-select-item-option[title="女"]').click();
    await page
      .locator('.ant-form-item')
      .filter({ hasText: '人脸照片' })
      .locator('input[type=file]')
      .setInputFiles({ name: 'face.jpg', mimeType: 'image/jpeg', buffer: await makePhoto(902) });
    await page.getByRole('button', { name: '检 查', exact: true }).click();
    const verdicts = page.getByTestId('check-verdicts');
    await verdicts.locator('tr', { hasText: 'gender_mismatch' }).waitFor();
    const failed = await verdicts.locator('tr', { hasText: 'gender_mismatch' }).textContent();
    expect(failed).toContain('未通过');
    expect(failed).toContain('gender 女'); // the measured value
    // The same ID number with the right sex: the check passes, the API refuses it (enrolled once).
    await page.locator('#gender').click();
    await page.locator('.ant-select-item-option[title="男"]').click();
    await page.getByRole('button', { name: '检查并保存' }).click();
    const idItem = page.locator('.ant-form-item').filter({ has: page.locator('#idNumber') });
    await idItem.locator('.ant-form-item-explain-error').waitFor();
    expect(await idItem.locator('.ant-form-item-explain-error').textContent()).toContain(enrolled.personId);
    expect(page.url()).toMatch(/\/workers\/new$/);
    // The 409 the browser logs is the point of this step.
    expectNoBrowserErrors(o, [/409/]);
    await page.context().close();
  }, 120_000);

  it('shows a site manager only their sites’ workers, in the list and by direct URL', async () => {
    await p.api.call('POST', '/accounts', {
      username: 'mgr-a',
      password: 'manager-password-1',
      role: 'site_manager',
      siteIds: [siteA],
    });
    const o = await openPage(browser);
    const { page } = o;
    await login(page, p.url, 'mgr-a', 'manager-password-1');
    await page.goto(`${p.url}/workers`);
    await page.getByRole('link', { name: '张测试' }).waitFor();
    expect(await page.getByTestId('workers-table').textContent()).not.toContain('王其他');
    await page.goto(`${p.url}/workers/${otherId}`);
    await page.getByText('页面不存在').waitFor();
    expect(await page.locator('body').textContent()).not.toContain('王其他');
    // The API's 404 for the hidden person is logged by the browser: the test's own doing.
    expectNoBrowserErrors(o, [/404/]);
    await page.context().close();
  }, 120_000);

  it('renders the list at phone width with fewer columns', async () => {
    const o = await openPage(browser, { width: 375, height: 800 });
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${p.url}/workers`);
    await page.getByRole('link', { name: '张测试' }).waitFor();
    const headers = await page.getByTestId('workers-table').locator('thead th').allTextContents();
    expect(headers.join('|')).toContain('姓名');
    expect(headers.join('|')).not.toContain('登记时间');
    expectNoBrowserErrors(o);
    await page.context().close();
  }, 120_000);

  it('shows the error state when the API fails, and the list again on retry', async () => {
    const o = await openPage(browser, { lang: 'en' });
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.route('**/api/v1/persons*', (r) =>
      r.fulfill({
        status: 500,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'boom', status: 500, code: 'internal' }),
      }),
    );
    await page.goto(`${p.url}/workers`);
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toContain('boom');
    await page.unroute('**/api/v1/persons*');
    await alert.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('link', { name: '张测试' }).waitFor();
    // A search that finds no one shows the empty state.
    await page.locator('#name').fill('Nobody');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('workers-table').getByText('Nothing here yet').waitFor();
    expectNoBrowserErrors(o, [/500/]);
    await page.context().close();
  }, 120_000);

  it('dry-runs a roster, shows its per-row report, then applies it', async () => {
    const o = await openPage(browser, { lang: 'en' });
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${p.url}/workers/import`);
    await page.getByTestId('import-form').waitFor();
    await page.locator('#siteId').click();
    await page.locator('.ant-select-item-option[title="一号工地"]').click();
    // The worker enrolled above moves to another team; a second row has a bad ID number;
    // a third is a new worker whose face photo comes in the photos ZIP, named by ID number.
    const newcomer = idNumber();
    const csv = [
      '姓名,身份证号,性别,民族,出生日期,住址,签发机关,有效期起,有效期止,手机号,参建单位,班组,工种,进场日期,退场日期',
      `张测试,${enrolled.idNumber},男,,,,,,,,,模板班,,,`,
      '坏行,12345,男,汉,,,,,,,,,,,',
      `新人甲,${newcomer},男,汉,,,,,,,,模板班,,,`,
    ].join('\n');
    const zip = new JSZip();
    zip.file(`${newcomer}.jpg`, await makePhoto(903));
    const photosZip = await zip.generateAsync({ type: 'nodebuffer' });
    await page
      .locator('.ant-form-item')
      .filter({ hasText: 'Roster' })
      .locator('input[type=file]')
      .setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page
      .locator('.ant-form-item')
      .filter({ hasText: 'Photos ZIP' })
      .locator('input[type=file]')
      .setInputFiles({ name: 'photos.zip', mimeType: 'application/zip', buffer: photosZip });
    await page.getByRole('button', { name: 'Dry run' }).click();
    const job = page.getByTestId('import-job');
    const rows = page.getByTestId('import-rows');
    await rows.locator('tbody tr.ant-table-row').nth(1).waitFor({ timeout: 30_000 });
    expect(await job.textContent()).toContain('Dry-run result');
    const text = await rows.textContent();
    expect(text).toContain('Failed');
    expect(text).toContain('assignment.team');
    const before = await p.api.call<{ assignments: { team: string | null }[] }>(
      'GET',
      `/persons/${enrolled.personId}`,
    );
    expect(before.assignments[0]?.team).toBe('钢筋班'); // a dry run stores nothing

    await page.getByRole('button', { name: 'Apply' }).click();
    await job.getByText('Import result').waitFor({ timeout: 30_000 });
    await rows.locator('tbody tr.ant-table-row').nth(1).waitFor({ timeout: 30_000 });
    const after = await p.api.call<{ assignments: { team: string | null }[] }>(
      'GET',
      `/persons/${enrolled.personId}`,
    );
    expect(after.assignments[0]?.team).toBe('模板班');
    const found = await p.api.call<{ items: { name: string; photoCount: number }[] }>(
      'GET',
      `/persons?idNumber=${newcomer}`,
    );
    expect(found.items).toEqual([expect.objectContaining({ name: '新人甲', photoCount: 1 })]);
    expectNoBrowserErrors(o);
    await page.context().close();
  }, 120_000);
});
