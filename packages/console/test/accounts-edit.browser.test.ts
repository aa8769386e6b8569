/**
 * Changing accounts in the accounts page, in a real browser against a real platform: an
 * admin moves a site manager to another site (their session gets the new scope at its next
 * request), then makes the account a vendor's; a site deleted while the dialog was open is
 * the API's refusal, shown at the sites field, and nothing changes; disabling ends the
 * account's logins and enabling restores them; a reset password is shown once and logs in.
 * The admin's own row offers neither edit nor disable, and an operator has no accounts page.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { browserSkipReason, expectNoBrowserErrors, launchBrowser, login, openPage } from './support/browser';
import { ADMIN_PASSWORD, type ConsolePlatform, startConsolePlatform } from './support/platform';

const skip = browserSkipReason();

interface Account {
  username: string;
  role: string;
  siteIds: string[];
  vendorId: string | null;
  disabled: boolean;
}

describe.skipIf(skip)('accounts: edit, disable, reset password (Chromium)', () => {
  let p: ConsolePlatform;
  let browser: Browser;
  let siteA: string;
  let siteB: string;

  beforeAll(async () => {
    p = await startConsolePlatform();
    browser = await launchBrowser();
    siteA = (await p.api.call<{ id: string }>('POST', '/sites', { name: '甲工地' })).id;
    siteB = (await p.api.call<{ id: string }>('POST', '/sites', { name: '乙工地' })).id;
    for (const username of ['li-edit', 'wang-edit'])
      await p.api.call('POST', '/accounts', {
        username,
        password: `${username}-password`,
        role: 'site_manager',
        siteIds: [siteA],
      });
    await p.api.call('POST', '/accounts', {
      username: 'op-acc',
      password: 'op-acc-password',
      role: 'operator',
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await p?.stop();
  });

  const account = (username: string) => p.api.call<Account>('GET', `/accounts/${username}`);

  async function accountsPage(page: Page) {
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${p.url}/accounts`);
    await page.getByTestId('accounts-table').locator('tr', { hasText: 'li-edit' }).waitFor();
  }

  const saveButton = (page: Page) => page.getByRole('dialog').getByRole('button', { name: /保\s*存/ });

  it('moves a site manager to another site, then makes the account a vendor’s', async () => {
    const o = await openPage(browser);
    const { page } = o;
    await accountsPage(page);
    // The admin's own row: no edit, no disable (the console would lock itself out).
    expect(await page.getByTestId('edit-admin').count()).toBe(0);
    const row = page.getByTestId('accounts-table').locator('tr', { hasText: 'li-edit' });
    expect(await row.textContent()).toContain('甲工地');
    const before = await p.api.login('li-edit', 'li-edit-password');

    await page.getByTestId('edit-li-edit').click();
    const form = page.getByTestId('edit-account-form');
    await form.waitFor();
    // The sites field (the second select): 甲 off, 乙 on.
    await form.locator('.ant-select').nth(1).click();
    await page.locator('.ant-select-item-option[title="甲工地"]').click();
    await page.locator('.ant-select-item-option[title="乙工地"]').click();
    await page.keyboard.press('Escape');
    await saveButton(page).click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => row.textContent()).toContain('乙工地');
    expect(await row.textContent()).not.toContain('甲工地');
    expect(await account('li-edit')).toMatchObject({ role: 'site_manager', siteIds: [siteB] });
    // The session the account had keeps working, with the new scope.
    expect(await p.api.as(before).call('GET', '/auth/me')).toMatchObject({ siteIds: [siteB] });

    await page.getByTestId('edit-li-edit').click();
    await form.waitFor();
    // Picked again until the select shows it: on a loaded machine a click can land while
    // the dropdown is still opening, and the form would then save the old role.
    const roleSelect = form.locator('.ant-select').first();
    await vi.waitFor(
      async () => {
        if (!(await page.locator('.ant-select-dropdown:visible').count())) await roleSelect.click();
        await page.locator('.ant-select-item-option[title="设备厂商"]').click({ timeout: 3000 });
        expect(await roleSelect.textContent()).toContain('设备厂商');
      },
      { timeout: 20_000, interval: 200 },
    );
    // A vendor account needs its vendor: the form says so before asking the API.
    await saveButton(page).click();
    await form.getByText('请选择厂商').waitFor();
    await form.locator('.ant-select').nth(1).click();
    await page.locator('.ant-select-item-option[title="控制台测试厂商"]').click();
    await saveButton(page).click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => row.textContent()).toContain('设备厂商');
    expect(await row.textContent()).toContain(p.creds.vendorId);
    expect(await account('li-edit')).toMatchObject({
      role: 'vendor',
      siteIds: [],
      vendorId: p.creds.vendorId,
    });
    expectNoBrowserErrors(o);
    await page.context().close();
  }, 120_000);

  it('shows the API refusing a site deleted meanwhile at the sites field, and changes nothing', async () => {
    const gone = (await p.api.call<{ id: string }>('POST', '/sites', { name: '丙工地' })).id;
    const o = await openPage(browser);
    const { page } = o;
    await accountsPage(page);
    await page.getByTestId('edit-wang-edit').click();
    const form = page.getByTestId('edit-account-form');
    await form.waitFor();
    await form.locator('.ant-select').nth(1).click();
    await page.locator('.ant-select-item-option[title="丙工地"]').click();
    await page.keyboard.press('Escape');
    await p.api.call('DELETE', `/sites/${gone}`);
    await saveButton(page).click();
    const sites = form.locator('.ant-form-item').filter({ hasText: '负责工地' });
    await sites.locator('.ant-form-item-explain-error').waitFor();
    expect(await sites.locator('.ant-form-item-explain-error').textContent()).toContain('no such site');
    expect(await form.isVisible()).toBe(true);
    expect(await account('wang-edit')).toMatchObject({ role: 'site_manager', siteIds: [siteA] });
    // The 400 the browser logs is the point of this test.
    expectNoBrowserErrors(o, [/400/]);
    await page.context().close();
  }, 120_000);

  it('disables and enables an account, and resets its password (shown once)', async () => {
    const o = await openPage(browser);
    const { page } = o;
    await accountsPage(page);
    const row = page.getByTestId('accounts-table').locator('tr', { hasText: 'wang-edit' });
    // The popconfirm just opened: the one before may still be fading out (two in the DOM,
    // both visible for a moment), and each opens in its own container appended to the body.
    const confirm = page
      .locator('.ant-popconfirm:not(.ant-popover-hidden)')
      .getByRole('button', { name: /确\s*定/ })
      .last();

    await row.getByRole('button', { name: /停\s*用/ }).click();
    await confirm.click();
    await row.getByText('已停用').waitFor();
    await expect(p.api.login('wang-edit', 'wang-edit-password')).rejects.toThrow(/401/);

    await row.getByRole('button', { name: /启\s*用/ }).click();
    await confirm.click();
    await row.getByRole('button', { name: /停\s*用/ }).waitFor();
    expect(await account('wang-edit')).toMatchObject({ disabled: false });
    await p.api.login('wang-edit', 'wang-edit-password');

    await row.getByRole('button', { name: '重置密码' }).click();
    await confirm.click();
    const shown = page.getByTestId('one-time-password');
    await shown.waitFor();
    const password = (await shown.textContent())!.trim();
    expect(password.length).toBeGreaterThanOrEqual(8);
    await p.api.login('wang-edit', password);
    await expect(p.api.login('wang-edit', 'wang-edit-password')).rejects.toThrow(/401/);
    expectNoBrowserErrors(o);
    await page.context().close();
  }, 120_000);

  it('gives an operator no accounts page', async () => {
    const o = await openPage(browser);
    const { page } = o;
    await login(page, p.url, 'op-acc', 'op-acc-password');
    expect(await page.getByRole('menuitem', { name: '账户与角色' }).count()).toBe(0);
    await page.goto(`${p.url}/accounts`);
    await page.getByText('页面不存在').waitFor();
    expect(await page.getByTestId('edit-li-edit').count()).toBe(0);
    expectNoBrowserErrors(o);
    await page.context().close();
  }, 120_000);
});
