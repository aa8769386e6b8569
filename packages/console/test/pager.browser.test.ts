/**
 * The one cursor pager (src/components/cursor-pager.tsx) in a real browser, on the audit
 * log (50 a page): 55 sites created make two pages of entries; "next" follows the
 * list's cursor, "previous" comes back to exactly the page before, and a new filter
 * starts again at page 1.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, expectNoBrowserErrors, launchBrowser, login, openPage } from './support/browser';
import { ADMIN_PASSWORD, type ConsolePlatform, startConsolePlatform } from './support/platform';

const skip = browserSkipReason();
const SITES = 55;

describe.skipIf(skip)('cursor pager (Chromium)', () => {
  let p: ConsolePlatform;
  let browser: Browser;
  beforeAll(async () => {
    p = await startConsolePlatform();
    browser = await launchBrowser();
    for (let i = 1; i <= SITES; i++) await p.api.call('POST', '/sites', { name: `分页工地 ${i}` });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await p?.stop();
  });

  it('pages forward, back exactly, and to page 1 on a new filter', async () => {
    const o = await openPage(browser);
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${p.url}/audit`);
    const rows = page.getByTestId('audit-table').locator('tbody tr.ant-table-row');
    const prev = page.getByTestId('page-prev');
    const next = page.getByTestId('page-next');
    await rows.first().waitFor({ timeout: 15_000 });
    await page.getByText('第 1 页').waitFor({ timeout: 15_000 });
    expect(await prev.isDisabled()).toBe(true);
    const first = await rows.allTextContents();
    expect(first).toHaveLength(50);

    await next.click();
    await page.getByText('第 2 页').waitFor({ timeout: 15_000 });
    await expect.poll(async () => (await rows.allTextContents())[0]).not.toBe(first[0]);
    const second = await rows.allTextContents();
    expect(second.some((r) => first.includes(r))).toBe(false);

    await prev.click();
    await page.getByText('第 1 页').waitFor({ timeout: 15_000 });
    await expect.poll(() => rows.allTextContents()).toEqual(first);
    expect(await prev.isDisabled()).toBe(true);

    // On page 2, a filter (in the URL, through the form) starts again at page 1.
    await next.click();
    await page.getByText('第 2 页').waitFor({ timeout: 15_000 });
    await page.locator('#action').fill('site.create');
    await page.locator('#action').press('Enter');
    await page.waitForURL(/action=site.create/);
    await page.getByText('第 1 页').waitFor({ timeout: 15_000 });
    expect(await rows.count()).toBe(50);
    expect(await prev.isDisabled()).toBe(true);
    expect(await next.isDisabled()).toBe(false);
    expectNoBrowserErrors(o);
  }, 90_000);
});
