/**
 * The SDK and irisUrls (docs/protocol.md 7.7): an iris device (settings.iris) downloads
 * each person's iris images and keeps them by eye, checked against the hash the URL
 * names; an update with the same images downloads nothing; an update without them
 * removes them; a face-only device ignores the field.
 */
import { createHash } from 'node:crypto';
import { eyeBmp, face } from '@kaoqin/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createDefaultFaceEngine } from '../src/persons/face-engine.js';
import { PersonStore } from '../src/persons/store.js';
import type { TaskContext } from '../src/tasks/context.js';
import { runPersonPages } from '../src/tasks/persons.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const BASE = 'http://platform.test/dl/photo';

const stores: PersonStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

/** A served set of blobs and the URLs the platform would sign for them; counts downloads. */
function served(blobs: Uint8Array[]) {
  const byHash = new Map(blobs.map((b) => [sha(b), b]));
  const fetched: string[] = [];
  const doFetch = (async (url: string | URL | Request) => {
    const hash = new URL(String(url)).pathname.split('/').pop()!;
    fetched.push(hash);
    const bytes = byHash.get(hash);
    return bytes ? new Response(Buffer.from(bytes)) : new Response('', { status: 404 });
  }) as typeof fetch;
  return { url: (b: Uint8Array) => `${BASE}/${sha(b)}?e=1&s=x`, fetched, doFetch };
}

function context(store: PersonStore, page: unknown, doFetch: typeof fetch, iris: boolean): TaskContext {
  return {
    taskid: '1',
    apicode: 'T_UPDATE_DEVICE_PERSON',
    param: '{}',
    http: { call: async () => ({ response: page }) } as unknown as TaskContext['http'],
    store,
    engine: createDefaultFaceEngine(),
    installer: undefined,
    settings: {
      pageSize: 10,
      uploadBodyBytes: 4 << 20,
      photoMaxBytes: 1 << 20,
      photoConcurrency: 2,
      iris,
      downloadDir: '/tmp',
      sweepFirmwareParts: false,
      download: { fetch: doFetch, attempts: 1 },
    },
    now: () => 0,
  };
}

describe('irisUrls in the SDK', async () => {
  const photo = await face();
  const left = eyeBmp({ pupilRadius: 35, irisRadius: 100, seed: 31 });
  const right = eyeBmp({ pupilRadius: 33, irisRadius: 98, seed: 32 });

  const pageOf = (s: ReturnType<typeof served>, irisUrls?: Record<string, string>) => ({
    data: [{ personId: '100', name: '甲', imgUrls: [s.url(photo)], ...(irisUrls ? { irisUrls } : {}) }],
    currentPage: 1,
    totalPage: 1,
  });

  it('an iris device keeps both eyes, downloads nothing when they did not change, and drops them when gone', async () => {
    const store = new PersonStore(':memory:');
    stores.push(store);
    const s = served([photo, left, right]);
    const both = pageOf(s, { left: s.url(left), right: s.url(right) });
    const r = await runPersonPages(context(store, both, s.doFetch, true), 'T_UPDATE_DEVICE_PERSON');
    expect(r.failedFaces).toEqual([]);
    expect(store.irises('100').map((i) => [i.eye, i.sha256])).toEqual([
      ['left', sha(left)],
      ['right', sha(right)],
    ]);
    expect(Buffer.from(store.irises('100')[0]!.bytes).equals(Buffer.from(left))).toBe(true);

    s.fetched.length = 0;
    await runPersonPages(context(store, both, s.doFetch, true), 'T_UPDATE_DEVICE_PERSON');
    expect(s.fetched).toEqual([]);

    await runPersonPages(
      context(store, pageOf(s, { left: s.url(left) }), s.doFetch, true),
      'T_UPDATE_DEVICE_PERSON',
    );
    expect(store.irises('100').map((i) => i.eye)).toEqual(['left']);
    expect(s.fetched).toEqual([]); // the left eye was held already

    await runPersonPages(context(store, pageOf(s), s.doFetch, true), 'T_UPDATE_DEVICE_PERSON');
    expect(store.irises('100')).toEqual([]);
  });

  it('reports an iris image it cannot download as a failed face, keeping the person', async () => {
    const store = new PersonStore(':memory:');
    stores.push(store);
    const s = served([photo, left]);
    const page = pageOf(s, { left: s.url(left), right: `${BASE}/${sha(right)}?e=1&s=x` });
    const r = await runPersonPages(context(store, page, s.doFetch, true), 'T_UPDATE_DEVICE_PERSON');
    expect(r.failedFaces).toEqual([{ personId: '100', errCode: expect.any(String) }]);
    expect(store.has('100')).toBe(true);
    expect(store.irises('100').map((i) => i.eye)).toEqual(['left']);
  });

  it('a face-only device ignores irisUrls', async () => {
    const store = new PersonStore(':memory:');
    stores.push(store);
    const s = served([photo, left]);
    const r = await runPersonPages(
      context(store, pageOf(s, { left: s.url(left) }), s.doFetch, false),
      'T_UPDATE_DEVICE_PERSON',
    );
    expect(r.failedFaces).toEqual([]);
    expect(store.has('100')).toBe(true);
    expect(store.irises('100')).toEqual([]);
    expect(s.fetched).toEqual([sha(photo)]);
  });
});
