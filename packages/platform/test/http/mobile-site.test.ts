/**
 * The phone page's files at /m/ (src/http/mobile.ts): a build in mobileDir is served
 * under /m/ with index.html for page GETs, immutable hashed assets, a service worker
 * never cached and allowed the /m/ scope, precompressed copies; misses under /m/ are
 * /m's own 404s, never the console's page; without a build /m/ says how to make one;
 * 'off' serves nothing there. The console beside it answers as before.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let consoleBuild: string;
let mobileBuild: string;
const BIG_JS = `export const rows = [${Array.from({ length: 500 }, (_, i) => `"row ${i}"`).join(',')}];`;
beforeAll(async () => {
  consoleBuild = await mkdtemp(join(tmpdir(), 'kaoqin-console-build-'));
  await writeFile(join(consoleBuild, 'index.html'), '<!doctype html><div id="root">console</div>');
  mobileBuild = await mkdtemp(join(tmpdir(), 'kaoqin-mobile-build-'));
  await mkdir(join(mobileBuild, 'assets'));
  await mkdir(join(mobileBuild, 'models', 'human-3.3.6'), { recursive: true });
  await writeFile(join(mobileBuild, 'index.html'), '<!doctype html><div id="root">phone</div>');
  await writeFile(join(mobileBuild, 'sw.js'), BIG_JS);
  await writeFile(join(mobileBuild, 'sw.js.br'), brotliCompressSync(BIG_JS));
  await writeFile(join(mobileBuild, 'manifest.webmanifest'), '{"name":"x"}');
  await writeFile(join(mobileBuild, 'models', 'human-3.3.6', 'iris.json'), '{}');
  await writeFile(join(mobileBuild, 'assets', 'big-def456.js'), BIG_JS);
  await writeFile(join(mobileBuild, 'assets', 'big-def456.js.br'), brotliCompressSync(BIG_JS));
});
afterAll(async () => {
  await rm(consoleBuild, { recursive: true, force: true });
  await rm(mobileBuild, { recursive: true, force: true });
});

let t: TestPlatform | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});
const url = (path: string) => `http://127.0.0.1:${t!.platform.httpPort}${path}`;
const html = { accept: 'text/html,application/xhtml+xml' };

describe('phone page site (/m/)', () => {
  it('serves a build at /m/ beside the console', async () => {
    t = await startTestPlatform({ 'console-dir': consoleBuild, 'mobile-dir': mobileBuild });
    const page = await fetch(url('/m/'), { headers: html });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('phone');
    const bare = await fetch(url('/m'), { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/m/');
    // A page GET under /m/ (a bookmark, #code= links land on /m/) is the phone page.
    const deep = await fetch(url('/m/anything?x=1'), { headers: html });
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('phone');
    const sw = await fetch(url('/m/sw.js'));
    expect(sw.status).toBe(200);
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    expect(sw.headers.get('service-worker-allowed')).toBe('/m/');
    expect(sw.headers.get('content-type')).toContain('javascript');
    expect((await fetch(url('/m/manifest.webmanifest'))).status).toBe(200);
    expect((await fetch(url('/m/models/human-3.3.6/iris.json'))).headers.get('cache-control')).toBe(
      'no-cache',
    );
    const asset = await fetch(url('/m/assets/big-def456.js'));
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // Not a page: a missing script under /m/ is /m's 404, not the console's page.
    const missing = await fetch(url('/m/assets/missing.js'));
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('console');
    // The console is still the console.
    expect(await (await fetch(url('/workers/1'), { headers: html })).text()).toContain('console');
    expect((await fetch(url('/api/mobile/v1/frames'))).status).toBe(404);
  });

  it('sends the precompressed copy to a browser that accepts brotli, sw.js with its headers', async () => {
    t = await startTestPlatform({ 'console-dir': consoleBuild, 'mobile-dir': mobileBuild });
    // node:http, not fetch: fetch would decode the body and hide which copy was sent.
    const get = (path: string) =>
      new Promise<{ headers: IncomingHttpHeaders; bytes: Buffer }>((done, fail) => {
        httpGet(url(path), { headers: { 'accept-encoding': 'br' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done({ headers: res.headers, bytes: Buffer.concat(chunks) }));
        }).on('error', fail);
      });
    const asset = await get('/m/assets/big-def456.js');
    expect(asset.headers['content-encoding']).toBe('br');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(brotliDecompressSync(asset.bytes).toString()).toBe(BIG_JS);
    const sw = await get('/m/sw.js');
    expect(sw.headers['content-encoding']).toBe('br');
    expect(sw.headers['cache-control']).toBe('no-cache');
    expect(sw.headers['service-worker-allowed']).toBe('/m/');
  });

  it('says how to build the page when there is no build', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'kaoqin-mobile-empty-'));
    try {
      t = await startTestPlatform({ 'console-dir': consoleBuild, 'mobile-dir': empty });
      const page = await fetch(url('/m/'), { headers: html });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('npm run build');
      expect((await fetch(url('/m/x'), { headers: html })).status).toBe(404);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("serves nothing under /m/ with mobileDir 'off', and the console's page does not answer there", async () => {
    t = await startTestPlatform({ 'console-dir': consoleBuild, 'mobile-dir': 'off' });
    const page = await fetch(url('/m/'), { headers: html });
    expect(page.status).toBe(404);
    expect(await page.text()).not.toContain('console');
    expect(await (await fetch(url('/'), { headers: html })).text()).toContain('console');
  });
});
