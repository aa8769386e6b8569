import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readlink, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseRange, registerDownloadRoutes } from '../../src/downloads/routes.js';
import { createUrlSigner } from '../../src/downloads/signer.js';
import type { DownloadSources } from '../../src/downloads/types.js';
import { openImageFile } from '../../src/firmware-images/local.js';

const TTL = 6 * 60 * 60_000;
const FW_SIZE = 3 * 1024 * 1024;
const signer = createUrlSigner({ key: randomBytes(32), ttlMs: TTL });
const clock = { now: Date.UTC(2025, 5, 1, 12, 0, 0, 250) };

let dir: string;
let app: FastifyInstance;
let firmware: Buffer;
let png: Buffer;
let jpg: Buffer;
let pngKey: string;
let jpgKey: string;
const lookups: string[] = [];

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const missingKey = sha256(Buffer.from('nobody'));

/** How many of this process's file descriptors are open on path (Linux). */
async function openFds(path: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target === path) n++;
  }
  return n;
}

/** Path and query of a signed URL, for inject. */
function path(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}
const photoPath = (key: string) => path(signer.photoUrl('http://dev.local/', key, clock.now));
const fwPath = (id: string) => path(signer.firmwareUrl('http://dev.local', id, clock.now));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kaoqin-dl-'));
  firmware = randomBytes(FW_SIZE);
  await writeFile(join(dir, 'fw.bin'), firmware);
  await writeFile(join(dir, 'empty.bin'), new Uint8Array(0));
  const create = { width: 2, height: 2, channels: 3 as const, background: { r: 200, g: 10, b: 10 } };
  png = await sharp({ create }).png().toBuffer();
  jpg = await sharp({ create }).jpeg().toBuffer();
  pngKey = sha256(png);
  jpgKey = sha256(jpg);
  const photos = new Map([
    [pngKey, { bytes: new Uint8Array(png), ext: 'png' }],
    [jpgKey, { bytes: new Uint8Array(jpg), ext: 'jpg' }],
  ]);
  const firmwares = new Map([
    ['fw-1', { path: join(dir, 'fw.bin'), size: FW_SIZE, fileName: 'DK-800 v2.1.bin' }],
    ['fw-utf8', { path: join(dir, 'fw.bin'), size: FW_SIZE, fileName: '固件 "v2".bin' }],
    ['fw-path', { path: join(dir, 'fw.bin'), size: FW_SIZE, fileName: '../../etc/passwd' }],
    ['fw-empty', { path: join(dir, 'empty.bin'), size: 0, fileName: 'empty.bin' }],
    ['fw-gone', { path: join(dir, 'deleted.bin'), size: 10, fileName: 'deleted.bin' }],
    ['fw-dir', { path: dir, size: 10, fileName: 'dir.bin' }],
  ]);
  const sources: DownloadSources = {
    async photo(key) {
      lookups.push(`photo:${key}`);
      return photos.get(key);
    },
    async firmware(id) {
      lookups.push(`firmware:${id}`);
      const fw = firmwares.get(id);
      const image = fw && (await openImageFile(fw.path));
      return image && { image, fileName: fw.fileName };
    },
  };
  app = Fastify({ logger: false });
  await registerDownloadRoutes(app, { verifier: signer, sources, now: () => clock.now });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  lookups.length = 0;
});

describe('photo downloads', () => {
  it('serves a PNG with type, length, ETag and a cache lifetime ending at expiry', async () => {
    const url = photoPath(pngKey);
    const expiresAt = Number(new URL(url, 'http://h').searchParams.get('e')) * 1000;
    clock.now += 60_000;
    const res = await app.inject({ method: 'GET', url });
    clock.now -= 60_000;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe(String(png.length));
    expect(res.headers.etag).toBe(`"${pngKey}"`);
    expect(res.headers['cache-control']).toBe(
      `private, max-age=${Math.floor((expiresAt - clock.now - 60_000) / 1000)}`,
    );
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.rawPayload.equals(png)).toBe(true);
    expect(lookups).toEqual([`photo:${pngKey}`]);
  });

  it('serves a JPEG as image/jpeg', async () => {
    const res = await app.inject({ method: 'GET', url: photoPath(jpgKey) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(sha256(res.rawPayload)).toBe(jpgKey);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await app.inject({ method: 'HEAD', url: photoPath(pngKey) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe(String(png.length));
    expect(res.rawPayload).toHaveLength(0);
  });

  it('answers 304 when the device already has the photo', async () => {
    const res = await app.inject({
      method: 'GET',
      url: photoPath(pngKey),
      headers: { 'if-none-match': `"other", W/"${pngKey}"` },
    });
    expect(res.statusCode).toBe(304);
    expect(res.rawPayload).toHaveLength(0);
  });

  it('answers 404 only after a valid signature for a photo that is gone', async () => {
    const res = await app.inject({ method: 'GET', url: photoPath(missingKey) });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_found' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('gives the same 403 for a bad signature whether or not the photo exists, without a lookup', async () => {
    const good = new URL(photoPath(pngKey), 'http://h');
    const bodies: string[] = [];
    for (const key of [pngKey, missingKey]) {
      const bad = `/dl/photo/${key}?e=${good.searchParams.get('e')}&s=${'A'.repeat(43)}`;
      const res = await app.inject({ method: 'GET', url: bad });
      expect(res.statusCode).toBe(403);
      bodies.push(res.body);
    }
    // A signature for one photo does not open another.
    const moved = await app.inject({ method: 'GET', url: photoPath(jpgKey).replace(jpgKey, pngKey) });
    expect(moved.statusCode).toBe(403);
    bodies.push(moved.body);
    const bare = await app.inject({ method: 'GET', url: `/dl/photo/${pngKey}` });
    expect(bare.statusCode).toBe(403);
    bodies.push(bare.body);
    expect(new Set(bodies)).toEqual(new Set([JSON.stringify({ error: 'forbidden' })]));
    expect(lookups).toEqual([]);
  });

  it('answers 403 expired once the URL has expired', async () => {
    const url = photoPath(pngKey);
    const expiresAt = Number(new URL(url, 'http://h').searchParams.get('e')) * 1000;
    const saved = clock.now;
    try {
      clock.now = expiresAt - 1;
      expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200);
      clock.now = expiresAt;
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: 'expired' });
    } finally {
      clock.now = saved;
    }
  });

  it('answers 400 for a malformed key, before any signature check or lookup', async () => {
    for (const key of [pngKey.toUpperCase(), pngKey.slice(2), '..%2F..%2Fetc%2Fpasswd', 'x']) {
      const res = await app.inject({ method: 'GET', url: `/dl/photo/${key}?e=1&s=2` });
      expect(res.statusCode, key).toBe(400);
      expect(res.json()).toEqual({ error: 'malformed' });
    }
    expect(lookups).toEqual([]);
  });

  it('survives odd queries: repeated, huge, empty', async () => {
    const good = new URL(photoPath(pngKey), 'http://h');
    const e = good.searchParams.get('e')!;
    const s = good.searchParams.get('s')!;
    const odd = [
      `?e=${e}&e=${e}&s=${s}`,
      `?e=${e}&s=${s}&s=${s}`,
      `?e=${e}&s=${'x'.repeat(200_000)}`,
      `?e=${'9'.repeat(5000)}&s=${s}`,
      '?',
      '?e&s',
      `?e[]=${e}&s=${s}`,
      `?__proto__=1&e=${e}&s=%ZZ`,
    ];
    for (const q of odd) {
      const res = await app.inject({ method: 'GET', url: `/dl/photo/${pngKey}${q}` });
      expect(res.statusCode, q.slice(0, 40)).toBe(403);
    }
    expect(lookups).toEqual([]);
  });

  it('leaves over-long ids to the router (414), with no lookup', async () => {
    const res = await app.inject({ method: 'GET', url: `/dl/photo/${'a'.repeat(5000)}?e=1&s=2` });
    expect(res.statusCode).toBe(414);
    expect(lookups).toEqual([]);
  });
});

describe('firmware downloads', () => {
  it('serves the whole file: type, length, name, and the same sha256', async () => {
    const res = await app.inject({ method: 'GET', url: fwPath('fw-1') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-length']).toBe(String(FW_SIZE));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="DK-800 v2.1.bin"; filename*=UTF-8''DK-800%20v2.1.bin`,
    );
    expect(res.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
    expect(res.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(res.headers['last-modified']).toBeTypeOf('string');
    expect(res.rawPayload).toHaveLength(FW_SIZE);
    expect(sha256(res.rawPayload)).toBe(sha256(firmware));
  });

  it('answers HEAD with the length and no body', async () => {
    const res = await app.inject({ method: 'HEAD', url: fwPath('fw-1') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(FW_SIZE));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.rawPayload).toHaveLength(0);
  });

  const ranges: [string, number, number][] = [
    ['bytes=0-99', 0, 99],
    ['bytes=1000000-1999999', 1_000_000, 1_999_999],
    ['bytes=-100', FW_SIZE - 100, FW_SIZE - 1],
    ['bytes=100-', 100, FW_SIZE - 1],
    [`bytes=${FW_SIZE - 10}-${FW_SIZE * 2}`, FW_SIZE - 10, FW_SIZE - 1],
    [`bytes=-${FW_SIZE * 2}`, 0, FW_SIZE - 1],
    [`bytes=${FW_SIZE - 1}-${FW_SIZE - 1}`, FW_SIZE - 1, FW_SIZE - 1],
    ['BYTES = 5-9', 5, 9],
    ['bytes=5-9,', 5, 9],
    [`bytes=0-${'9'.repeat(40)}`, 0, FW_SIZE - 1],
  ];
  for (const [header, start, end] of ranges) {
    it(`serves ${header} as 206 ${start}-${end}`, async () => {
      const res = await app.inject({ method: 'GET', url: fwPath('fw-1'), headers: { range: header } });
      expect(res.statusCode).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${FW_SIZE}`);
      expect(res.headers['content-length']).toBe(String(end - start + 1));
      expect(res.rawPayload.equals(firmware.subarray(start, end + 1))).toBe(true);
    });
  }

  it('answers HEAD with a range as GET would, without the body', async () => {
    const res = await app.inject({ method: 'HEAD', url: fwPath('fw-1'), headers: { range: 'bytes=-100' } });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${FW_SIZE - 100}-${FW_SIZE - 1}/${FW_SIZE}`);
    expect(res.headers['content-length']).toBe('100');
    expect(res.rawPayload).toHaveLength(0);
  });

  for (const header of [
    `bytes=${FW_SIZE}-`,
    `bytes=${FW_SIZE + 5}-${FW_SIZE + 10}`,
    'bytes=-0',
    `bytes=${'9'.repeat(30)}-`,
  ]) {
    it(`answers ${header.slice(0, 30)} with 416`, async () => {
      const res = await app.inject({ method: 'GET', url: fwPath('fw-1'), headers: { range: header } });
      expect(res.statusCode).toBe(416);
      expect(res.headers['content-range']).toBe(`bytes */${FW_SIZE}`);
      expect(res.json()).toEqual({ error: 'range_not_satisfiable' });
    });
  }

  const ignored = [
    'bytes=abc',
    'bytes=5-2',
    'bytes=-',
    'bytes=',
    'bytes=1-2-3',
    'bytes=0x10-20',
    'bytes=0-99, 200-299',
    'bytes=0-0,-1',
    'items=0-99',
    '0-99',
    `bytes=0-99${','.repeat(500)}`,
  ];
  for (const header of ignored) {
    it(`serves the whole file (200) for Range: ${header.slice(0, 30)}`, async () => {
      const res = await app.inject({ method: 'GET', url: fwPath('fw-1'), headers: { range: header } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-range']).toBeUndefined();
      expect(res.rawPayload).toHaveLength(FW_SIZE);
    });
  }

  it('honours If-Range with the current ETag or Last-Modified, and serves everything otherwise', async () => {
    const head = await app.inject({ method: 'HEAD', url: fwPath('fw-1') });
    const etag = head.headers.etag as string;
    const lastModified = head.headers['last-modified'] as string;
    const get = (ifRange: string) =>
      app.inject({
        method: 'GET',
        url: fwPath('fw-1'),
        headers: { range: 'bytes=0-9', 'if-range': ifRange },
      });
    expect((await get(etag)).statusCode).toBe(206);
    expect((await get(lastModified)).statusCode).toBe(206);
    expect((await get('"stale"')).statusCode).toBe(200);
    expect((await get(`W/${etag}`)).statusCode).toBe(200);
    expect((await get('Thu, 01 Jan 1970 00:00:00 GMT')).statusCode).toBe(200);
    expect((await get('not a date')).statusCode).toBe(200);
  });

  it('changes the ETag when the file changes', async () => {
    const before = (await app.inject({ method: 'HEAD', url: fwPath('fw-1') })).headers.etag;
    const p = join(dir, 'fw.bin');
    const { mtime } = await stat(p);
    await utimes(p, mtime, new Date(mtime.getTime() + 5000));
    const after = (await app.inject({ method: 'HEAD', url: fwPath('fw-1') })).headers.etag;
    expect(after).not.toBe(before);
  });

  it('encodes file names that are not plain ASCII, and keeps only the last path component', async () => {
    const utf8 = await app.inject({ method: 'HEAD', url: fwPath('fw-utf8') });
    expect(utf8.headers['content-disposition']).toBe(
      `attachment; filename="__ _v2_.bin"; filename*=UTF-8''${encodeURIComponent('固件 "v2".bin')}`,
    );
    const traversal = await app.inject({ method: 'HEAD', url: fwPath('fw-path') });
    expect(traversal.headers['content-disposition']).toBe(
      `attachment; filename="passwd"; filename*=UTF-8''passwd`,
    );
  });

  it('serves an empty file, and refuses any range of it', async () => {
    const res = await app.inject({ method: 'GET', url: fwPath('fw-empty') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe('0');
    const ranged = await app.inject({
      method: 'GET',
      url: fwPath('fw-empty'),
      headers: { range: 'bytes=0-' },
    });
    expect(ranged.statusCode).toBe(416);
    expect(ranged.headers['content-range']).toBe('bytes */0');
  });

  it('answers 404 after a valid signature for an unknown id, a vanished file or a directory', async () => {
    for (const id of ['fw-unknown', 'fw-gone', 'fw-dir']) {
      const res = await app.inject({ method: 'GET', url: fwPath(id) });
      expect(res.statusCode, id).toBe(404);
      expect(res.json()).toEqual({ error: 'not_found' });
    }
  });

  it('refuses bad signatures with 403 and malformed ids with 400, without a lookup', async () => {
    const good = new URL(fwPath('fw-1'), 'http://h');
    const e = good.searchParams.get('e')!;
    const forged = await app.inject({ method: 'GET', url: `/dl/firmware/fw-unknown${good.search}` });
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toEqual({ error: 'forbidden' });
    const tampered = await app.inject({ method: 'GET', url: `/dl/firmware/fw-1?e=${Number(e) + 1}&s=x` });
    expect(tampered.statusCode).toBe(403);
    // A photo URL's signature does not open firmware of the same name.
    const cross = await app.inject({
      method: 'GET',
      url: photoPath(pngKey).replace('/dl/photo/', '/dl/firmware/'),
    });
    expect(cross.statusCode).toBe(403);
    for (const id of ['fw.1', 'a'.repeat(65), 'a%2Fb', 'fw%201']) {
      const res = await app.inject({ method: 'GET', url: `/dl/firmware/${id}${good.search}` });
      expect(res.statusCode, id).toBe(400);
    }
    expect(lookups).toEqual([]);
  });
});

describe('over real HTTP', () => {
  /** A server whose every firmware id is the file at path. */
  async function serve(path: string): Promise<{ server: FastifyInstance; url: string }> {
    const server = Fastify({ logger: false });
    await registerDownloadRoutes(server, {
      verifier: signer,
      sources: {
        photo: async () => undefined,
        firmware: async () => {
          const image = await openImageFile(path);
          return image && { image, fileName: 'fw.bin' };
        },
      },
      now: () => clock.now,
    });
    const address = await server.listen({ host: '127.0.0.1', port: 0 });
    return { server, url: signer.firmwareUrl(`${address}/`, 'fw-1', clock.now) };
  }

  it('streams the whole file and a range over a socket', async () => {
    const { server, url } = await serve(join(dir, 'fw.bin'));
    try {
      const full = await fetch(url);
      expect(full.status).toBe(200);
      expect(sha256(new Uint8Array(await full.arrayBuffer()))).toBe(sha256(firmware));
      const part = await fetch(url, { headers: { range: 'bytes=100-199' } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).equals(firmware.subarray(100, 200))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it.runIf(existsSync('/proc/self/fd'))('closes the file when a client walks away mid-download', async () => {
    // Sparse, so it costs no disk, and far larger than the socket buffers, so the server is
    // still reading it when the client goes.
    const big = join(dir, 'big.bin');
    await writeFile(big, '');
    await truncate(big, 512 * 1024 * 1024);
    const { server, url } = await serve(big);
    try {
      // node:http without a pool, so that the socket really is gone when destroyed.
      await new Promise<void>((resolve, reject) => {
        const req = get(url, { agent: false }, (res) => {
          res.once('data', async () => {
            res.pause();
            try {
              expect(await openFds(big)).toBe(1);
              resolve();
            } catch (e) {
              reject(e);
            } finally {
              req.destroy();
            }
          });
        });
        req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      });
      await expect.poll(() => openFds(big), { timeout: 5000 }).toBe(0);
      expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    } finally {
      await server.close();
      await rm(big, { force: true });
    }
  });
});

describe('parseRange', () => {
  it('reads single ranges and ignores the rest', () => {
    expect(parseRange(undefined, 10)).toEqual({ type: 'full' });
    expect(parseRange('bytes=2-4', 10)).toEqual({ type: 'partial', start: 2, end: 4 });
    expect(parseRange('bytes=-3', 10)).toEqual({ type: 'partial', start: 7, end: 9 });
    expect(parseRange('bytes=8-', 10)).toEqual({ type: 'partial', start: 8, end: 9 });
    expect(parseRange('bytes=10-', 10)).toEqual({ type: 'unsatisfiable' });
    expect(parseRange('bytes=-1', 0)).toEqual({ type: 'unsatisfiable' });
    expect(parseRange('bytes=5-2', 10)).toEqual({ type: 'full' });
    expect(parseRange('bytes=1-2,3-4', 10)).toEqual({ type: 'full' });
    expect(parseRange(`bytes=${'1'.repeat(300)}-`, 10)).toEqual({ type: 'full' });
  });
});
