/**
 * Headless Chromium (Debian's, through playwright-core, as the console's tests) with a
 * fake front camera: Chromium plays a Y4M file (testkit) as the camera, and grants the
 * camera without asking. One browser per video, since the file is a launch argument.
 * Pages get the camera and geolocation permissions and a position set by the test; the
 * page's test hook is switched on before it loads. Console errors and any request to
 * another origin than the platform's are collected.
 */
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkipReason, fakeCameraArgs } from '@kaoqin/testkit';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Why the browser suites cannot run here (undefined: they can): testkit's chromium.ts. */
export function browserSkipReason(): string | undefined {
  return chromiumSkipReason('mobile');
}

/** A browser whose camera plays `y4m` (an absolute path) in a loop. */
export function launchWithCamera(y4m: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...fakeCameraArgs(y4m)],
  });
}

export interface Phone {
  context: BrowserContext;
  page: Page;
  errors: string[];
  /** Requests to anywhere but the platform that served the page (a CDN would show here). */
  foreign: string[];
}

/** A phone-sized context at `position`, the test hook on, Chinese (the default). */
export async function openPhone(
  browser: Browser,
  url: string,
  position: { latitude: number; longitude: number },
): Promise<Phone> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    permissions: ['camera', 'geolocation'],
    geolocation: { ...position, accuracy: 12 },
  });
  await context.grantPermissions(['camera', 'geolocation'], { origin: url });
  await context.addInitScript({ content: "localStorage.setItem('kaoqin.m.test', '1')" });
  const page = await context.newPage();
  const errors: string[] = [];
  const foreign: string[] = [];
  // The context's, so the service worker's own fetches are seen too.
  context.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(`${url}/`) && !/^(data|blob):/.test(u)) foreign.push(u);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  return { context, page, errors, foreign };
}

/** Consent, then registration with a one-time code in the link; waits for home. */
export async function registerByCode(
  phone: Phone,
  url: string,
  code: string,
  idLast6: string,
): Promise<void> {
  const { page } = phone;
  await page.goto(`${url}/m/#code=${code}`);
  await page.getByTestId('consent-agree').click();
  await page.getByTestId('screen-register').waitFor();
  expect(await page.locator('#code').inputValue()).toBe(code);
  await page.locator('#idLast6').fill(idLast6);
  await page.getByRole('button', { name: '绑定', exact: true }).click();
  await page.getByTestId('screen-home').waitFor();
}

export async function queueCount(page: Page): Promise<number> {
  return Number(await page.getByTestId('queue-count').getAttribute('data-count'));
}

/** No browser error but those allowed, and nothing fetched from outside the platform. */
export function expectNoBrowserErrors(phone: Phone, allow: RegExp[] = []): void {
  expect(phone.errors.filter((e) => !allow.some((r) => r.test(e)))).toEqual([]);
  expect(phone.foreign).toEqual([]);
}
