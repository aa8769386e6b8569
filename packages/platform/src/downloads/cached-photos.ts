/**
 * Face photos served to devices, through a bounded in-memory cache. An enrolment wave
 * has every device of the site fetch every photo within seconds, and a read from the
 * file-per-photo store costs a directory lookup and a file read each (most of the
 * platform's CPU per photo in bench/distribution). Keys are content hashes, so a cached
 * photo can never be stale.
 */
import { LRUCache } from 'lru-cache';
import { photoFormat } from '../blobs/photo.js';
import type { BlobStore } from '../blobs/types.js';

export interface ServedPhoto {
  bytes: Uint8Array;
  ext: string;
}

export function cachedPhotos(
  blobs: BlobStore,
  maxBytes: number,
): (key: string) => Promise<ServedPhoto | undefined> {
  if (maxBytes <= 0) {
    return async (key) => {
      const bytes = await blobs.get(key);
      const ext = bytes && photoFormat(bytes);
      return bytes && ext ? { bytes, ext } : undefined;
    };
  }
  const cache = new LRUCache<string, ServedPhoto>({
    maxSize: maxBytes,
    sizeCalculation: (p) => Math.max(1, p.bytes.byteLength),
  });
  return async (key) => {
    const hit = cache.get(key);
    if (hit) return hit;
    const bytes = await blobs.get(key);
    const ext = bytes && photoFormat(bytes);
    if (!bytes || !ext) return undefined;
    const photo = { bytes, ext };
    cache.set(key, photo);
    return photo;
  };
}
