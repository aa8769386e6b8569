/**
 * npm run screenshots: PNGs of the console's pages, in Chinese and in English, into
 * docs/screenshots/<lang>/ (linked from the README). A real platform in this process
 * (SQLite in a temp dir, the built console), seeded through the management API as an
 * operator would (two sites with fences, a vendor, a device bound to a site, six workers
 * with real face photos from testkit), one SDK device online that holds the workers and
 * clocks them in; then Debian's Chromium logs in and visits every page of the menu.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeviceClient } from '@kaoqin/device';
import { idNumberOf, realFace, waitFor } from '@kaoqin/testkit';
import { browserSkipReason, launchBrowser, login, openPage } from '../test/support/browser';
import { ensureConsoleBuilt } from '../test/support/build';
import { ADMIN_PASSWORD, CONSOLE_DIR, startConsolePlatform } from '../test/support/platform';

const OUT = resolve(CONSOLE_DIR, '../../docs/screenshots');
const NAMES = ['李建国', '王秀英', '张伟', '刘洋', '陈静', '赵磊'];

async function main(): Promise<void> {
  const skip = browserSkipReason();
  if (skip) throw new Error(skip);
  ensureConsoleBuilt();
  const p = await startConsolePlatform();
  const deviceDir = await mkdtemp(join(tmpdir(), 'kaoqin-shot-device-'));
  let device: DeviceClient | undefined;
  try {
    const site = await p.api.call<{ id: string }>('POST', '/sites', {
      name: '西湖文化广场工地',
      geofence: { type: 'circle', center: { lat: 30.275, lng: 120.155 }, radiusMeters: 300 },
    });
    await p.api.call('POST', '/sites', {
      name: '钱江新城二期',
      geofence: {
        type: 'polygon',
        points: [
          { lat: 30.245, lng: 120.21 },
          { lat: 30.247, lng: 120.215 },
          { lat: 30.243, lng: 120.218 },
        ],
      },
    });
    await p.api.call('POST', '/devices', { vendorId: p.creds.vendorId, sn: 'DK800-0001', siteId: site.id });
    await p.api.call('POST', '/devices', { vendorId: p.creds.vendorId, sn: 'DK800-0002', siteId: site.id });
    const faces = await realFace(NAMES.length);
    const persons: { personId: string; photo: Buffer }[] = [];
    for (const [i, name] of NAMES.entries()) {
      const photo = faces[i]!;
      const r = await p.api.call<{ personId: string }>('POST', '/persons', {
        name,
        idNumber: idNumberOf(1000 + i, { female: i % 3 === 1 }),
        photos: [photo.toString('base64')],
        assignments: [
          { siteId: site.id, team: i < 3 ? '钢筋班' : '木工班', trade: i < 3 ? '钢筋工' : '木工' },
        ],
      });
      persons.push({ personId: r.personId, photo });
    }
    device = new DeviceClient({
      identity: {
        sn: 'DK800-0001',
        accessId: p.creds.accessId,
        accessKey: p.creds.accessKey,
        accessSecret: p.creds.accessSecret,
        deviceVersion: 'v2.3.1',
        deviceIp: '192.168.1.20',
      },
      endpoints: { tcpHost: '127.0.0.1', tcpPort: p.platform.tcpPort, httpBaseUrl: p.url },
      dataDir: deviceDir,
    });
    await device.start();
    // The workers reach the device (its task runner downloads them) before they clock in.
    for (const w of persons)
      await waitFor(
        async () => {
          const d = await p.api.call<{ items: { sn: string | null; state: string }[] }>(
            'GET',
            `/persons/${w.personId}/distribution`,
          );
          return d.items.some((i) => i.sn === 'DK800-0001' && i.state === 'on_device');
        },
        60_000,
        `${w.personId} on the device`,
      );
    const clockInAll = async () => {
      for (const w of persons) {
        await device!.clockIn({ personId: w.personId, type: 1, img: w.photo });
        await device!.events.next('acked', 10_000);
      }
    };
    await clockInAll();

    const browser = await launchBrowser();
    try {
      for (const lang of ['zh', 'en'] as const) {
        const dir = join(OUT, lang);
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        const o = await openPage(browser, { lang, width: 1280, height: 800 });
        await o.page.goto(`${p.url}/login`);
        await o.page.waitForLoadState('networkidle');
        await o.page.screenshot({ path: join(dir, '00-login.png') });
        await login(o.page, p.url, 'admin', ADMIN_PASSWORD);
        const items = o.page.getByRole('menuitem');
        const count = await items.count();
        for (let i = 0; i < count; i++) {
          await items.nth(i).click();
          await o.page.waitForLoadState('networkidle');
          await o.page.waitForTimeout(800); // charts animate in
          const slug = new URL(o.page.url()).pathname.split('/')[1] ?? `page-${i}`;
          // The dashboard's feed is live: clock-ins made while it is open.
          if (slug === 'dashboard') {
            await clockInAll();
            await o.page.waitForTimeout(1500);
          }
          const file = join(dir, `${String((i + 1) * 10).padStart(2, '0')}-${slug}.png`);
          await o.page.screenshot({ path: file, fullPage: true });
          console.log(file);
        }
        if (o.errors.length > 0) console.warn(`browser errors (${lang}):\n  ${o.errors.join('\n  ')}`);
        await o.page.context().close();
      }
    } finally {
      await browser.close();
    }
  } finally {
    await device?.stop();
    await rm(deviceDir, { recursive: true, force: true });
    await p.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
