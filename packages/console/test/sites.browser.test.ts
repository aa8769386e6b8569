/**
 * The sites area in a real browser against a real platform: create a site, draw its
 * geofence on the canvas with the mouse (a polygon, then a circle), save, and check
 * through the API that what is stored is what was drawn; type a radius by keyboard;
 * rename the site, and see a concurrent change answered with "someone else changed it";
 * the list with its API failing shows the error state and recovers on retry; an auditor
 * sees no create, edit or drawing controls; teams and sub-contractors are added, renamed
 * and removed; a simulated device's located clock-ins are plotted on the canvas; a site
 * manager (in English) sees only its own sites, and another's URL is not found. No browser errors beyond those provoked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceClient } from '@kaoqin/device';
import { idNumberOf, makePhoto } from '@kaoqin/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distanceMeters, toLatLng, type View } from '../src/pages/sites/fence/geo';
import type { Geofence, Site } from '../src/pages/sites/types';
import { browserSkipReason, expectNoBrowserErrors, launchBrowser, login, openPage } from './support/browser';
import { ADMIN_PASSWORD, type ConsolePlatform, startConsolePlatform } from './support/platform';

const skip = browserSkipReason();
const SIZE = { width: 800, height: 480 };
const save = /保\s*存/;

/** The canvas's projection and where it sits on the page. */
async function canvasOf(page: Page) {
  const el = page.getByTestId('fence-canvas');
  const box = (await el.boundingBox())!;
  const num = async (a: string) => Number(await el.getAttribute(a));
  const view: View = {
    center: { lat: await num('data-center-lat'), lng: await num('data-center-lng') },
    metersPerPixel: await num('data-meters-per-pixel'),
  };
  const scale = box.width / SIZE.width;
  return {
    view,
    scale,
    /** Page pixels of a canvas point. */
    at: (x: number, y: number) => ({ x: box.x + x * scale, y: box.y + y * scale }),
    /** The WGS-84 point a canvas point stands for. */
    latLng: (x: number, y: number) => toLatLng(x, y, view, SIZE),
  };
}

/** An antd InputNumber's input by its test id (antd puts the id on the input or its wrapper). */
const numberInput = (page: Page, id: string) =>
  page.locator(`input[data-testid="${id}"], [data-testid="${id}"] input`).first();

/** Within `px` canvas pixels of the expected point (mouse positions are whole page pixels). */
function near(
  a: { lat: number; lng: number },
  b: { lat: number; lng: number },
  metersPerPixel: number,
  px = 2,
) {
  expect(distanceMeters(a, b)).toBeLessThan(metersPerPixel * px);
}

describe.skipIf(skip)('sites and the geofence editor (Chromium)', () => {
  let p: ConsolePlatform;
  let browser: Browser;
  let siteId = '';
  beforeAll(async () => {
    p = await startConsolePlatform();
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await p?.stop();
  });

  it('creates a site, draws a polygon and a circle, types a radius, renames it', async () => {
    const o = await openPage(browser);
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${p.url}/sites`);
    await page.getByTestId('site-create').click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#site_name').fill('西湖文化广场工地');
    await dialog.locator('#site_address').fill('杭州市西湖区');
    await dialog.locator('#site_lat').fill('30.2741');
    await dialog.locator('#site_lng').fill('120.1551');
    await dialog.getByRole('button', { name: save }).click();
    await page.waitForURL(/\/sites\/\d+$/);
    siteId = /\/sites\/(\d+)$/.exec(page.url())![1]!;
    await expect.poll(() => page.getByTestId('site-title').textContent()).toBe('西湖文化广场工地');

    // A polygon: four clicks, then the first vertex again to close it.
    await page.getByRole('tab', { name: '电子围栏' }).click();
    await page.getByText('画多边形', { exact: true }).click();
    let c = await canvasOf(page);
    const corners = [
      [250, 140],
      [550, 150],
      [530, 360],
      [240, 330],
    ] as const;
    for (const [x, y] of corners) await page.mouse.click(c.at(x, y).x, c.at(x, y).y);
    await page.mouse.click(c.at(250, 140).x, c.at(250, 140).y);
    await expect.poll(() => page.getByTestId('fence-type').textContent()).toBe('多边形围栏');
    const typed = await Promise.all(
      corners.map(async (_, i) => ({
        lat: Number(await numberInput(page, `fence-vertex-lat-${i}`).inputValue()),
        lng: Number(await numberInput(page, `fence-vertex-lng-${i}`).inputValue()),
      })),
    );
    await page.getByTestId('fence-save').click();
    await expect
      .poll(async () => (await p.api.call<Site>('GET', `/sites/${siteId}`)).geofence?.type)
      .toBe('polygon');
    const polygon = (await p.api.call<Site>('GET', `/sites/${siteId}`)).geofence as Extract<
      Geofence,
      { type: 'polygon' }
    >;
    expect(polygon.points).toEqual(typed); // what the inputs showed is what was stored
    expect(polygon.points).toHaveLength(4);
    for (const [i, [x, y]] of corners.entries())
      near(polygon.points[i]!, c.latLng(x, y), c.view.metersPerPixel);

    // A circle: press at the centre, drag out 120 canvas pixels, release.
    await page.getByText('画圆', { exact: true }).click();
    c = await canvasOf(page);
    const from = c.at(400, 240);
    const to = c.at(520, 240);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('fence-type').textContent()).toBe('圆形围栏');
    await page.getByTestId('fence-save').click();
    await expect
      .poll(async () => (await p.api.call<Site>('GET', `/sites/${siteId}`)).geofence?.type)
      .toBe('circle');
    const circle = (await p.api.call<Site>('GET', `/sites/${siteId}`)).geofence as Extract<
      Geofence,
      { type: 'circle' }
    >;
    near(circle.center, c.latLng(400, 240), c.view.metersPerPixel);
    expect(Math.abs(circle.radiusMeters - 120 * c.view.metersPerPixel)).toBeLessThan(
      2 * c.view.metersPerPixel,
    );
    expect(Number(await numberInput(page, 'fence-radius').inputValue())).toBe(circle.radiusMeters);

    // The numbers by keyboard: a radius and a tolerance typed, then saved.
    await numberInput(page, 'fence-radius').fill('250');
    await numberInput(page, 'fence-tolerance').fill('30');
    await page.keyboard.press('Tab');
    await page.getByTestId('fence-save').click();
    await expect
      .poll(async () => {
        const s = await p.api.call<Site>('GET', `/sites/${siteId}`);
        return [s.geofence?.type === 'circle' ? s.geofence.radiusMeters : null, s.fenceToleranceMeters];
      })
      .toEqual([250, 30]);

    // Rename on the details tab.
    await page.getByRole('tab', { name: '基本信息' }).click();
    await page.getByTestId('site-edit').click();
    await dialog.locator('#site_name').fill('西湖文化广场二期');
    await dialog.getByRole('button', { name: save }).click();
    await expect.poll(() => page.getByTestId('site-title').textContent()).toBe('西湖文化广场二期');
    expect((await p.api.call<Site>('GET', `/sites/${siteId}`)).name).toBe('西湖文化广场二期');

    // Someone else saves in between: 412, the user is told, the site is read again.
    await page.getByTestId('site-edit').click();
    await p.api.call('PATCH', `/sites/${siteId}`, { address: '杭州市上城区' });
    await dialog.locator('#site_name').fill('不会保存的名称');
    await dialog.getByRole('button', { name: save }).click();
    const warning = page.locator('.ant-modal-confirm');
    await warning.locator('.ant-modal-confirm-title', { hasText: '工地已被他人修改' }).waitFor();
    await warning.locator('.ant-modal-confirm-btns button').click();
    expect((await p.api.call<Site>('GET', `/sites/${siteId}`)).name).toBe('西湖文化广场二期');
    // The form now holds the fresh read: the other user's address, the saved name.
    await expect.poll(() => dialog.locator('#site_address').inputValue()).toBe('杭州市上城区');
    expect(await dialog.locator('#site_name').inputValue()).toBe('西湖文化广场二期');
    expectNoBrowserErrors(o, [/412/]);
  }, 120_000);

  it('shows the error state when the sites API fails, and recovers on retry', async () => {
    const o = await openPage(browser);
    const { page } = o;
    const seeded = await p.api.call<Site>('POST', '/sites', { name: '错误状态测试工地' });
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    const fail = (r: import('playwright-core').Route) =>
      r.fulfill({
        status: 500,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'boom', status: 500, code: 'internal' }),
      });
    await page.route('**/api/v1/sites?*', fail);
    await page.goto(`${p.url}/sites`);
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.textContent()).toContain('加载失败');
    expect(await alert.textContent()).toContain('boom');
    await page.unroute('**/api/v1/sites?*', fail);
    await alert.getByRole('button').click();
    await page.getByRole('link', { name: seeded.name }).waitFor();

    // The one site's page failing too.
    await page.route(`**/api/v1/sites/${seeded.id}`, fail);
    await page.goto(`${p.url}/sites/${seeded.id}`);
    await page.getByRole('alert').waitFor({ timeout: 20_000 });
    expect(await page.getByRole('alert').textContent()).toContain('boom');
    expectNoBrowserErrors(o, [/500/]);
  }, 120_000);

  it('offers an auditor no create, edit or drawing controls', async () => {
    await p.api.call('POST', '/accounts', {
      username: 'sites-auditor',
      password: 'auditor-password-1',
      role: 'auditor',
    });
    const seeded = await p.api.call<Site>('POST', '/sites', {
      name: '审计员查看的工地',
      geofence: { type: 'circle', center: { lat: 30.27, lng: 120.15 }, radiusMeters: 200 },
    });
    const o = await openPage(browser);
    const { page } = o;
    await login(page, p.url, 'sites-auditor', 'auditor-password-1');
    await page.goto(`${p.url}/sites`);
    await page.getByRole('link', { name: seeded.name }).click();
    await page.getByTestId('site-title').waitFor();
    expect(await page.getByTestId('site-create').count()).toBe(0);
    expect(await page.getByTestId('site-edit').count()).toBe(0);
    expect(await page.getByTestId('site-delete').count()).toBe(0);
    await page.getByRole('tab', { name: '电子围栏' }).click();
    await page.getByTestId('fence-canvas').waitFor();
    expect(await page.getByText('画圆', { exact: true }).count()).toBe(0);
    expect(await page.getByText('画多边形', { exact: true }).count()).toBe(0);
    expect(await page.getByTestId('fence-save').count()).toBe(0);
    expect(await numberInput(page, 'fence-radius').isDisabled()).toBe(true);
    await page.getByRole('tab', { name: '班组' }).click();
    expect(await page.getByTestId('teams-add').count()).toBe(0);
    expectNoBrowserErrors(o);
  }, 120_000);
  it('adds, renames and removes teams and sub-contractors', async () => {
    const site = await p.api.call<Site>('POST', '/sites', { name: '班组测试工地' });
    const o = await openPage(browser);
    const { page } = o;
    await login(page, p.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${p.url}/sites/${site.id}?tab=subcontractors`);
    await page.getByTestId('subcontractors-add').click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#site-subcontractors_name').fill('浙江某劳务公司');
    await dialog.getByRole('button', { name: save }).click();
    await page.getByRole('cell', { name: '浙江某劳务公司', exact: true }).waitFor();

    await page.getByRole('tab', { name: '班组' }).click();
    await page.getByTestId('teams-add').click();
    await dialog.locator('#site-teams_name').fill('钢筋班');
    await dialog.locator('#site-teams_subcontractorId').click();
    await page.locator('.ant-select-item-option', { hasText: '浙江某劳务公司' }).click();
    await dialog.getByRole('button', { name: save }).click();
    await page.getByRole('cell', { name: '钢筋班', exact: true }).waitFor();
    await page.getByRole('cell', { name: '浙江某劳务公司', exact: true }).waitFor();

    await page.getByRole('button', { name: '重命名 钢筋班' }).click();
    await dialog.locator('#site-teams_name').fill('木工班');
    await dialog.getByRole('button', { name: save }).click();
    await page.getByRole('cell', { name: '木工班', exact: true }).waitFor();
    const teams = await p.api.call<{ items: { name: string; subcontractorId: string | null }[] }>(
      'GET',
      `/sites/${site.id}/teams`,
    );
    expect(teams.items.map((t) => t.name)).toEqual(['木工班']);
    expect(teams.items[0]!.subcontractorId).not.toBeNull();

    await page.getByRole('button', { name: '删除 木工班' }).click();
    await page
      .locator('.ant-popconfirm')
      .getByRole('button', { name: /删\s*除/ })
      .click();
    await expect
      .poll(
        async () => (await p.api.call<{ items: unknown[] }>('GET', `/sites/${site.id}/teams`)).items.length,
      )
      .toBe(0);
    expectNoBrowserErrors(o);
  }, 120_000);

  it('plots a bound device and its located clock-ins on the fence canvas', async () => {
    const SN = 'CONSOLE-SITES-1';
    const center = { lat: 30.2741, lng: 120.1551 };
    const site = await p.api.call<Site>('POST', '/sites', {
      name: '定位测试工地',
      location: center,
      geofence: { type: 'circle', center, radiusMeters: 300 },
    });
    await p.api.call('POST', '/devices', { vendorId: p.creds.vendorId, sn: SN, siteId: site.id });
    const person = await p.api.call<{ personId: string }>('POST', '/persons', {
      name: '孙八',
      idNumber: idNumberOf(7410),
      photos: [(await makePhoto(941)).toString('base64')],
      assignments: [{ siteId: site.id, company: '浙江测试劳务公司', team: '木工班', trade: '木工' }],
    });
    const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-console-sites-'));
    const device = new DeviceClient({
      identity: {
        sn: SN,
        accessId: p.creds.accessId,
        accessKey: p.creds.accessKey,
        accessSecret: p.creds.accessSecret,
        deviceVersion: '1.0.0',
        deviceIp: '192.168.1.31',
      },
      endpoints: { tcpHost: '127.0.0.1', tcpPort: p.platform.tcpPort, httpBaseUrl: p.url },
      dataDir,
      heartbeatMs: 500,
      taskRunner: false,
    });
    try {
      await device.start();
      await device.whenOnline();
      for (const [i, d] of [0.0005, 0.001].entries()) {
        const acked = device.events.next('acked', 15_000);
        await device.clockIn({
          personId: person.personId,
          type: 1,
          img: await makePhoto(942 + i),
          coordinate: { latitude: center.lat + d, longitude: center.lng + d },
        });
        await acked;
      }
      const o = await openPage(browser);
      const { page } = o;
      await login(page, p.url, 'admin', ADMIN_PASSWORD);
      await page.goto(`${p.url}/sites/${site.id}?tab=fence`);
      await page.getByTestId('fence-canvas').waitFor();
      await expect.poll(() => page.getByTestId('plot-clock-in').count(), { timeout: 15_000 }).toBe(2);
      await expect.poll(() => page.getByTestId('plot-device').count()).toBe(1);
      expect(await page.getByTestId('plot-device').textContent()).toContain(SN);
      expect(await page.getByTestId('fence-shape').count()).toBe(1);
      expectNoBrowserErrors(o);
    } finally {
      await device.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
  it('shows a site manager only its own sites, in English; another site by URL is not found', async () => {
    const mine = await p.api.call<Site>('POST', '/sites', { name: 'Manager own site' });
    const other = await p.api.call<Site>('POST', '/sites', { name: 'Someone else site' });
    await p.api.call('POST', '/accounts', {
      username: 'sites-manager',
      password: 'manager-password-1',
      role: 'site_manager',
      siteIds: [mine.id],
    });
    const o = await openPage(browser, { lang: 'en' });
    const { page } = o;
    await login(page, p.url, 'sites-manager', 'manager-password-1');
    await page.goto(`${p.url}/sites`);
    await page.getByRole('link', { name: 'Manager own site' }).waitFor();
    expect(await page.getByRole('link', { name: 'Someone else site' }).count()).toBe(0);
    expect(await page.getByTestId('site-create').count()).toBe(0);
    await page.goto(`${p.url}/sites/${other.id}`);
    await page.getByText('No such page').waitFor();
    // Its own site: teams are its to manage, the site itself is not.
    await page.goto(`${p.url}/sites/${mine.id}?tab=teams`);
    await page.getByTestId('teams-add').waitFor();
    expect(await page.getByTestId('site-edit').count()).toBe(0);
    expectNoBrowserErrors(o, [/404/]);
  }, 120_000);
});
