/**
 * The device's person store (SQLite, §3(11): ≥ 10,000 persons, capacity → D02) and the
 * default face engine (each photo problem → its catalogue code, docs/protocol.md 7.5).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPhotoVectors, photoVectorBytes } from '@kaoqin/protocol/photo';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkFacePhoto,
  createDefaultFaceEngine,
  DEFAULT_PERSON_CAPACITY,
  DeviceFailureError,
  failureCode,
  PersonStore,
} from '../src/persons/index.js';

const dirs: string[] = [];
const stores: PersonStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function storeFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kaoqin-persons-'));
  dirs.push(dir);
  return join(dir, 'persons.db');
}

function open(path: string, capacity?: number): PersonStore {
  const s = new PersonStore(path, capacity === undefined ? {} : { capacity });
  stores.push(s);
  return s;
}

/** What a rejected promise or a throw carried as its device-side code. */
async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(DeviceFailureError);
    return (e as DeviceFailureError).code;
  }
}

const bytes = (...b: number[]) => Uint8Array.from(b);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('PersonStore', () => {
  it('adds, replaces by personId, renames, deletes and clears; counts persons and faces', async () => {
    const s = open(await storeFile());
    expect(s.capacity).toBe(DEFAULT_PERSON_CAPACITY);
    s.put({ personId: '2', name: '李四', faces: [bytes(1, 2), bytes(3)], phone: '13800000000' });
    s.put({ personId: '1', name: '张三', faces: [] });
    expect(s.counts()).toEqual({ personCount: 2, faceCount: 2 });
    expect(s.get('2')).toEqual({
      personId: '2',
      name: '李四',
      faces: [Buffer.from([1, 2]), Buffer.from([3])],
      phone: '13800000000',
    });
    expect(s.faceHashes('2')).toEqual([sha(bytes(1, 2)), sha(bytes(3))]);
    expect(s.firstFace('2')).toEqual(Buffer.from([1, 2]));
    // Replacing takes the new record whole: faces and fields.
    s.put({ personId: '2', name: '李四四', faces: [bytes(9)] });
    expect(s.get('2')).toEqual({ personId: '2', name: '李四四', faces: [Buffer.from([9])] });
    expect(s.counts()).toEqual({ personCount: 2, faceCount: 1 });
    expect(s.rename('2', '老李')).toBe(true);
    expect(s.rename('404', 'x')).toBe(false);
    expect(s.get('2')?.faces).toHaveLength(1);
    expect(s.summaries()).toEqual([
      { personId: '1', name: '张三', faceCount: 0, firstFaceBytes: 0 },
      { personId: '2', name: '老李', faceCount: 1, firstFaceBytes: 1 },
    ]);
    expect(s.delete(['1', 'absent'])).toBe(1);
    expect(s.has('1')).toBe(false);
    s.clear();
    expect(s.counts()).toEqual({ personCount: 0, faceCount: 0 });
  });

  it('refuses incomplete records with D01, fields longer than the wire allows too', async () => {
    const s = open(await storeFile());
    expect(await codeOf(() => s.put({ personId: '', name: 'x', faces: [] }))).toBe('D01');
    expect(await codeOf(() => s.put({ personId: '1', name: 'x', faces: [], idcardNo: '3'.repeat(33) }))).toBe(
      'D01',
    );
    expect(s.counts().personCount).toBe(0);
  });

  it('holds 10,000 persons (§3(11)); one more is D02, an update of a held one still works', async () => {
    const path = await storeFile();
    const s = open(path);
    const face = bytes(0xff, 0xd8, 0xff, 1, 2, 3);
    for (let i = 0; i < DEFAULT_PERSON_CAPACITY; i++) {
      s.put({ personId: `45080042916096${String(i).padStart(5, '0')}`, name: `工人${i}`, faces: [face] });
    }
    expect(s.counts()).toEqual({ personCount: 10_000, faceCount: 10_000 });
    expect(await codeOf(() => s.put({ personId: '9999999999999999999', name: '多一人', faces: [] }))).toBe(
      'D02',
    );
    s.put({ personId: '4508004291609600000', name: '改名', faces: [] });
    expect(s.counts()).toEqual({ personCount: 10_000, faceCount: 9_999 });
    // Walks in personId order, page by page.
    const first = s.list('', 3).map((p) => p.personId);
    expect(first).toEqual(['4508004291609600000', '4508004291609600001', '4508004291609600002']);
    expect(s.list(first[2], 1)[0]?.personId).toBe('4508004291609600003');
    s.flush();
    s.close();
    // Durable: a restart finds the same roster.
    const again = open(path, 20_000);
    expect(again.counts()).toEqual({ personCount: 10_000, faceCount: 9_999 });
    again.put({ personId: '9999999999999999999', name: '多一人', faces: [] });
    expect(again.counts().personCount).toBe(10_001);
  });
});

/** A picture with detail in it, so the encoders cannot shrink it to nothing. */
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

describe('the default face engine', () => {
  const img: Record<string, Buffer> = {};
  beforeAll(async () => {
    img.jpg = await noise(200, 200).jpeg().toBuffer();
    img.png = await noise(160, 130).png().toBuffer();
    img.jpg128 = await noise(128, 128).jpeg().toBuffer();
    img.small = await noise(127, 300).jpeg().toBuffer();
    img.gif = await noise(200, 200).gif().toBuffer();
  });

  it('accepts JPG and PNG of at least 128 × 128 under 400 KB', async () => {
    const engine = createDefaultFaceEngine();
    await expect(engine.enrol('1', img.jpg!)).resolves.toBeUndefined();
    await expect(engine.enrol('1', img.jpg128!)).resolves.toBeUndefined();
    expect(await checkFacePhoto(img.png!)).toEqual({ format: 'png', width: 160, height: 130 });
    await expect(engine.remove('1')).resolves.toBeUndefined();
    await expect(engine.clear()).resolves.toBeUndefined();
  });

  it('fails each problem with its code: D12 too large, D11 format, D13 undecodable, D14 too small', async () => {
    const engine = createDefaultFaceEngine();
    const big = Buffer.concat([img.jpg!, Buffer.alloc(400 * 1024 - img.jpg!.length)]);
    expect(big.length).toBe(400 * 1024);
    expect(await codeOf(engine.enrol('1', big))).toBe('D12');
    expect(await codeOf(engine.enrol('1', big.subarray(0, 400 * 1024 - 1)))).toBeUndefined();
    expect(await codeOf(engine.enrol('1', img.gif!))).toBe('D11');
    expect(await codeOf(engine.enrol('1', Buffer.from('hello, not a photo')))).toBe('D11');
    const cut = img.jpg!.subarray(0, Math.floor(img.jpg!.length / 2));
    expect(await codeOf(engine.enrol('1', cut))).toBe('D13');
    expect(await codeOf(engine.enrol('1', img.png!.subarray(0, 30)))).toBe('D13');
    expect(await codeOf(engine.enrol('1', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), img.png!])))).toBe(
      'D13',
    );
    expect(await codeOf(engine.enrol('1', img.small!))).toBe('D14');
    // The limits are the vendor's to tighten.
    expect(await codeOf(createDefaultFaceEngine({ minSide: 256 }).enrol('1', img.jpg!))).toBe('D14');
  });

  // The shared photo vectors: the engine answers each as the platform's enrolment does.
  it.each(loadPhotoVectors().cases)('photo vector $name ($file)', async (v) => {
    const engine = createDefaultFaceEngine();
    expect(await codeOf(engine.enrol('1', photoVectorBytes(v)))).toBe(v.failure);
    if (v.decode.ok) {
      const { ok: _, ...size } = v.decode;
      expect(await checkFacePhoto(photoVectorBytes(v))).toEqual(size);
    }
  });

  it('failureCode gives a DeviceFailureError its code and anything else D99', () => {
    expect(failureCode(new DeviceFailureError('D15'))).toBe('D15');
    expect(new DeviceFailureError('D15').message).toMatch(/no face found/);
    expect(failureCode(new Error('boom'))).toBe('D99');
  });
});
