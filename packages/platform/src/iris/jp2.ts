/**
 * Lossless JPEG 2000 export of an iris image (技术要求 1.2(2): "应能够输出 raw、jpeg2000
 * 格式"), with OpenJPEG compiled to wasm (@cornerstonejs/codec-openjpeg 1.3.6): the
 * reversible 5/3 wavelet (setQuality(true)), no quantisation, so decoding gives back
 * every pixel. The codec writes a bare codestream (.j2k); it is wrapped in the JP2 file
 * format (ISO/IEC 15444-1 Annex I: signature, ftyp, jp2h with ihdr and a greyscale colr,
 * jp2c) because a .jp2 file is what image tools and GB/T 26237 exchange expect.
 *
 * CPU-bound (about 50 ms for 640 × 480): run in the iris worker, never on the event loop.
 */
import { createRequire } from 'node:module';
import type { GreyImage } from '@kaoqin/protocol/photo';

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
  isUsingColorTransform?: boolean;
}
interface Encoder {
  getDecodedBuffer(info: FrameInfo): Uint8Array;
  setQuality(lossless: boolean, quantizationStep: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}
interface Decoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): FrameInfo;
  getIsReversible(): boolean;
  delete(): void;
}
interface Codec {
  J2KEncoder: new () => Encoder;
  J2KDecoder: new () => Decoder;
}
type CodecFactory = (opts: { print: (s: string) => void; printErr: (s: string) => void }) => Promise<Codec>;

let codec: Promise<Codec> | undefined;

/** The wasm module, instantiated once per thread; its [INFO] chatter is dropped. */
function openjpeg(): Promise<Codec> {
  if (!codec) {
    const factory = createRequire(import.meta.url)('@cornerstonejs/codec-openjpeg/wasmjs') as CodecFactory;
    codec = factory({ print: () => {}, printErr: () => {} });
  }
  return codec;
}

/** A reversible (lossless) JPEG 2000 codestream of an 8-bit grey image. */
export async function encodeJ2k(image: GreyImage): Promise<Uint8Array> {
  const { J2KEncoder } = await openjpeg();
  const enc = new J2KEncoder();
  try {
    const info = {
      width: image.width,
      height: image.height,
      bitsPerSample: 8,
      componentCount: 1,
      isSigned: false,
      isUsingColorTransform: false,
    };
    enc.getDecodedBuffer(info).set(image.pixels);
    enc.setQuality(true, 0);
    enc.encode();
    // A copy: the view points into wasm memory, which the next call may move.
    return Uint8Array.from(enc.getEncodedBuffer());
  } finally {
    enc.delete();
  }
}

/** The image as a .jp2 file. */
export async function encodeJp2(image: GreyImage): Promise<Uint8Array> {
  return wrapJp2(await encodeJ2k(image), image.width, image.height);
}

const box = (type: string, ...parts: Uint8Array[]): Buffer => {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
};

/** ISO/IEC 15444-1 I.5: the JP2 boxes around a one-component, 8-bit unsigned codestream. */
export function wrapJp2(codestream: Uint8Array, width: number, height: number): Uint8Array {
  const signature = box('jP  ', Buffer.from([0x0d, 0x0a, 0x87, 0x0a]));
  const ftyp = box('ftyp', Buffer.from('jp2 \0\0\0\0jp2 ', 'latin1'));
  const ihdr = Buffer.alloc(14);
  ihdr.writeUInt32BE(height, 0);
  ihdr.writeUInt32BE(width, 4);
  ihdr.writeUInt16BE(1, 8); // one component
  ihdr.writeUInt8(7, 10); // bits per component − 1, unsigned
  ihdr.writeUInt8(7, 11); // compression type: JPEG 2000
  ihdr.writeUInt8(0, 12); // colourspace known
  ihdr.writeUInt8(0, 13); // no intellectual property box
  const colr = Buffer.alloc(7);
  colr.writeUInt8(1, 0); // enumerated colourspace
  colr.writeUInt32BE(17, 3); // 17: greyscale
  const jp2h = box('jp2h', box('ihdr', ihdr), box('colr', colr));
  return Buffer.concat([signature, ftyp, jp2h, box('jp2c', codestream)]);
}

/** The codestream inside a .jp2 file (its jp2c box), or undefined when there is none. */
export function jp2Codestream(file: Uint8Array): Uint8Array | undefined {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  for (let at = 0; at + 8 <= buf.length; ) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    // Length 0 means "to the end of the file"; 1 (a 64-bit length) is never written here.
    const end = length === 0 ? buf.length : at + length;
    if (length !== 0 && length < 8) return undefined;
    if (type === 'jp2c') return file.subarray(at + 8, end);
    at = end;
  }
  return undefined;
}

/** Decodes a .jp2 file or a bare codestream: the pixels and whether it was reversible. */
export async function decodeJpeg2000(bytes: Uint8Array): Promise<GreyImage & { reversible: boolean }> {
  const stream = bytes[0] === 0xff && bytes[1] === 0x4f ? bytes : jp2Codestream(bytes);
  if (!stream) throw new Error('not a JPEG 2000 file: no codestream');
  const { J2KDecoder } = await openjpeg();
  const dec = new J2KDecoder();
  try {
    dec.getEncodedBuffer(stream.length).set(stream);
    dec.decode();
    const info = dec.getFrameInfo();
    if (info.componentCount !== 1 || info.bitsPerSample !== 8)
      throw new Error(`not an 8-bit grey image: ${info.componentCount} × ${info.bitsPerSample} bit`);
    return {
      width: info.width,
      height: info.height,
      pixels: Uint8Array.from(dec.getDecodedBuffer()),
      reversible: dec.getIsReversible(),
    };
  } finally {
    dec.delete();
  }
}
