/**
 * The photo sign-in reader: the byte path a C_SIGN_IN of 4 KB or more takes, which must
 * answer what it takes as the text path answers it.
 */
import {
  concat,
  imgValue,
  jsonText,
  keyText,
  type Member,
  mutate,
  objectText,
  signInMembers,
  text,
  unframe,
  varint,
} from '@kaoqin/conformance/fuzz';
import {
  decodeRequestPayload,
  encodeDeviceRequestFrame,
  formatTimeStamp,
  type IncomingRequest,
} from '@kaoqin/protocol';
import { decodeBase64Photo } from '../../src/blobs/photo.js';
import { readPhotoSignIn } from '../../src/gateway/photo-request.js';
import { core, signed } from './core.js';
import { NOW, TOKEN } from './fixed.js';
import { hexSample, OK, type Parser, thrown } from './outcome.js';

export const photoReader: Parser = {
  name: 'photo sign-in (bytes)',
  make(r) {
    const members = signInMembers(r, NOW).filter(([k]) => k !== '"img"');
    // Just past the 4 KB the photo path starts at, now and then a real photo's size.
    const img = imgValue(r, r.chance(0.95) ? r.range(3100, 6000) : r.range(6000, 60_000));
    const op = r.weighted<string>([
      [40, 'plain'],
      [10, 'first'],
      [10, 'member'],
      [5, 'two'],
      [5, 'escaped'],
      [5, 'nested'],
      [5, 'cut'],
      [5, 'whitespace'],
      [10, 'bytes'],
      [5, 'repeated-field'],
    ]);
    let all: Member[] = [...members, ['"img"', img]];
    if (op === 'first') all = [['"img"', img], ...members];
    if (op === 'member') all.splice(r.int(all.length), 0, [keyText(r), jsonText(r)]);
    if (op === 'two') all.push(['"img"', imgValue(r, 10)]);
    if (op === 'escaped') all.push(['"\\u0069mg"', '"AAAA"']);
    if (op === 'nested') all.push(['"qrCodeInfo"', objectText([['"img"', '"AAAA"']])]);
    let param = objectText(all, op === 'whitespace' ? r.pick([' ', '\n', '\t ']) : '');
    if (op === 'cut') param = param.slice(0, r.int(param.length));
    const values = {
      version: 'v1.0.0',
      sn: 'KQ-FUZZ',
      token: TOKEN,
      apicode: r.chance(0.95) ? 'C_SIGN_IN' : r.pick(['C_HEARTBEAT', 'C_AUTH', '']),
      timeStamp: formatTimeStamp(NOW),
      param,
    };
    const sign = r.chance(0.8) ? signed(r, 'C_SIGN_IN', values) : r.hex(32);
    const frame = unframe(encodeDeviceRequestFrame({ ...values, sign }));
    let payload: Uint8Array = frame;
    if (op === 'bytes') payload = mutate(r, frame);
    if (op === 'repeated-field') {
      // A later occurrence of a field wins (proto3), in both readers.
      const value = Buffer.from(r.chance(0.5) ? r.pick(['C_SIGN_IN', 'C_AUTH', '']) : text(r).slice(0, 100));
      payload = concat([frame, Uint8Array.from([(r.range(1, 7) << 3) | 2, ...varint(value.length)]), value]);
    }
    return {
      describe: () => `${op}: ${hexSample(payload)}`,
      run() {
        let photo: ReturnType<typeof readPhotoSignIn>;
        try {
          photo = readPhotoSignIn(payload);
        } catch (e) {
          return thrown(e);
        }
        if (!photo) return { ok: false, code: 'text path' };
        // What the photo path takes must be answered as the text path answers it
        // (photo-request.ts): the same code, the same param, the same photo.
        let textReq: IncomingRequest;
        try {
          textReq = decodeRequestPayload(payload);
        } catch (e) {
          return {
            finding: 'differs',
            reason: `the photo path took a frame the text path refuses: ${(e as Error).message}`,
          };
        }
        const byText = core(textReq);
        const byPhoto = core(photo.req);
        if ('thrown' in byText) return byText.thrown;
        if ('thrown' in byPhoto) return byPhoto.thrown;
        if (byText.code !== byPhoto.code)
          return {
            finding: 'differs',
            reason: `answered ${byPhoto.code} on the photo path, ${byText.code} on the text path`,
          };
        if (byText.code !== 'ok') return { ok: false, code: byText.code };
        const { img: textImg, ...textRest } = byText.param as { img?: unknown };
        if (JSON.stringify(textRest) !== JSON.stringify(byPhoto.param))
          return { finding: 'differs', reason: "the param admitted differs from the text path's" };
        const textPhoto =
          typeof textImg === 'string' && textImg !== '' ? decodeBase64Photo(textImg) : undefined;
        const same =
          photo.photo === undefined
            ? textImg === '' || textImg === undefined
            : textPhoto !== undefined && Buffer.from(photo.photo).equals(textPhoto);
        return same ? OK : { finding: 'differs', reason: "the photo differs from the text path's" };
      },
    };
  },
};
