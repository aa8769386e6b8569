/** A face photo for an enrolment test: a real JPEG (photos.ts), different every call. */
import { makePhoto } from './photos.js';

let photoSeed = 0;
/** A real 160×160 JPEG (§1.2's minimum is 128×128), different every time: the platform stores photos by content. */
export function face(): Promise<Buffer> {
  return makePhoto(++photoSeed);
}
