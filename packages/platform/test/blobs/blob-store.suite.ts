/**
 * The one suite every BlobStore backend passes (see src/blobs/types.ts). A backend's test
 * file calls blobStoreSuite with a fixture that gives each test fresh, empty storage.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/blobs/types.js';

export interface BlobStoreFixture {
  /** Opens a store on this fixture's storage; every call opens the same storage. */
  open(): Promise<BlobStore>;
  /** Removes the storage; called once after the test, with every store closed. */
  dispose(): Promise<void>;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

export function blobStoreSuite(name: string, makeFixture: () => Promise<BlobStoreFixture>): void {
  describe(`BlobStore: ${name}`, () => {
    let fixture: BlobStoreFixture;
    let store: BlobStore;
    const opened: BlobStore[] = [];
    const open = async (): Promise<BlobStore> => {
      const s = await fixture.open();
      opened.push(s);
      return s;
    };

    beforeEach(async () => {
      fixture = await makeFixture();
      store = await open();
    });

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await fixture.dispose();
    });

    it('gives back the bytes it stored, under their sha256 hex', async () => {
      const bytes = randomBytes(50 * 1024);
      const key = await store.put(bytes, 'jpg');
      expect(key).toBe(sha256(bytes));
      expect(await store.has(key)).toBe(true);
      expect(same(await store.get(key), bytes)).toBe(true);
    });

    it('stores empty and large blobs', async () => {
      const empty = new Uint8Array(0);
      const large = randomBytes(3 * 1024 * 1024);
      const [k0, k1] = [await store.put(empty, 'bin'), await store.put(large, 'bin')];
      expect(same(await store.get(k0), empty)).toBe(true);
      expect(same(await store.get(k1), large)).toBe(true);
    });

    it('stores a view into a larger buffer as just the viewed bytes', async () => {
      const backing = randomBytes(1000);
      const view = backing.subarray(100, 300);
      const key = await store.put(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), 'bin');
      expect(key).toBe(sha256(view));
      expect(same(await store.get(key), view)).toBe(true);
    });

    it('gives the same key for the same bytes, whatever the ext', async () => {
      const bytes = randomBytes(1000);
      const a = await store.put(bytes, 'jpg');
      const b = await store.put(bytes, 'jpg');
      const c = await store.put(Uint8Array.from(bytes), 'png');
      expect(b).toBe(a);
      expect(c).toBe(a);
      expect(same(await store.get(a), bytes)).toBe(true);
    });

    it('gives different keys for different bytes', async () => {
      const a = await store.put(Buffer.from('a'), 'bin');
      const b = await store.put(Buffer.from('b'), 'bin');
      expect(a).not.toBe(b);
      expect(Buffer.from((await store.get(a))!).toString()).toBe('a');
      expect(Buffer.from((await store.get(b))!).toString()).toBe('b');
    });

    it('putMany stores all, keys in input order, duplicates included', async () => {
      const photos = Array.from({ length: 40 }, () => randomBytes(2000));
      const items = [...photos, photos[3]!, photos[0]!].map((bytes, i) => ({
        bytes,
        ext: i % 2 ? 'png' : 'jpg',
      }));
      const keys = await store.putMany(items);
      expect(keys).toEqual(items.map((it) => sha256(it.bytes)));
      for (const [i, key] of keys.entries()) {
        expect(same(await store.get(key), items[i]!.bytes)).toBe(true);
      }
    });

    it('putMany of nothing is nothing', async () => {
      expect(await store.putMany([])).toEqual([]);
    });

    it('putMany agrees with put for bytes already stored', async () => {
      const bytes = randomBytes(500);
      const key = await store.put(bytes, 'jpg');
      expect(await store.putMany([{ bytes, ext: 'jpg' }])).toEqual([key]);
    });

    it('has and get know nothing of a well-formed key never stored', async () => {
      const key = sha256(Buffer.from('never stored'));
      expect(await store.has(key)).toBe(false);
      expect(await store.get(key)).toBeUndefined();
    });

    it('has and get refuse keys that are not 64 lower-case hex digits, traversal included', async () => {
      const bytes = randomBytes(100);
      const key = await store.put(bytes, 'jpg');
      const bad = [
        '',
        key.slice(0, 63),
        `${key}0`,
        key.toUpperCase(),
        `${key}.jpg`,
        ` ${key.slice(1)}`,
        `${key.slice(0, 62)}/.`,
        `../${key.slice(3)}`,
        `${key.slice(0, 2)}/${key.slice(3)}`,
        `..${'/..'.repeat(20)}/etc/passwd`.slice(0, 64),
        '../../../../../../../../../../../../../../../../../../../etc/pass',
        'g'.repeat(64),
        `${key.slice(0, 63)}\0`,
      ];
      for (const k of bad) {
        expect(await store.has(k), JSON.stringify(k)).toBe(false);
        expect(await store.get(k), JSON.stringify(k)).toBeUndefined();
      }
    });

    it('refuses an ext that is not a plain lower-case name', async () => {
      for (const ext of ['', '../x', 'a/b', 'jp.g', 'JPG', 'x'.repeat(40)]) {
        await expect(store.put(randomBytes(10), ext), ext).rejects.toThrow();
      }
    });

    it('keeps what it stored when closed and opened again', async () => {
      const bytes = randomBytes(4096);
      const [key] = await store.putMany([{ bytes, ext: 'png' }]);
      await store.close();
      const again = await open();
      expect(await again.has(key!)).toBe(true);
      expect(same(await again.get(key!), bytes)).toBe(true);
      // and writing the same bytes into the reopened store is a no-op with the same key
      expect(await again.put(bytes, 'png')).toBe(key);
    });

    it('refuses to store once closed', async () => {
      await store.close();
      await expect(store.put(randomBytes(10), 'bin')).rejects.toThrow();
    });

    it('lets concurrent puts of the same bytes all succeed with one key', async () => {
      const bytes = randomBytes(20_000);
      const keys = await Promise.all([
        ...Array.from({ length: 20 }, () => store.put(bytes, 'jpg')),
        store.putMany(Array.from({ length: 20 }, () => ({ bytes, ext: 'jpg' }))),
      ]);
      expect(new Set(keys.flat())).toEqual(new Set([sha256(bytes)]));
      expect(same(await store.get(sha256(bytes)), bytes)).toBe(true);
    });

    it('lets two stores on the same storage put the same bytes at once', async () => {
      const other = await open();
      const photos = Array.from({ length: 30 }, () => ({ bytes: randomBytes(3000), ext: 'jpg' }));
      const [a, b] = await Promise.all([store.putMany(photos), other.putMany([...photos].reverse())]);
      expect(b).toEqual([...a].reverse());
      for (const [i, key] of a.entries()) expect(same(await other.get(key), photos[i]!.bytes)).toBe(true);
    });
  });
}
