/**
 * A photo sign-in read from the frame's bytes: its 70 KB param never becomes one string.
 * The protobuf fields are read with param left as bytes, the image member is cut out of
 * those bytes (D4's stripped text is what remains, so the signature and param checks run
 * on that short text unchanged) and the base64 is decoded straight to the photo.
 *
 * Why: on the text path a photo is a 70 KB string several times over (protobuf's decode,
 * JSON.parse's copy, the base64 decoder's slice), each kept in V8's young generation
 * until the group commit acks it, so every scavenge copied them and the heap grew to
 * hundreds of MB under load. Here the only large objects are the frame and the photo,
 * both Buffers outside the V8 heap.
 *
 * Only a request this path is certain of is taken (protocol request-bytes.ts and
 * json-image-bytes.ts list the cases, and the base64 must be what decodeBase64Photo
 * accepts); anything else, and every small frame, goes the text path, which gives the
 * same answer as always: bad base64 still flags photo_bad_base64, bad JSON still 400_02.
 */
import {
  decodeDeviceRequestBytes,
  type IncomingRequest,
  parseOnce,
  splitImageMember,
} from '@kaoqin/protocol';
import { decodeBase64PhotoBytes } from '../blobs/photo.js';

/** Below this a frame carries no photo worth a second reader: heartbeats and plain sign-ins stay on one. */
export const PHOTO_PATH_MIN_BYTES = 4096;

export interface PhotoSignIn {
  /** The request with param as D4's text: img removed. */
  req: IncomingRequest;
  /** The decoded photo; undefined for an empty img, which is no photo (as on the text path). */
  photo: Uint8Array | undefined;
}

export function readPhotoSignIn(payload: Uint8Array): PhotoSignIn | undefined {
  if (payload.byteLength < PHOTO_PATH_MIN_BYTES) return undefined;
  const read = decodeDeviceRequestBytes(payload);
  if (read?.req.apicode !== 'C_SIGN_IN' || !read.param) return undefined;
  const split = splitImageMember(read.param);
  // The rest must be JSON (and shallow) for D4's stripped text to be what was signed: a
  // param that is not JSON is signed as sent, which only the text path reads (400_02
  // there, where this path would have checked the sign over the stripped text: 400_04).
  if (!split || !parseOnce(split.text).ok) return undefined;
  let photo: Uint8Array | undefined;
  if (split.img.length > 0) {
    photo = decodeBase64PhotoBytes(split.img);
    if (!photo) return undefined;
  }
  return { req: { ...read.req, param: split.text }, photo };
}
