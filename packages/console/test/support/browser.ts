/**
 * Debian's Chromium driven by playwright-core (no browser download: docs/console.md
 * "Tests"). A machine without /usr/bin/chromium skips the browser suites and says so,
 * unless KAOQIN_REQUIRE_BROWSER=1 (.ci/run sets it), where that is a failure.
 * Every page a test opens records the browser's console errors and uncaught exceptions;
 * `expectNoBrowserErrors` is called at the end of each test.
 */
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkipReason } from '@kaoqin/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Why the browser suites cannot run here (undefined: they can): testkit's chromium.ts. */
export function browserSkipReason(): string | undefined {
  return chromiumSkipReason('console');
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
}

export interface OpenPage {
  page: Page;
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[];
}

export async function openPage(
  browser: Browser,
  opts: { lang?: 'zh' | 'en'; width?: number; height?: number } = {},
): Promise<OpenPage> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    locale: opts.lang === 'en' ? 'en-US' : 'zh-CN',
    acceptDownloads: true,
  });
  // A string, not a function: this file also compiles where the DOM's types are absent (bench/).
  if (opts.lang === 'en')
    await context.addInitScript({ content: "localStorage.setItem('kaoqin.lang', 'en')" });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  return { page, errors };
}

/** Logs in through the login page and waits for the frame. */
export async function login(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('button[type=submit]').click();
  await page.getByTestId('account-name').waitFor();
}

/**
 * Fails on any browser error. `allow` lists patterns a test provoked on purpose (an API
 * it made fail logs its 500 as a network error in the browser's console).
 */
export function expectNoBrowserErrors(o: OpenPage, allow: RegExp[] = []): void {
  expect(o.errors.filter((e) => !allow.some((r) => r.test(e)))).toEqual([]);
}
