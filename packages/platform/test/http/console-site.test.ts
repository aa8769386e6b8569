/**
 * The console's files on the platform's HTTP port (src/http/console.ts): a build in the
 * consoleDir is served at / with index.html for deep links and long-lived caching for
 * hashed assets; without a build / says how to make one; 'off' serves nothing; the
 * management API and the device endpoints answer as before in every case.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let build: string;
beforeAll(async () => {
  build = await mkdtemp(join(tmpdir(), 'kaoqin-console-build-'));
  await mkdir(join(build, 'assets'));
  await writeFile(join(build, 'index.html'), '<!doctype html><div id="root"></div>');
  await writeFile(join(build, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(build, 'favicon.svg'), '<svg/>');
  // A build's precompressed copies (vite.config.ts writes them for files of 1 KB and more).
  await writeFile(join(build, 'assets', 'big-def456.js'), BIG_JS);
  await writeFile(join(build, 'assets', 'big-def456.js.br'), brotliCompressSync(BIG_JS));
  await writeFile(join(build, 'assets', 'big-def456.js.gz'), gzipSync(BIG_JS));
});
const BIG_JS = `export const rows = [${Array.from({ length: 500 }, (_, i) => `"row ${i}"`).join(',')}];`;
afterAll(() => rm(build, { recursive: true, force: true }));

let t: TestPlatform | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});
const url = (path: string) => `http://127.0.0.1:${t!.platform.httpPort}${path}`;
const html = { accept: 'text/html,application/xhtml+xml' };

describe('console site', () => {
  it('serves a build: /, deep links, cached assets; unknown API paths stay problems', async () => {
    t = await startTestPlatform({ 'console-dir': build });
    expect(t.platform.consoleServed).toBe(true);
    const root = await fetch(url('/'));
    expect(root.status).toBe(200);
    expect(root.headers.get('cache-control')).toBe('no-cache');
    expect(await root.text()).toContain('id="root"');
    const deep = await fetch(url('/workers/123?tab=devices'), { headers: html });
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('id="root"');
    const asset = await fetch(url('/assets/index-abc123.js'));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(url('/favicon.svg'))).headers.get('cache-control')).toBe('no-cache');
    // Not a page: a script or image that is missing is a 404, not the app's HTML.
    expect((await fetch(url('/assets/missing.js'))).status).toBe(404);
    const api = await fetch(url('/api/v1/nope'), { headers: html });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(url('/healthz'))).status).toBe(200);
    // A page path is never a way out of the build directory.
    expect(await (await fetch(url('/..%2f..%2fetc%2fpasswd'), { headers: html })).text()).not.toContain(
      'root:',
    );
  });

  it("sends a build's precompressed copy to a browser that accepts it, the file itself otherwise", async () => {
    t = await startTestPlatform({ 'console-dir': build });
    // node:http, not fetch: fetch would decode the body and hide which copy was sent.
    const get = (encoding: string) =>
      new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((done, fail) => {
        httpGet(url('/assets/big-def456.js'), { headers: { 'accept-encoding': encoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        }).on('error', fail);
      });
    const br = await get('gzip, deflate, br');
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toContain('javascript');
    expect(br.headers['cache-control']).toContain('immutable');
    expect(brotliDecompressSync(br.body).toString()).toBe(BIG_JS);
    const gz = await get('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(BIG_JS);
    const plain = await get('identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(BIG_JS);
  });

  it('says how to build the console when there is no build', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'kaoqin-console-empty-'));
    try {
      t = await startTestPlatform({ 'console-dir': empty });
      expect(t.platform.consoleServed).toBe(false);
      const root = await fetch(url('/'));
      expect(root.status).toBe(200);
      expect(await root.text()).toContain('npm run build');
      expect((await fetch(url('/api/v1/auth/me'))).status).toBe(401);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("serves nothing at / with consoleDir 'off'", async () => {
    t = await startTestPlatform({ 'console-dir': 'off' });
    expect(t.platform.consoleServed).toBe(false);
    expect((await fetch(url('/'), { headers: html })).status).toBe(404);
    expect((await fetch(url('/healthz'))).status).toBe(200);
  });
});
