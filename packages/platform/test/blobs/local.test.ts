import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalBlobStore } from '../../src/blobs/local.js';
import { blobStoreSuite } from './blob-store.suite.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'kaoqin-blobs-'));
}

blobStoreSuite('local filesystem', async () => {
  const dir = await tempDir();
  const root = join(dir, 'data', 'blobs');
  return {
    open: () => openLocalBlobStore(root),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

/** Every file under dir, as paths relative to it. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('openLocalBlobStore', () => {
  let dir: string;
  let root: string;

  beforeEach(async () => {
    dir = await tempDir();
    root = join(dir, 'blobs');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lays a blob out as root/ab/cd/<key>.<ext>, once however often it is put', async () => {
    const store = await openLocalBlobStore(root);
    const bytes = randomBytes(5000);
    const key = createHash('sha256').update(bytes).digest('hex');
    await store.put(bytes, 'jpg');
    await store.put(bytes, 'jpg');
    await store.put(bytes, 'png');
    await store.putMany([
      { bytes, ext: 'jpg' },
      { bytes, ext: 'bin' },
    ]);
    await Promise.all(Array.from({ length: 10 }, () => store.put(bytes, 'jpg')));
    await store.close();
    const path = join(key.slice(0, 2), key.slice(2, 4), `${key}.jpg`);
    expect(await files(root)).toEqual([path]);
    expect((await readFile(join(root, path))).equals(bytes)).toBe(true);
  });

  it('deletes a blob for good (erasure): the file is gone, others stay, a second delete finds nothing', async () => {
    const store = await openLocalBlobStore(root);
    const [gone, kept] = [randomBytes(3000), randomBytes(3000)];
    const [key, other] = await store.putMany([
      { bytes: gone, ext: 'jpg' },
      { bytes: kept, ext: 'png' },
    ]);
    expect(await store.delete(key!)).toBe(true);
    expect(await store.has(key!)).toBe(false);
    expect(await store.get(key!)).toBeUndefined();
    expect(await store.delete(key!)).toBe(false);
    expect(await store.delete('not-a-key')).toBe(false);
    expect((await store.get(other!))?.length).toBe(3000);
    await store.close();
    expect(await files(root)).toEqual([join(other!.slice(0, 2), other!.slice(2, 4), `${other}.png`)]);
  });

  it('leaves no temp file behind after many puts', async () => {
    const store = await openLocalBlobStore(root);
    const items = Array.from({ length: 50 }, () => ({ bytes: randomBytes(1000), ext: 'jpg' }));
    const keys = await store.putMany(items);
    await store.close();
    const expected = keys.map((k) => join(k.slice(0, 2), k.slice(2, 4), `${k}.jpg`)).sort();
    expect(await files(root)).toEqual(expected);
  });

  it('sweeps temp files left by a crash when opened, and nothing else', async () => {
    const first = await openLocalBlobStore(root);
    const key = await first.put(randomBytes(100), 'jpg');
    await first.close();
    const bucket = join(root, key.slice(0, 2), key.slice(2, 4));
    await writeFile(join(bucket, `.tmp-${key}-0123456789ab`), 'half a photo');
    await mkdir(join(root, 'ff', '00'), { recursive: true });
    await writeFile(join(root, 'ff', '00', `.tmp-${'f'.repeat(64)}-000000000000`), 'another');
    await writeFile(join(root, 'README'), 'not ours');

    const second = await openLocalBlobStore(root);
    expect(await files(root)).toEqual(
      [join(key.slice(0, 2), key.slice(2, 4), `${key}.jpg`), 'README'].sort(),
    );
    expect(await second.has(key)).toBe(true);
    await second.close();
  });

  it('does not take a temp file for a stored blob', async () => {
    const store = await openLocalBlobStore(root);
    const bytes = randomBytes(100);
    const key = createHash('sha256').update(bytes).digest('hex');
    await mkdir(join(root, key.slice(0, 2), key.slice(2, 4)), { recursive: true });
    await writeFile(join(root, key.slice(0, 2), key.slice(2, 4), `.tmp-${key}-0123456789ab`), 'partial');
    expect(await store.has(key)).toBe(false);
    expect(await store.get(key)).toBeUndefined();
    await store.close();
  });

  it('never reads outside its root', async () => {
    await writeFile(join(dir, 'secret.jpg'), 'secret');
    const store = await openLocalBlobStore(root);
    for (const key of ['../secret', '../../secret.jpg', `..${'/..'.repeat(30)}/etc/passwd`.slice(0, 64)]) {
      expect(await store.has(key)).toBe(false);
      expect(await store.get(key)).toBeUndefined();
    }
    await store.close();
  });
});

describe('openLocalBlobStore, odd roots and failures', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await tempDir();
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a relative root, or one ending in a slash, as the same store', async () => {
    const bytes = randomBytes(300);
    const a = await openLocalBlobStore(`${join(dir, 'blobs')}/`);
    const key = await a.put(bytes, 'jpg');
    await a.close();
    const b = await openLocalBlobStore(relative(process.cwd(), join(dir, 'x', '..', 'blobs')));
    expect((await b.get(key)) && Buffer.from((await b.get(key))!).equals(bytes)).toBe(true);
    expect(await b.put(randomBytes(300), 'jpg')).toMatch(/^[0-9a-f]{64}$/);
    await b.close();
  });

  it('stores the rest of a batch when one item cannot be stored, then rejects', async () => {
    const root = join(dir, 'blobs');
    const store = await openLocalBlobStore(root);
    const good = Array.from({ length: 10 }, () => randomBytes(200));
    const bad = randomBytes(200);
    const badKey = createHash('sha256').update(bad).digest('hex');
    // A plain file where the bad item's bucket directory belongs.
    await mkdir(join(root, badKey.slice(0, 2)), { recursive: true });
    await writeFile(join(root, badKey.slice(0, 2), badKey.slice(2, 4)), 'in the way');
    const items = [...good.slice(0, 5), bad, ...good.slice(5)].map((bytes) => ({ bytes, ext: 'jpg' }));
    await expect(store.putMany(items)).rejects.toThrow();
    for (const bytes of good) {
      expect(await store.has(createHash('sha256').update(bytes).digest('hex'))).toBe(true);
    }
    await store.close();
    expect((await files(root)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a concurrency that is not a positive integer', async () => {
    await expect(openLocalBlobStore(join(dir, 'b'), { concurrency: 0 })).rejects.toThrow(RangeError);
    await expect(openLocalBlobStore(join(dir, 'b'), { concurrency: 1.5 })).rejects.toThrow(RangeError);
  });
});
