/**
 * The ID card's images (§1.1(1) 照片, §1.1(2) front and back) at rest: sealed under the
 * master key (AES-256-GCM, domain/secrets.ts) like the other personal data, so the blob
 * directory holds no readable card. They are never sent to devices; the API opens them
 * for the roles that may see personal data (api.md masking rules).
 *
 * A card photo stored before issue 11 is a plain JPEG/PNG blob: read as it is (its first
 * bytes tell); Persons.sealLegacyCardPhotos seals those.
 */
import type { PhotoFormat } from '@kaoqin/protocol/photo';
import { photoFormat } from '@kaoqin/protocol/photo';
import type { ErasableBlobStore } from '../blobs/types.js';
import type { SecretBox } from '../domain/secrets.js';

/** The blob's first bytes: the SecretBox prefix, never a JPEG's or PNG's magic. */
const SEALED = Buffer.from('v1:');

export interface OpenedImage {
  bytes: Uint8Array;
  ext: PhotoFormat;
  /** False for a card photo stored in plain before sealing was introduced. */
  sealed: boolean;
}

export class SealedImages {
  readonly #blobs: ErasableBlobStore;
  readonly #box: SecretBox;
  constructor(blobs: ErasableBlobStore, box: SecretBox) {
    this.#blobs = blobs;
    this.#box = box;
  }

  /** Seals and stores; the key is the ciphertext's (a fresh IV each time: no two alike). */
  put(bytes: Uint8Array, ext: PhotoFormat): Promise<string> {
    const sealed = this.#box.seal(`${ext}:${Buffer.from(bytes).toString('base64')}`);
    return this.#blobs.put(Buffer.from(sealed, 'utf8'), 'bin');
  }

  async get(key: string): Promise<OpenedImage | undefined> {
    const raw = await this.#blobs.get(key);
    if (!raw) return undefined;
    const buf = Buffer.from(raw);
    if (!buf.subarray(0, SEALED.length).equals(SEALED)) {
      const ext = photoFormat(buf);
      return ext ? { bytes: buf, ext, sealed: false } : undefined;
    }
    const text = this.#box.open(buf.toString('utf8'));
    const colon = text.indexOf(':');
    return {
      ext: text.slice(0, colon) as PhotoFormat,
      bytes: Buffer.from(text.slice(colon + 1), 'base64'),
      sealed: true,
    };
  }
}
