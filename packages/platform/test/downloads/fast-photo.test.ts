/**
 * The node:http front route for cached photos (fast-photo.ts) beside the Fastify route:
 * the same request gets the same status, headers and bytes whichever answers it, and
 * everything the front route does not take (a miss, a bad or expired signature, a
 * conditional request, HEAD, another URL shape) is still answered by the route. Also the
 * photo cache's single read per key (cached-photos.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/blobs/types.js';
import { cachedPhotos, type PhotoSource } from '../../src/downloads/cached-photos.js';
import { fastPhotoRoute } from '../../src/downloads/fast-photo.js';
import { registerDownloadRoutes } from '../../src/downloads/routes.js';
import { createUrlSigner } from '../../src/downloads/signer.js';
import { addFrontRoute } from '../../src/http/front-routes.js';

const signer = createUrlSigner({ key: randomBytes(32), ttlMs: 6 * 60 * 60_000 });
const clock = { now: Date.UTC(2025, 5, 1, 12, 0, 0, 250) };
// A minimal JPEG signature is all servedFormat looks at.
const jpg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2000)]);
const key = createHash('sha256').update(jpg).digest('hex');

/** Blob reads, each held until released, so concurrent requests can be lined up. */
const reads: string[] = [];
let gate: Promise<void> = Promise.resolve();
const blobs: BlobStore = {
  async get(k) {
    reads.push(k);
    await gate;
    return k === key ? new Uint8Array(jpg) : undefined;
  },
  put: () => Promise.reject(new Error('read only')),
  putMany: () => Promise.reject(new Error('read only')),
  has: async (k) => k === key,
  close: async () => {},
};

let app: FastifyInstance;
let port: number;
let photos: PhotoSource;
/** Requests the front route answered. */
let fronted = 0;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function get(path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const urlPath = (k: string) => {
  const u = new URL(signer.photoUrl('http://dev.local', k, clock.now));
  return u.pathname + u.search;
};

/** Headers to compare: all but the date, which differs between two answers anyway. */
const comparable = ({ date: _date, ...rest }: IncomingHttpHeaders) => rest;

beforeAll(async () => {
  photos = cachedPhotos(blobs, 1024 * 1024);
  app = Fastify({ logger: false });
  await app.register(registerDownloadRoutes, {
    verifier: signer,
    now: () => clock.now,
    sources: { photo: photos, firmware: async () => undefined },
  });
  const front = fastPhotoRoute({ verifier: signer, peek: photos.peek, now: () => clock.now });
  addFrontRoute(app.server, (req, res) => {
    const took = front(req, res);
    if (took) fronted++;
    return took;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await app?.close();
});

beforeEach(() => {
  photos.forget(key);
  reads.length = 0;
  fronted = 0;
  gate = Promise.resolve();
});

describe('the front route for cached photos', () => {
  it('answers a cached photo with the status, headers and bytes the Fastify route sends', async () => {
    const path = urlPath(key);
    const first = await get(path); // a miss: the route reads and caches it
    const second = await get(path); // a hit: the front route
    expect(fronted).toBe(1);
    expect(second.status).toBe(200);
    expect(second.body.equals(jpg)).toBe(true);
    expect(comparable(second.headers)).toEqual(comparable(first.headers));
    expect(second.headers['content-type']).toBe('image/jpeg');
    expect(reads).toEqual([key]);
  });

  it('leaves refusals, HEAD and conditional requests to the route', async () => {
    const path = urlPath(key);
    await get(path);
    const e = new URL(path, 'http://h').searchParams.get('e')!;
    const forged = await get(`/dl/photo/${key}?e=${e}&s=${'A'.repeat(43)}`);
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.body.toString())).toEqual({ error: 'forbidden' });
    const head = await get(path, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toHaveLength(0);
    const same = await get(path, 'GET', { 'if-none-match': `"${key}"` });
    expect(same.status).toBe(304);
    const reordered = await get(
      `/dl/photo/${key}?s=${new URL(path, 'http://h').searchParams.get('s')}&e=${e}`,
    );
    expect(reordered.status).toBe(200);
    expect(fronted).toBe(0);
  });

  it('does not serve a photo once it is forgotten (an erased person)', async () => {
    const path = urlPath(key);
    await get(path);
    photos.forget(key);
    // Answered by the route after a fresh read, not from memory by the front route.
    expect((await get(path)).status).toBe(200);
    expect(fronted).toBe(0);
    expect(reads).toEqual([key, key]);
  });

  it('reads a photo once for requests that arrive together', async () => {
    let release!: () => void;
    gate = new Promise((r) => {
      release = r;
    });
    const path = urlPath(key);
    const answers = Promise.all(Array.from({ length: 5 }, () => get(path)));
    await new Promise((r) => setTimeout(r, 50));
    release();
    for (const a of await answers) expect(a.body.equals(jpg)).toBe(true);
    expect(reads).toEqual([key]);
  });
});
