/**
 * Where firmware images' bytes live (3.7): files in the data directory on one machine
 * (firmware-images/local.ts), or chunks in PostgreSQL when photos are there too, so every
 * process of a cluster serves an image uploaded through any of them
 * (firmware-images/postgres.ts). The catalogue (size, SHA-256, version) is the store's
 * `firmware` table; an image is written whole and durably before its row exists, and is
 * never rewritten under its id.
 */
import type { Readable } from 'node:stream';

/** An image opened for serving. */
export interface OpenImage {
  /** Bytes stored: what a download serves (and its Content-Length). */
  size: number;
  /** When it was stored (epoch ms): Last-Modified, and part of the ETag. */
  storedAt: number;
  /** The bytes from `start` to `end` inclusive, streamed (an image runs to many megabytes). */
  read(start: number, end: number): Readable;
  /** Frees what open() took when nothing is read (a HEAD, a 416); a read frees it itself. */
  close(): Promise<void>;
}

export interface FirmwareImages {
  /**
   * Stores `source` under `id`, passing each chunk to `inspect` first (hashing, size
   * limits: a throw there aborts, leaving nothing). Resolves once the whole image is
   * durable; until then open() does not find it.
   */
  write(id: string, source: AsyncIterable<Uint8Array>, inspect: (chunk: Uint8Array) => void): Promise<void>;
  /** The image, or undefined when there is none under this id. */
  open(id: string): Promise<OpenImage | undefined>;
  /** Removes an image written for a catalogue row that could not be added. */
  discard(id: string): Promise<void>;
  close(): Promise<void>;
}
