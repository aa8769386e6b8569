/**
 * The FaceVerifier (face-verify.ts) over the enrolment face service (enrolment/human.ts:
 * @kaoqin/faces' worker pool, shared with enrolment, so one bound and one queue for all
 * face work). It compares as enrolment's face-vs-card 1:1 does (enrolment/check.ts): the
 * person's FIRST face photo is the reference, each side's embedding comes from the pool,
 * and @kaoqin/faces' matchFaces judges their similarity against the configured threshold
 * (faceMatchThreshold, default FACE_MATCH_THRESHOLD = 0.5; docs/attendance-rules.md).
 *
 * The enrolled photo's embedding is computed once and kept in memory per (person, photo
 * key), bounded (least recently used out first): computing it at every clock-in would
 * double the detector's work. Keys are content addresses, so an entry is never stale; a
 * new photo is a new key. An erased person's entries are dropped with `forget` (an
 * embedding is biometric data, PIPL), and a computation begun before a forget is not kept.
 */
import { FacePoolBusyError, matchFaces } from '@kaoqin/faces';
import { checkPhoto } from '@kaoqin/protocol/photo';
import { LRUCache } from 'lru-cache';
import type { BlobStore } from '../../blobs/types.js';
import type { PersonRow } from '../../store/index.js';
import type { FaceVerdict, FaceVerifier } from './face-verify.js';

/** Enrolled embeddings kept by default: 4 KB each as float32 (1,024 numbers), about 16 MB. */
export const FACE_EMBEDDING_CACHE_ENTRIES = 4096;

/** Faces on a photo: how many, and the first one's embedding (1,024 numbers). */
export interface PhotoFaces {
  count: number;
  embedding?: number[];
}

export interface FaceVerifierDeps {
  /** The persons (store.persons): whose first face photo is the reference. */
  persons: { get(id: string): Promise<Pick<PersonRow, 'status' | 'photoKeys'> | undefined> };
  /** The face photo store the enrolment photos are in. */
  photos: Pick<BlobStore, 'get'>;
  /**
   * The detector: the enrolment face service's pool, analysing with an embedding (its
   * `cardFaces` is exactly this; nothing in it is specific to card photos).
   */
  faces(photo: Uint8Array): Promise<PhotoFaces>;
  /** Least similarity that is a match (the enrolment 1:1's: config faceMatchThreshold). */
  threshold: number;
  /** Enrolled embeddings kept in memory; default FACE_EMBEDDING_CACHE_ENTRIES. */
  cacheEntries?: number;
}

/** An enrolled photo as the cache keeps it; null: not exactly one face on it. */
interface Enrolled {
  embedding: Float32Array | null;
}

export class PlatformFaceVerifier implements FaceVerifier {
  readonly #d: FaceVerifierDeps;
  readonly #cache: LRUCache<string, Enrolled>;
  readonly #pending = new Map<string, Promise<Enrolled | undefined>>();
  #forgets = 0;
  /** Enrolled photos analysed (cache misses), for tests and diagnostics. */
  computed = 0;

  constructor(deps: FaceVerifierDeps) {
    this.#d = deps;
    this.#cache = new LRUCache<string, Enrolled>({ max: deps.cacheEntries ?? FACE_EMBEDDING_CACHE_ENTRIES });
  }

  get cached(): number {
    return this.#cache.size;
  }

  async verify(personId: string, photo: Uint8Array): Promise<FaceVerdict> {
    const person = await this.#d.persons.get(personId);
    const key = person?.status === 'active' ? person.photoKeys[0] : undefined;
    if (key === undefined) return { kind: 'no_enrolled_face' };
    // Both on the pool at once: with two or more workers the reference's (cache miss) costs no extra wait.
    const [selfie, enrolled] = await Promise.all([this.#faces(photo), this.#enrolled(personId, key)]);
    if (!enrolled?.embedding) return { kind: 'no_enrolled_face' };
    if (selfie === 'unreadable') return { kind: 'unreadable' };
    if (selfie.count > 1) return { kind: 'many_faces' };
    if (selfie.count === 0 || !selfie.embedding) return { kind: 'no_face' };
    const m = matchFaces(selfie.embedding, Array.from(enrolled.embedding), this.#d.threshold);
    return { kind: m.match ? 'match' : 'mismatch', score: m.score, threshold: m.threshold };
  }

  /** Drops the embeddings of these photo keys (the person was erased, PIPL). */
  forget(photoKeys: Iterable<string>): void {
    this.#forgets++;
    const gone = new Set(photoKeys);
    const drop = [...this.#cache.keys()].filter((k) => gone.has(k.slice(k.lastIndexOf('/') + 1)));
    for (const k of drop) this.#cache.delete(k);
  }

  /** The reference photo's embedding, cached; undefined when its blob is missing (not cached). */
  #enrolled(personId: string, photoKey: string): Promise<Enrolled | undefined> {
    const id = `${personId}/${photoKey}`;
    const hit = this.#cache.get(id);
    if (hit) return Promise.resolve(hit);
    let p = this.#pending.get(id);
    if (!p) {
      const before = this.#forgets;
      p = this.#analyseEnrolled(photoKey)
        .then((e) => {
          if (e && this.#forgets === before) this.#cache.set(id, e);
          return e;
        })
        .finally(() => this.#pending.delete(id));
      this.#pending.set(id, p);
    }
    return p;
  }

  async #analyseEnrolled(photoKey: string): Promise<Enrolled | undefined> {
    const bytes = await this.#d.photos.get(photoKey);
    if (!bytes) return undefined;
    this.computed++;
    const f = await this.#faces(bytes);
    // Enrolment with the detector on admits exactly one face; one enrolled with it off may have none.
    if (f === 'unreadable' || f.count !== 1 || !f.embedding) return { embedding: null };
    return { embedding: Float32Array.from(f.embedding) };
  }

  /**
   * The faces on a photo. The gateway checked only the selfie's header, so its pixel data
   * may not decode, and the detector then fails: that photo is 'unreadable' (a verdict,
   * so the record is stored rather than refused at every retry). A failure on a photo
   * that decodes is the platform's (a worker died…) and is thrown; so is a full pool.
   */
  async #faces(bytes: Uint8Array): Promise<PhotoFaces | 'unreadable'> {
    try {
      return await this.#d.faces(bytes);
    } catch (e) {
      if (e instanceof FacePoolBusyError) throw e;
      const decoded = await checkPhoto(bytes, {
        maxBytes: Number.POSITIVE_INFINITY,
        minFacePixels: 1,
        decode: true,
      });
      if (decoded.ok) throw e;
      return 'unreadable';
    }
  }
}
