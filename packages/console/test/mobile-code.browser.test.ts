/**
 * Phone clock-in (移动考勤, issue 14) from the console, in a real browser against a real
 * platform: a site manager opens a worker's page and creates a one-time code for the
 * site; the dialog shows 8 digits, the expiry asked for, the full link and a QR code that
 * decodes to that link, and says the code is shown once (closing forgets it). The code
 * is then the real thing: the phone API registers a phone with it and the worker's ID
 * tail, once. That phone is listed as a phone, its page links to the worker (the API's
 * personId), and the edit dialog's switch disables it. The site's phone tab shows the
 * entry QR code (the phone page's address) and lists the phone with its worker. An
 * auditor gets no code button. Nothing here is skipped when the route is missing: the POST's 404 fails it.
 */
import { idNumber, makePhoto } from '@kaoqin/testkit';
import jsQR from 'jsqr';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, expectNoBrowserErrors, launchBrowser, login, openPage } from './support/browser';
import { type ConsolePlatform, startConsolePlatform } from './support/platform';

const skip = browserSkipReason();
const SITE = '手机考勤测试工地';
const HOURS = 2;

/** The phone API's answer to a registration (issue 14 contracts §2), as far as read here. */
interface Registered {
  sn: string;
  person: { personId: string };
  site: { siteId: string };
}

interface DeviceView {
  sn: string;
  kind: string;
  disabled: boolean;
  personId?: string | null;
}

/**
 * What the QR code on the page says: its canvas's pixels, laid on white with a quiet zone
 * (antd draws dark modules on a transparent ground and no margin), decoded by jsQR.
 */
async function readQr(qr: Locator): Promise<string | undefined> {
  const img = await qr.locator('canvas').evaluate((c: HTMLCanvasElement) => {
    const margin = 32;
    const out = document.createElement('canvas');
    out.width = c.width + 2 * margin;
    out.height = c.height + 2 * margin;
    const g = out.getContext('2d')!;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, out.width, out.height);
    g.drawImage(c, margin, margin);
    const d = g.getImageData(0, 0, out.width, out.height);
    return { width: d.width, height: d.height, data: Array.from(d.data) };
  });
  // jsqr is CommonJS: under Node its default import may be the exports object that carries the function.
  const decode = (jsQR as unknown as { default?: typeof jsQR }).default ?? jsQR;
  return decode(new Uint8ClampedArray(img.data), img.width, img.height)?.data;
}

/** A minute shown as 'YYYY-MM-DD HH:mm' in the browser's zone (the test's own: same machine). */
function minuteOf(shown: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(shown);
  if (!m) throw new Error(`not a minute: ${shown}`);
  return new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!).getTime();
}

describe.skipIf(skip)('phone clock-in codes (Chromium)', () => {
  let p: ConsolePlatform;
  let browser: Browser;
  let siteId: string;
  let personId: string;
  const id = idNumber();
  let phone: Registered | undefined;

  beforeAll(async () => {
    p = await startConsolePlatform();
    browser = await launchBrowser();
    siteId = (await p.api.call<{ id: string }>('POST', '/sites', { name: SITE })).id;
    personId = (
      await p.api.call<{ personId: string }>('POST', '/persons', {
        name: '钱手机',
        idNumber: id,
        photos: [(await makePhoto(1401)).toString('base64')],
        assignments: [{ siteId }],
      })
    ).personId;
    for (const a of [
      { username: 'mgr-m', role: 'site_manager', siteIds: [siteId] },
      { username: 'aud-m', role: 'auditor' },
    ])
      await p.api.call('POST', '/accounts', { ...a, password: `${a.username}-password` });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await p?.stop();
  });

  async function workerPage(page: Page, username: string) {
    await login(page, p.url, username, `${username}-password`);
    await page.goto(`${p.url}/workers/${personId}`);
    await page.getByTestId('assignments').waitFor();
  }

  const register = (code: string) =>
    fetch(`${p.url}/api/mobile/v1/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code, idLast6: id.slice(-6) }),
    });

  it('a site manager creates a code: 8 digits, its expiry, a QR code of the link, shown once', async () => {
    const o = await openPage(browser);
    const { page } = o;
    await workerPage(page, 'mgr-m');
    await page.getByTestId(`mobile-code-${siteId}`).click();
    const hours = page.getByTestId('mobile-code-hours');
    await hours.waitFor();
    await hours.fill(String(HOURS));
    const before = Date.now();
    await page.getByTestId('mobile-code-create').click();
    const result = page.getByTestId('mobile-code-result');
    const refused = page.getByTestId('mobile-code-error');
    await result.or(refused).waitFor();
    const after = Date.now();
    // The API's refusal (a 404 while the route does not exist) fails here, saying what it was.
    expect((await refused.count()) ? await refused.textContent() : null).toBeNull();

    const code = (await page.getByTestId('mobile-code-digits').textContent())?.trim() ?? '';
    expect(code).toMatch(/^\d{8}$/);
    const link = `${p.url}/m/#code=${code}`;
    expect((await page.getByTestId('mobile-code-link').textContent())?.trim()).toBe(link);
    const expires = minuteOf((await page.getByTestId('mobile-code-expires').textContent()) ?? '');
    expect(expires).toBeGreaterThanOrEqual(Math.floor((before + HOURS * 3_600_000) / 60_000) * 60_000);
    expect(expires).toBeLessThanOrEqual(after + HOURS * 3_600_000);
    expect(await readQr(page.getByTestId('mobile-code-qr'))).toBe(link);
    expect(await result.textContent()).toContain('只显示这一次');

    // Closed, it is gone: opened again, the dialog offers a new code, not the old one.
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /完\s*成/ })
      .click();
    await result.waitFor({ state: 'detached' });
    await page.getByTestId(`mobile-code-${siteId}`).click();
    await page.getByTestId('mobile-code-create').waitFor();
    expect(await page.getByTestId('mobile-code-digits').count()).toBe(0);
    expect(await page.getByRole('dialog').textContent()).not.toContain(code);

    // The code is real: it registers the worker's phone on the site, once.
    const first = await register(code);
    expect(first.status).toBe(201);
    phone = (await first.json()) as Registered;
    expect(phone).toMatchObject({ person: { personId }, site: { siteId } });
    const again = await register(code);
    expect(again.status).toBe(422);
    expect(((await again.json()) as { code: string }).code).toBe('mobile_code_invalid');
    expectNoBrowserErrors(o);
    await page.context().close();
  }, 120_000);

  it('lists the phone as a phone, links its worker, and disables it', async () => {
    expect(phone).toBeDefined();
    const sn = phone!.sn;
    const o = await openPage(browser);
    const { page } = o;
    await login(page, p.url, 'mgr-m', 'mgr-m-password');
    await page.goto(`${p.url}/devices`);
    const row = page.getByTestId('device-table').locator('tr', { hasText: sn });
    await row.getByTestId('kind-mobile').waitFor();
    await row.getByRole('link', { name: sn }).click();
    await page.getByTestId('mobile-hint').waitFor();
    expect(await page.getByTestId('device-facts').getByTestId('kind-mobile').count()).toBe(1);
    const view = await p.api.call<DeviceView>('GET', `/devices/${encodeURIComponent(sn)}`);
    expect(view.kind).toBe('mobile');
    // The API names the phone's worker; the page links to them.
    expect(view.personId).toBe(personId);
    await page.getByTestId('device-worker').click();
    await page.getByTestId('worker-name').waitFor();
    expect(await page.getByTestId('worker-name').textContent()).toBe('钱手机');
    await page.goBack();
    await page.getByTestId('mobile-hint').waitFor();

    // Disabled with the device's own edit dialog.
    await page.getByRole('button', { name: /编\s*辑/ }).click();
    const dialog = page.getByRole('dialog');
    // The switch is "停用" (checked = disabled). A click while the dialog is still opening
    // was lost once in CI (saved unchanged, so the poll below never saw disabled): press it
    // again if it has not taken within 3 s, then save only once it reads checked.
    const toggle = dialog.getByRole('switch');
    const checked = dialog.getByRole('switch', { checked: true });
    await toggle.click();
    try {
      await checked.waitFor({ timeout: 3000 });
    } catch {
      await toggle.click();
      await checked.waitFor();
    }
    await dialog.getByRole('button', { name: /保\s*存/ }).click();
    await dialog.waitFor({ state: 'detached' });
    // The dialog may close before the PATCH lands: poll long enough for a loaded CI machine
    // (expect.poll's default second was missed once there).
    await expect
      .poll(
        async () => (await p.api.call<DeviceView>('GET', `/devices/${encodeURIComponent(sn)}`)).disabled,
        {
          timeout: 15_000,
        },
      )
      .toBe(true);
    await page.getByText('已停用', { exact: true }).first().waitFor();
    expectNoBrowserErrors(o);
    await page.context().close();
  }, 120_000);

  it("shows the site's phone entry (a QR code of the phone page) and its registered phones", async () => {
    expect(phone).toBeDefined();
    const o = await openPage(browser);
    const { page } = o;
    await login(page, p.url, 'mgr-m', 'mgr-m-password');
    await page.goto(`${p.url}/sites/${siteId}?tab=phones`);
    const entry = page.getByTestId('site-phone-entry');
    await entry.waitFor();
    expect((await page.getByTestId('site-phone-entry-link').textContent())?.trim()).toBe(`${p.url}/m/`);
    expect(await readQr(entry)).toBe(`${p.url}/m/`);
    // The link opens the phone page itself, not the console.
    const m = await fetch(`${p.url}/m/`, { headers: { accept: 'text/html' } });
    expect(m.status).toBe(200);
    expect(await m.text()).toContain('/m/');
    const row = page.getByTestId('site-phones').locator('tr', { hasText: phone!.sn });
    await row.waitFor();
    expect(await row.getByRole('link', { name: personId }).count()).toBe(1);
    expectNoBrowserErrors(o);
    await page.context().close();
  }, 120_000);

  it('offers an auditor no code', async () => {
    const o = await openPage(browser);
    await workerPage(o.page, 'aud-m');
    expect(await o.page.getByTestId(`mobile-code-${siteId}`).count()).toBe(0);
    expectNoBrowserErrors(o);
    await o.page.context().close();
  }, 120_000);
});
