/**
 * The one suite every firmware image backend passes (firmware-images/: files in the
 * data directory, chunks in PostgreSQL). Two handles stand for two processes: what one
 * writes, the other serves. Images span several 256 KiB chunks, so ranges cross chunk
 * boundaries; a refused or broken upload leaves nothing that open() finds.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirmwareImages, OpenImage } from '../../src/firmware-images/index.js';

export interface ImagesFixture {
  open(): Promise<FirmwareImages>;
  /** What the backend holds at rest for these ids (files, rows): empty after a refusal. */
  leftovers(id: string): Promise<string[]>;
  dispose(): Promise<void>;
}

const KiB = 1024;
let n = 0;
const newId = () => `${Date.now()}${String(n++).padStart(6, '0')}`;

/** A source in uneven pieces (as an upload arrives), optionally failing after some bytes. */
async function* pieces(bytes: Buffer, opts: { failAfter?: number } = {}): AsyncGenerator<Uint8Array> {
  const sizes = [1, 70 * KiB, 3, 300 * KiB, 5 * KiB];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const take = sizes[i % sizes.length]!;
    if (opts.failAfter !== undefined && at >= opts.failAfter) throw new Error('the client went away');
    // A fresh buffer each time, reused by the next piece: the backend must copy what it keeps.
    const piece = Buffer.from(bytes.subarray(at, at + take));
    yield piece;
    piece.fill(0);
    at += take;
  }
}

async function readAll(image: OpenImage, start: number, end: number): Promise<Buffer> {
  return Buffer.concat(await image.read(start, end).toArray());
}

export function firmwareImagesSuite(name: string, fixture: () => Promise<ImagesFixture>): void {
  describe(`FirmwareImages: ${name}`, () => {
    let f: ImagesFixture;
    let a: FirmwareImages;
    let b: FirmwareImages;
    const bytes = randomBytes(600 * KiB + 17);
    const id = newId();
    beforeAll(async () => {
      f = await fixture();
      a = await f.open();
      b = await f.open();
      let inspected = 0;
      await a.write(id, pieces(bytes), (c) => {
        inspected += c.byteLength;
      });
      expect(inspected).toBe(bytes.length);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await f?.dispose();
    });

    it('serves what another handle wrote, whole, with its size and time', async () => {
      const image = (await b.open(id))!;
      expect(image.size).toBe(bytes.length);
      expect(Math.abs(image.storedAt - Date.now())).toBeLessThan(60_000);
      expect((await readAll(image, 0, bytes.length - 1)).equals(bytes)).toBe(true);
    });

    it('serves byte ranges, across and at chunk boundaries', async () => {
      const chunk = 256 * KiB;
      for (const [start, end] of [
        [0, 0],
        [chunk - 1, chunk],
        [chunk, 2 * chunk - 1],
        [10, 2 * chunk + 5],
        [bytes.length - 1, bytes.length - 1],
        [2 * chunk, bytes.length - 1],
      ] as const) {
        const image = (await b.open(id))!;
        const got = await readAll(image, start, end);
        expect(got.equals(bytes.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
      }
    });

    it('finds nothing under an unknown id; close() frees an image nothing read', async () => {
      expect(await b.open(newId())).toBeUndefined();
      const image = (await b.open(id))!;
      await image.close();
    });

    it('leaves nothing when the inspector refuses a chunk (too large)', async () => {
      const refused = newId();
      let seen = 0;
      await expect(
        a.write(refused, pieces(randomBytes(400 * KiB)), (c) => {
          seen += c.byteLength;
          if (seen > 300 * KiB) throw new Error('too large');
        }),
      ).rejects.toThrow('too large');
      expect(await b.open(refused)).toBeUndefined();
      expect(await f.leftovers(refused)).toEqual([]);
    });

    it('leaves nothing when the upload breaks off', async () => {
      const broken = newId();
      await expect(
        a.write(broken, pieces(randomBytes(700 * KiB), { failAfter: 400 * KiB }), () => {}),
      ).rejects.toThrow('the client went away');
      expect(await b.open(broken)).toBeUndefined();
      expect(await f.leftovers(broken)).toEqual([]);
    });

    it('discards an image whose catalogue row could not be made', async () => {
      const orphan = newId();
      await a.write(orphan, pieces(randomBytes(10 * KiB)), () => {});
      expect(await b.open(orphan)).toBeDefined();
      await a.discard(orphan);
      expect(await b.open(orphan)).toBeUndefined();
      expect(await f.leftovers(orphan)).toEqual([]);
    });
  });
}
