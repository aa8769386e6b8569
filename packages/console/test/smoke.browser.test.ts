/**
 * The console's frame in a real browser against a real `kaoqin serve`: it is served at
 * /, a deep link survives a reload, login in Chinese by default, English one click away,
 * a wrong password shows the API's reason, logout ends the session.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, expectNoBrowserErrors, launchBrowser, login, openPage } from './support/browser';
import { ADMIN_PASSWORD, type ConsolePlatform, startConsolePlatform } from './support/platform';

const skip = browserSkipReason();

describe.skipIf(skip)('console frame (Chromium)', () => {
  let p: ConsolePlatform;
  let browser: Browser;
  beforeAll(async () => {
    p = await startConsolePlatform();
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await p?.stop();
  });

  it('serves the console at / and index.html for a deep link; /api stays the API', async () => {
    const root = await fetch(`${p.url}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('<div id="root">');
    const deep = await fetch(`${p.url}/dashboard`, { headers: { accept: 'text/html' } });
    expect(deep.status).toBe(200);
    expect(deep.headers.get('cache-control')).toBe('no-cache');
    const api = await fetch(`${p.url}/api/v1/nope`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
  });

  it('logs in in Chinese, switches to English, logs out', async () => {
    const o = await openPage(browser);
    const { page } = o;
    await page.goto(`${p.url}/dashboard`);
    await page.waitForURL(/\/login\?next=%2Fdashboard/);
    await expect.poll(() => page.locator('h3').textContent()).toBe('登录考勤平台');
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.waitForURL(/\/dashboard$/);
    expect(await page.getByRole('menuitem', { name: '总览' }).count()).toBe(1);
    await page.getByTestId('lang-switch').click();
    await page.getByRole('menuitem', { name: 'Dashboard' }).waitFor();
    await page.reload();
    await page.getByRole('menuitem', { name: 'Dashboard' }).waitFor(); // the choice is kept
    await page.getByRole('button', { name: /Log out/ }).click();
    await page.waitForURL(/\/login/);
    expectNoBrowserErrors(o);
  });

  it('shows the API reason for a wrong password', async () => {
    const o = await openPage(browser);
    await o.page.goto(`${p.url}/login`);
    await o.page.locator('#username').fill('admin');
    await o.page.locator('#password').fill('wrong-password');
    await o.page.locator('button[type=submit]').click();
    await o.page.getByRole('alert').waitFor();
    expect(await o.page.getByRole('alert').textContent()).toContain('登录失败');
    // The 401 the browser logs for the refused login is the test's own doing.
    expectNoBrowserErrors(o, [/401/]);
  });
});
