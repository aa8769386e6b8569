/**
 * Face photos served to devices, through a bounded in-memory cache. An enrolment wave
 * has every device of the site fetch every photo within seconds, and a read from the
 * file-per-photo store costs a directory lookup and a file read each (most of the
 * platform's CPU per photo in bench/distribution). Keys are content hashes, so a cached
 * photo can never be stale; an erased one (a person deleted, PIPL) is dropped with `forget`.
 */
import { photoFormat } from '@kaoqin/protocol/photo';
import { LRUCache } from 'lru-cache';
import type { BlobStore } from '../blobs/types.js';

export interface ServedPhoto {
  bytes: Uint8Array;
  ext: string;
}

/** The photo source of the download routes, and the hook erasure calls. */
export interface PhotoSource {
  (key: string): Promise<ServedPhoto | undefined>;
  /** Drops the photo from the cache: its file was deleted, and no URL may serve it again. */
  forget(key: string): void;
  /** The photo if it is in memory now, without reading anything (the fast route, fast-photo.ts). */
  peek(key: string): ServedPhoto | undefined;
  /**
   * Starts reading photos that are about to be asked for (a page of a person task has
   * just been served), so that the devices' requests find them in memory.
   */
  warm(keys: readonly string[]): void;
}

const JP2_SIGNATURE = [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a];

/**
 * What a stored image is, by its bytes: a face photo (jpg, png), or an iris image (the
 * BMP as captured, its .jp2 export; iris/service.ts keeps them in the same store).
 */
export function servedFormat(bytes: Uint8Array): string | undefined {
  const photo = photoFormat(bytes);
  if (photo) return photo;
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) return 'bmp';
  if (JP2_SIGNATURE.every((b, i) => bytes[i] === b)) return 'jp2';
  return undefined;
}

export function cachedPhotos(blobs: BlobStore, maxBytes: number): PhotoSource {
  if (maxBytes <= 0) {
    const uncached = async (key: string) => {
      const bytes = await blobs.get(key);
      const ext = bytes && servedFormat(bytes);
      return bytes && ext ? { bytes, ext } : undefined;
    };
    return Object.assign(uncached, { forget: () => {}, peek: () => undefined, warm: () => {} });
  }
  const cache = new LRUCache<string, ServedPhoto>({
    maxSize: maxBytes,
    sizeCalculation: (p) => Math.max(1, p.bytes.byteLength),
  });
  // Reads in progress by key: the devices of a site ask for the same photo within
  // milliseconds of each other, so without this every one of them missed the cache and
  // read the file again (a readdir, open, fstat, read and close each; 22 % of the
  // platform's busy time in a wave of bench/distribution, profiled).
  const loading = new Map<string, Promise<ServedPhoto | undefined>>();
  // A read that began before a forget must not put the erased photo back in the cache,
  // nor be joined by a request that arrives after the forget.
  let forgets = 0;
  const load = async (key: string): Promise<ServedPhoto | undefined> => {
    const before = forgets;
    const bytes = await blobs.get(key);
    const ext = bytes && servedFormat(bytes);
    if (!bytes || !ext) return undefined;
    const photo = { bytes, ext };
    if (forgets === before) cache.set(key, photo);
    return photo;
  };
  const cached = (key: string): Promise<ServedPhoto | undefined> => {
    const hit = cache.get(key);
    if (hit) return Promise.resolve(hit);
    let p = loading.get(key);
    if (!p) {
      const mine = load(key);
      const done = () => {
        if (loading.get(key) === mine) loading.delete(key);
      };
      mine.then(done, done);
      loading.set(key, mine);
      p = mine;
    }
    return p;
  };
  const forget = (key: string) => {
    forgets++;
    cache.delete(key);
    loading.delete(key);
  };
  const warm = (keys: readonly string[]) => {
    for (const key of keys) {
      // A failed read is not this caller's to report: the download that needs it reads again.
      if (!cache.has(key)) cached(key).catch(() => {});
    }
  };
  return Object.assign(cached, { forget, peek: (key: string) => cache.get(key), warm });
}
