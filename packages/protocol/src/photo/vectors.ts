/**
 * The shared photo vectors (vectors/photos/: image files and manifest.json, written by
 * scripts/make-photo-vectors.ts): what the §1.2 check must answer for each file, run by
 * this package, the platform's enrolment and the device's default face engine.
 */
import { readFileSync } from 'node:fs';
import type { PhotoCheck } from './check.js';

export interface PhotoVector {
  name: string;
  /** The file under vectors/photos/; its extension need not match its bytes. */
  file: string;
  about: string;
  /** checkPhoto reading the header only (a clock-in's or an import's quick check). */
  header: PhotoCheck;
  /** checkPhoto with `decode: true`: enrolment, and the device's default face engine. */
  decode: PhotoCheck;
  /** The failedFaces code a device reports for `decode`'s problem (docs/protocol.md 7.5). */
  failure?: string;
}

export interface PhotoVectorFile {
  about: string;
  /** The limits every vector is checked with: the defaults of checkPhoto. */
  limits: { maxBytes: number; minFacePixels: number; maxDecodePixels: number };
  cases: PhotoVector[];
}

/** src/photo and dist/photo are both two levels below the package root. */
const DIR = new URL('../../vectors/photos/', import.meta.url);

export function loadPhotoVectors(): PhotoVectorFile {
  return JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as PhotoVectorFile;
}

export function photoVectorBytes(v: PhotoVector): Uint8Array {
  return readFileSync(new URL(v.file, DIR));
}
