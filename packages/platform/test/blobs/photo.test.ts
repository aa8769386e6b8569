import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { checkPhoto, PHOTO_MAX_BYTES, PHOTO_MAX_DECODE_PIXELS, photoFormat } from '@kaoqin/protocol/photo';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64Photo, decodeBase64PhotoBytes } from '../../src/blobs/photo.js';

/** A picture with detail in it, so encoders cannot shrink it to nothing. */
function noise(width: number, height: number): sharp.Sharp {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: 'black',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  });
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** A well-formed 8-bit grey PNG header claiming width × height, with one row of pixels. */
function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** A 24-bit BMP, which sharp cannot write. */
function bmp(width: number, height: number): Buffer {
  const row = Math.ceil((width * 3) / 4) * 4;
  const out = Buffer.alloc(54 + row * height, 0x80);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(0, 6);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(0, 30);
  out.writeUInt32LE(row * height, 34);
  out.fill(0, 38, 54);
  return out;
}

describe('checkPhoto', () => {
  const img: Record<string, Buffer> = {};

  beforeAll(async () => {
    img.jpg200 = await noise(200, 200).jpeg().toBuffer();
    img.png200 = await noise(200, 200).png().toBuffer();
    img.jpg100 = await noise(100, 100).jpeg().toBuffer();
    img.png100 = await noise(100, 100).png().toBuffer();
    img.jpg128 = await noise(128, 128).jpeg().toBuffer();
    img.jpgWide = await noise(300, 127).jpeg().toBuffer();
    img.pngHuge = await noise(400, 400).png().toBuffer();
    img.gif = await noise(200, 200).gif().toBuffer();
    img.webp = await noise(200, 200).webp().toBuffer();
    img.rotated = await noise(300, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  });

  it('accepts a 200×200 JPEG and PNG, by header and by full decode', async () => {
    for (const decode of [false, true]) {
      expect(await checkPhoto(img.jpg200!, { decode })).toEqual({
        ok: true,
        format: 'jpg',
        width: 200,
        height: 200,
      });
      expect(await checkPhoto(img.png200!, { decode })).toEqual({
        ok: true,
        format: 'png',
        width: 200,
        height: 200,
      });
    }
  });

  it('accepts a Uint8Array that is not a Buffer', async () => {
    const copy = new Uint8Array(img.jpg200!.length + 10);
    copy.set(img.jpg200!, 10);
    expect(await checkPhoto(copy.subarray(10), { decode: true })).toMatchObject({ ok: true, format: 'jpg' });
  });

  it('refuses photos smaller than 128 px on either side; 128 × 128 is enough', async () => {
    expect(await checkPhoto(img.jpg100!)).toEqual({ ok: false, reason: 'photo_too_small' });
    expect(await checkPhoto(img.png100!, { decode: true })).toEqual({ ok: false, reason: 'photo_too_small' });
    expect(await checkPhoto(img.jpgWide!)).toEqual({ ok: false, reason: 'photo_too_small' });
    expect(await checkPhoto(img.jpg128!)).toMatchObject({ ok: true, width: 128, height: 128 });
    expect(await checkPhoto(img.jpg100!, { minFacePixels: 100 })).toMatchObject({ ok: true });
  });

  it('reports the size a person sees, after EXIF orientation', async () => {
    expect(await checkPhoto(img.rotated!)).toEqual({ ok: true, format: 'jpg', width: 200, height: 300 });
  });

  it('refuses 400 KB or more, before looking inside', async () => {
    expect(img.pngHuge!.length).toBeGreaterThan(PHOTO_MAX_BYTES);
    expect(await checkPhoto(img.pngHuge!)).toEqual({ ok: false, reason: 'photo_too_large' });
    const atLimit = Buffer.concat([img.jpg200!, Buffer.alloc(PHOTO_MAX_BYTES - img.jpg200!.length)]);
    expect(await checkPhoto(atLimit)).toEqual({ ok: false, reason: 'photo_too_large' });
    expect(await checkPhoto(atLimit.subarray(0, PHOTO_MAX_BYTES - 1))).toMatchObject({ ok: true });
    expect(await checkPhoto(randomBytes(PHOTO_MAX_BYTES))).toEqual({ ok: false, reason: 'photo_too_large' });
    expect(await checkPhoto(img.jpg200!, { maxBytes: img.jpg200!.length })).toEqual({
      ok: false,
      reason: 'photo_too_large',
    });
    expect(await checkPhoto(img.pngHuge!, { maxBytes: 1024 * 1024 })).toMatchObject({ ok: true });
  });

  it('refuses formats other than JPEG and PNG, by their bytes', async () => {
    for (const bytes of [
      img.gif!,
      img.webp!,
      bmp(200, 200),
      randomBytes(5000),
      Buffer.alloc(0),
      Buffer.from([0xff, 0xd8]),
    ]) {
      expect(await checkPhoto(bytes, { decode: true })).toEqual({ ok: false, reason: 'photo_bad_format' });
    }
    expect(photoFormat(img.jpg200!)).toBe('jpg');
    expect(photoFormat(img.png200!)).toBe('png');
    expect(photoFormat(img.gif!)).toBeUndefined();
    expect(photoFormat(bmp(2, 2))).toBeUndefined();
  });

  it('refuses bytes that start like a JPEG or PNG but are not one', async () => {
    const fakeJpg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), randomBytes(3000)]);
    const fakePng = Buffer.concat([img.png200!.subarray(0, 8), randomBytes(3000)]);
    expect(await checkPhoto(fakeJpg)).toEqual({ ok: false, reason: 'photo_undecodable' });
    expect(await checkPhoto(fakePng)).toEqual({ ok: false, reason: 'photo_undecodable' });
    // a PNG called a JPEG by its first bytes, and the other way round
    const pngInJpg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), img.png200!]);
    expect(await checkPhoto(pngInJpg)).toEqual({ ok: false, reason: 'photo_undecodable' });
  });

  it('catches a truncated JPEG or PNG when decoding; the header check alone reads only the header', async () => {
    const jpgCut = img.jpg200!.subarray(0, Math.floor(img.jpg200!.length / 2));
    const pngCut = img.png200!.subarray(0, Math.floor(img.png200!.length / 2));
    expect(await checkPhoto(jpgCut, { decode: true })).toEqual({ ok: false, reason: 'photo_undecodable' });
    expect(await checkPhoto(pngCut, { decode: true })).toEqual({ ok: false, reason: 'photo_undecodable' });
    expect(await checkPhoto(jpgCut)).toMatchObject({ ok: true, width: 200, height: 200 });
    // cut inside the header, even the header check fails
    expect(await checkPhoto(img.jpg200!.subarray(0, 40))).toEqual({ ok: false, reason: 'photo_undecodable' });
    expect(await checkPhoto(img.png200!.subarray(0, 20))).toEqual({ ok: false, reason: 'photo_undecodable' });
  });

  it('does not decode a small PNG that claims too many pixels', async () => {
    const side = Math.ceil(Math.sqrt(PHOTO_MAX_DECODE_PIXELS)) + 1;
    const bomb = pngClaiming(side, side);
    expect(bomb.length).toBeLessThan(PHOTO_MAX_BYTES);
    expect(await checkPhoto(bomb)).toEqual({ ok: true, format: 'png', width: side, height: side });
    expect(await checkPhoto(bomb, { decode: true })).toEqual({ ok: false, reason: 'photo_undecodable' });
  });
});

describe('decodeBase64Photo', () => {
  it('decodes padded and unpadded base64 of every length remainder', () => {
    for (let n = 1; n <= 12; n++) {
      const bytes = randomBytes(n);
      const padded = bytes.toString('base64');
      const unpadded = padded.replace(/=+$/, '');
      for (const text of [padded, unpadded]) {
        const out = decodeBase64Photo(text);
        expect(out && Buffer.from(out).equals(bytes), text).toBe(true);
      }
    }
  });

  it('decodes the 2×2 PNG of the request-signature example', async () => {
    const text =
      'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==';
    const bytes = decodeBase64Photo(text)!;
    expect(photoFormat(bytes)).toBe('png');
    expect(await checkPhoto(bytes, { decode: true })).toEqual({ ok: false, reason: 'photo_too_small' });
    expect(await checkPhoto(bytes, { decode: true, minFacePixels: 2 })).toEqual({
      ok: true,
      format: 'png',
      width: 2,
      height: 2,
    });
  });

  it('tolerates a data:image/…;base64, prefix', () => {
    const bytes = randomBytes(30);
    for (const prefix of ['data:image/jpeg;base64,', 'data:image/png;base64,', 'DATA:IMAGE/JPG;BASE64,']) {
      expect(Buffer.from(decodeBase64Photo(prefix + bytes.toString('base64'))!).equals(bytes)).toBe(true);
    }
    for (const text of [
      'data:image/jpeg;base64,',
      'data:text/plain;base64,QUJD',
      'data:image/jpeg,QUJD',
      'data:image/jpeg;base64;QUJD',
      ' data:image/jpeg;base64,QUJD',
      'data:image/jpeg;base64,data:image/jpeg;base64,QUJD',
    ]) {
      expect(decodeBase64Photo(text), text).toBeUndefined();
    }
  });

  it('refuses anything but strict standard base64', () => {
    for (const text of [
      '',
      'Q',
      'QUJDR',
      '=',
      '==',
      '====',
      'QQ=',
      'QQ===',
      'QUJD=',
      'QUJD====',
      '=QUJ',
      'Q=UJ',
      'QU=J',
      'QUJD QUJD',
      ' QUJD',
      'QUJD\t',
      'QUJ-',
      'QUJ_',
      'QUJ.',
      'QUJ*',
      'QUJ\0',
      'QUJé',
      'ＱＵＪＤ',
      'QR==',
      'QUK=',
      'QR',
      'QUK',
    ]) {
      expect(decodeBase64Photo(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it('takes MIME-style line breaks (Android Base64.DEFAULT wraps at 76 characters)', () => {
    const bytes = randomBytes(1000);
    const wrapped = bytes.toString('base64').replace(/.{76}/g, '$&\n');
    expect(Buffer.from(decodeBase64Photo(wrapped)!).equals(bytes)).toBe(true);
    expect(Buffer.from(decodeBase64Photo(wrapped.replaceAll('\n', '\r\n'))!).equals(bytes)).toBe(true);
    expect(Buffer.from(decodeBase64Photo('QUJD\nQUJD')!).toString()).toBe('ABCABC');
  });

  it('allocates only the decoded bytes', () => {
    const bytes = randomBytes(300_000);
    const out = decodeBase64Photo(bytes.toString('base64'))!;
    expect(out.byteLength).toBe(bytes.length);
    expect(Buffer.from(out).equals(bytes)).toBe(true);
    expect(out.buffer.byteLength).toBe(bytes.length);
  });
});

/** The rule spelled out the slow, obvious way, to check the fast one against. */
function strictReference(text: string): Buffer | undefined {
  const body = text.replace(/\r?\n|\r/g, '').replace(/^data:image\/[a-z0-9.+-]{1,40};base64,/i, '');
  const m = /^([A-Za-z0-9+/]*)(={0,2})$/.exec(body);
  if (!m || m[1] === '') return undefined;
  const data = m[1]!;
  if (data.length % 4 === 1) return undefined;
  if (m[2] !== '' && (data.length + m[2]!.length) % 4 !== 0) return undefined;
  const bytes = Buffer.from(data, 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== data) return undefined;
  return bytes;
}

describe('decodeBase64Photo against a plain reading of the rule', () => {
  it('agrees on many random near-base64 texts', () => {
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed % n;
    };
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const odd = ['=', '-', '_', ' ', '\n', '\r', '\t', '.', '\0', '*', 'é', 'Ł', 'ＱＵ', '\u{1F600}', '%'];
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = Buffer.from(randomBytes(rand(20))).toString('base64');
      if (rand(2)) text = text.replace(/=+$/, '');
      const edits = rand(3);
      for (let e = 0; e < edits; e++) {
        const at = rand(text.length + 1);
        const insert = rand(3) ? odd[rand(odd.length)]! : alphabet[rand(64)]!;
        text = rand(2)
          ? text.slice(0, at) + insert + text.slice(at)
          : text.slice(0, at) + insert + text.slice(at + 1);
      }
      if (rand(10) === 0) text = `data:image/jpeg;base64,${text}`;
      const want = strictReference(text);
      const got = decodeBase64Photo(text);
      if (want) valid++;
      expect(got === undefined ? undefined : Buffer.from(got).toString('hex'), JSON.stringify(text)).toBe(
        want?.toString('hex'),
      );
      // From the UTF-8 bytes: the same photo, or undefined (the caller then reads the text).
      // Only line breaks and non-ASCII may make it unsure of a text the string reader takes.
      const fromBytes = decodeBase64PhotoBytes(Buffer.from(text, 'utf8'));
      if (fromBytes)
        expect(Buffer.from(fromBytes).toString('hex'), JSON.stringify(text)).toBe(want?.toString('hex'));
      // biome-ignore lint/suspicious/noControlCharactersInRegex: what the byte reader leaves to the text
      else if (want && !/[\r\n]|[^\x00-\x7f]/.test(text)) expect.fail(`unsure of ${JSON.stringify(text)}`);
    }
    expect(valid).toBeGreaterThan(1000);
  });
});
