/**
 * The 1:1 face check of mobile clock-ins (face-verifier.ts) with the real detector
 * (enrolment's face service over @kaoqin/faces' pool) on real photos (testkit's
 * real-faces: crops of the MIT-licensed samples @vladmandic/human ships): two different
 * photos of the same man match, a woman's selfie does not, a photo without a face or with
 * two is said so, and a person without a usable enrolled face is told apart. Then what
 * the verifier adds around the detector: the enrolled embedding computed once per
 * (person, photo key) and bounded, forgotten on erasure, a selfie that does not decode
 * judged rather than retried forever, and a full pool answered 490_08.
 */
import { FACE_MATCH_THRESHOLD, FacePoolBusyError } from '@kaoqin/faces';
import { ERRORS, ProtocolError } from '@kaoqin/protocol';
import { type RealFaceName, realFacePhoto } from '@kaoqin/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type FaceVerifierDeps,
  type PhotoFaces,
  PlatformFaceVerifier,
} from '../../../src/domain/attendance-rules/face-verifier.js';
import { verifyFaceOrRetry } from '../../../src/domain/attendance-rules/face-verify.js';
import { openHumanFaces } from '../../../src/enrolment/human.js';
import type { PersonStatus } from '../../../src/store/index.js';
import { ENROLLED, GENUINE_SELFIE, IMPOSTOR_SELFIE } from './face-photos.js';

const service = openHumanFaces({ workers: 1, queueMax: 16 });
afterAll(() => service.close());

interface World {
  verifier: PlatformFaceVerifier;
  /** Photos the detector was given, by name. */
  analysed: string[];
}

/**
 * A verifier over in-memory persons and photos: each person's photo keys name photos of
 * the real-faces table (the key is the name), analysed by the real pool.
 */
async function world(
  persons: Record<string, { photos: RealFaceName[]; status?: PersonStatus }>,
  over: Partial<FaceVerifierDeps> = {},
): Promise<World> {
  const names = new Set(Object.values(persons).flatMap((p) => p.photos));
  const photos = new Map<string, Uint8Array>();
  for (const n of names) photos.set(n, await realFacePhoto(n));
  const byBytes = new Map([...photos].map(([n, b]) => [Buffer.from(b).toString('base64'), n]));
  const analysed: string[] = [];
  const verifier = new PlatformFaceVerifier({
    persons: {
      get: async (id) => {
        const p = persons[id];
        return p && { status: p.status ?? 'active', photoKeys: p.status === 'erased' ? [] : p.photos };
      },
    },
    photos: { get: async (key) => photos.get(key) },
    faces: (bytes) => {
      analysed.push(byBytes.get(Buffer.from(bytes).toString('base64')) ?? 'selfie');
      return service.cardFaces(bytes);
    },
    threshold: FACE_MATCH_THRESHOLD,
    ...over,
  });
  return { verifier, analysed };
}

const selfie = realFacePhoto;

describe('PlatformFaceVerifier with the real detector', { timeout: 120_000 }, () => {
  it('matches two different photos of the same man, at the library threshold', async () => {
    const { verifier } = await world({ P1: { photos: [ENROLLED] } });
    const v = await verifier.verify('P1', await selfie(GENUINE_SELFIE));
    expect(v).toMatchObject({ kind: 'match', threshold: FACE_MATCH_THRESHOLD });
    if (v.kind !== 'match') throw new Error('no match');
    expect(v.score).toBeGreaterThanOrEqual(FACE_MATCH_THRESHOLD);
  });

  it('does not match another person: a woman’s selfie against the man', async () => {
    const { verifier } = await world({ P1: { photos: [ENROLLED] } });
    const v = await verifier.verify('P1', await selfie(IMPOSTOR_SELFIE));
    expect(v).toMatchObject({ kind: 'mismatch', threshold: FACE_MATCH_THRESHOLD });
    if (v.kind !== 'mismatch') throw new Error('not a mismatch');
    expect(v.score).toBeLessThan(FACE_MATCH_THRESHOLD);
  });

  it('says when the selfie has no face, or two', async () => {
    const { verifier } = await world({ P1: { photos: [ENROLLED] } });
    expect(await verifier.verify('P1', await selfie('noFace'))).toEqual({ kind: 'no_face' });
    expect(await verifier.verify('P1', await selfie('twoFaces'))).toEqual({ kind: 'many_faces' });
  });

  it('compares with the first enrolled photo, as enrolment’s 1:1 does', async () => {
    const { verifier, analysed } = await world({ P1: { photos: [ENROLLED, IMPOSTOR_SELFIE] } });
    expect((await verifier.verify('P1', await selfie(GENUINE_SELFIE))).kind).toBe('match');
    expect(analysed).toEqual(['selfie', ENROLLED]);
  });

  it('without a usable enrolled face: no photo, erased, unknown, or no face on it', async () => {
    const { verifier, analysed } = await world({
      bare: { photos: [] },
      gone: { photos: [ENROLLED], status: 'erased' },
      blank: { photos: ['noFace'] },
    });
    const photo = await selfie(GENUINE_SELFIE);
    for (const id of ['bare', 'gone', 'nobody'])
      expect(await verifier.verify(id, photo)).toEqual({ kind: 'no_enrolled_face' });
    // no detector work for a person with nothing to compare with
    expect(analysed).toEqual([]);
    expect(await verifier.verify('blank', photo)).toEqual({ kind: 'no_enrolled_face' });
    expect(await verifier.verify('blank', photo)).toEqual({ kind: 'no_enrolled_face' });
    // the photo without a face is analysed once: that finding is kept too
    expect(analysed.filter((n) => n === 'noFace')).toHaveLength(1);
    expect(verifier.computed).toBe(1);
  });

  it('judges a selfie whose pixel data does not decode as unreadable (stored, not retried forever)', async () => {
    const { verifier } = await world({ P1: { photos: [ENROLLED] } });
    const whole = await selfie(GENUINE_SELFIE);
    const truncated = whole.subarray(0, Math.floor(whole.length / 2));
    expect(await verifier.verify('P1', truncated)).toEqual({ kind: 'unreadable' });
  });
});

describe('PlatformFaceVerifier around the detector', () => {
  /** A detector whose answer each test sets; counts its calls. */
  function fakeWorld(answer: (photo: Uint8Array) => Promise<PhotoFaces>, cacheEntries?: number) {
    const calls: Uint8Array[] = [];
    const keys: Record<string, string[]> = { P1: ['k1'], P2: ['k2'], P3: ['k3'] };
    const verifier = new PlatformFaceVerifier({
      persons: { get: async (id) => ({ status: 'active', photoKeys: keys[id] ?? [] }) },
      photos: { get: async (key) => new TextEncoder().encode(key) },
      faces: (photo) => {
        calls.push(photo);
        return answer(photo);
      },
      threshold: 0.5,
      ...(cacheEntries === undefined ? {} : { cacheEntries }),
    });
    return { verifier, calls, keys };
  }
  const SAME = { count: 1, embedding: Array.from({ length: 8 }, (_, i) => i / 100) };
  const same = async () => SAME;
  const selfieBytes = new Uint8Array([0xff, 0xd8, 0xff, 1]);

  it('computes the enrolled embedding once per (person, photo key), within its bound', async () => {
    const { verifier, calls, keys } = fakeWorld(same, 2);
    expect(await verifier.verify('P1', selfieBytes)).toEqual({ kind: 'match', score: 1, threshold: 0.5 });
    await verifier.verify('P1', selfieBytes);
    expect(verifier.computed).toBe(1);
    expect(calls).toHaveLength(3); // two selfies, one reference
    // a new photo is a new key: computed again
    keys.P1 = ['k1b'];
    await verifier.verify('P1', selfieBytes);
    expect(verifier.computed).toBe(2);
    // the bound: at most two kept, the least recently used goes
    await verifier.verify('P2', selfieBytes);
    expect(verifier.cached).toBe(2);
    keys.P1 = ['k1'];
    await verifier.verify('P1', selfieBytes);
    expect(verifier.computed).toBe(4);
  });

  it('shares one computation between concurrent clock-ins of a person', async () => {
    const { verifier } = fakeWorld(same);
    await Promise.all([1, 2, 3].map(() => verifier.verify('P1', selfieBytes)));
    expect(verifier.computed).toBe(1);
  });

  it('forgets an erased person’s embedding, and does not keep one computed across the forget', async () => {
    let release: () => void = () => {};
    let gate: Promise<void> | undefined;
    const { verifier } = fakeWorld(async () => {
      await gate;
      return SAME;
    });
    await verifier.verify('P1', selfieBytes);
    expect(verifier.cached).toBe(1);
    verifier.forget(['k1']);
    expect(verifier.cached).toBe(0);
    gate = new Promise((r) => {
      release = r;
    });
    const during = verifier.verify('P2', selfieBytes);
    await new Promise((r) => setImmediate(r));
    verifier.forget(['k2']);
    release();
    expect((await during).kind).toBe('match');
    expect(verifier.cached).toBe(0);
  });

  it('passes a full pool on, which the rules answer 490_08 (the device sends it again)', async () => {
    const { verifier } = fakeWorld(async () => {
      throw new FacePoolBusyError(16);
    });
    await expect(verifier.verify('P1', selfieBytes)).rejects.toBeInstanceOf(FacePoolBusyError);
    const e = await verifyFaceOrRetry(verifier, 'P1', selfieBytes).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).entry).toBe(ERRORS.BUSY);
    expect((e as ProtocolError).code).toBe('490_08');
  });

  it('throws a detector failure on a photo that decodes (the platform’s, so retried: 500_01)', async () => {
    const photo = await realFacePhoto(GENUINE_SELFIE);
    const { verifier } = fakeWorld(async () => {
      throw new Error('worker died');
    });
    await expect(verifier.verify('P1', photo)).rejects.toThrow('worker died');
  });
});
