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
}

export function cachedPhotos(blobs: BlobStore, maxBytes: number): PhotoSource {
  if (maxBytes <= 0) {
    const uncached = async (key: string) => {
      const bytes = await blobs.get(key);
      const ext = bytes && photoFormat(bytes);
      return bytes && ext ? { bytes, ext } : undefined;
    };
    return Object.assign(uncached, { forget: () => {} });
  }
  const cache = new LRUCache<string, ServedPhoto>({
    maxSize: maxBytes,
    sizeCalculation: (p) => Math.max(1, p.bytes.byteLength),
  });
  // A read that began before a forget must not put the erased photo back in the cache.
  let forgets = 0;
  const cached = async (key: string) => {
    const hit = cache.get(key);
    if (hit) return hit;
    const before = forgets;
    const bytes = await blobs.get(key);
    const ext = bytes && photoFormat(bytes);
    if (!bytes || !ext) return undefined;
    const photo = { bytes, ext };
    if (forgets === before) cache.set(key, photo);
    return photo;
  };
  const forget = (key: string) => {
    forgets++;
    cache.delete(key);
  };
  return Object.assign(cached, { forget });
}
