/**
 * The one enrolment check (issue 11 item 6): every rule's verdict with what it measured,
 * for the ID card fields (domain/id-card.ts), each face photo (§1.2(1), @kaoqin/faces),
 * the card's own photo (an image with a face on it), the card's front and back images
 * (images), and the face-vs-card 1:1 (§1.1(4): the first face photo's embedding against
 * the card photo's). Persons.enrol/update (and through them the API, the roster import,
 * the CLI and capture devices) and POST /enrolment-checks all call it, so one photo is
 * refused for the same reasons everywhere. It stores nothing.
 *
 * The 1:1 policy decides what a mismatch does: 'refuse' (the standard's 人证合一) makes
 * its verdict a refusal; 'flag' enrols and marks the person for review.
 */
import type { EnrolmentVerdict } from '@kaoqin/protocol';
import type { PhotoFormat } from '@kaoqin/protocol/photo';
import { PHOTO_MAX_BYTES, PHOTO_MIN_FACE_PIXELS, photoFormat } from '@kaoqin/protocol/photo';
import { checkIdCard, type IdCardInput } from '../domain/id-card.js';
import type { FaceMatchOutcome } from '../store/person-types.js';
import type { FaceService } from './face-service.js';
import { type ImageLimits, imageVerdict } from './image-rules.js';

export type FaceMatchPolicy = 'refuse' | 'flag';

/** The card chip's photo is 102 × 126: small, but still a picture of a face. */
const CARD_PHOTO: ImageLimits = { maxBytes: PHOTO_MAX_BYTES, minPixels: 16 };
/** Front and back scans: under the photo limit (the API takes 1 MB a request), at least legible. */
const CARD_SIDE: ImageLimits = { maxBytes: PHOTO_MAX_BYTES, minPixels: 200 };

export interface EnrolmentInput {
  /** The card fields; absent: the card rules do not run (a change of photos only). */
  card?: IdCardInput;
  /** Only the card rules reading these fields (a PATCH checks what it changes). */
  cardFields?: ReadonlySet<string>;
  photos?: readonly Uint8Array[];
  idCardPhoto?: Uint8Array;
  idCardFront?: Uint8Array;
  idCardBack?: Uint8Array;
  /**
   * Stored pictures to compare against when the call brings only one side of the 1:1
   * (a new card photo against the person's first face photo, or new faces against the
   * stored card photo); no verdicts are reported on them.
   */
  reference?: { face?: Uint8Array; card?: Uint8Array };
  /** yyyy-MM-dd, China time: the card's expiry is judged against it. */
  today: string;
}

export interface CheckedImage {
  bytes: Uint8Array;
  ext: PhotoFormat;
}

export interface FaceMatchResult {
  score: number | null;
  threshold: number | null;
  outcome: FaceMatchOutcome;
}

export interface EnrolmentCheck {
  /** Every rule that ran, passed or failed, in input order. */
  verdicts: EnrolmentVerdict[];
  /** The failed verdicts that refuse (a mismatch under policy 'flag' does not). */
  refusals: EnrolmentVerdict[];
  faceMatch: FaceMatchResult;
  /** 'required': enrolled under policy 'flag' with a mismatch. */
  review: 'none' | 'required';
  photos: CheckedImage[];
  idCardPhoto?: CheckedImage;
  idCardFront?: CheckedImage;
  idCardBack?: CheckedImage;
}

export interface EnrolmentCheckOptions {
  /** Undefined: the detector is off (config faceDetector 'off'); face rules and 1:1 do not run. */
  faces: FaceService | undefined;
  threshold: number;
  policy: FaceMatchPolicy;
  /** Photos the face service checks at once (its worker threads); default 1. */
  workers?: number;
}

export class EnrolmentChecks {
  readonly #o: EnrolmentCheckOptions;
  constructor(opts: EnrolmentCheckOptions) {
    this.#o = opts;
  }

  get policy(): FaceMatchPolicy {
    return this.#o.policy;
  }

  get threshold(): number {
    return this.#o.threshold;
  }

  /**
   * Enrolments worth running side by side to keep every face worker busy (one more than
   * the workers, so a worker's next photo is queued while a row is being written); 1
   * without the detector.
   */
  get parallelism(): number {
    return this.#o.faces ? (this.#o.workers ?? 1) + 1 : 1;
  }

  /** Whether the face rules run (faceDetector 'human'). */
  get detecting(): boolean {
    return this.#o.faces !== undefined;
  }

  async check(input: EnrolmentInput): Promise<EnrolmentCheck> {
    const verdicts: EnrolmentVerdict[] = [];
    if (input.card) {
      const fields = input.cardFields;
      for (const v of checkIdCard(input.card, input.today))
        if (fields === undefined || fields.has(v.field)) verdicts.push(v);
    }
    const faces = this.#o.faces;
    const photos: CheckedImage[] = [];
    let faceEmbedding: number[] | undefined;
    // The embedding costs two to three times the rules (docs/enrolment.md, Throughput):
    // only the 1:1 needs it, and only when a card photo is at hand, here or stored.
    const comparing = input.idCardPhoto !== undefined || input.reference?.card !== undefined;
    for (const [i, bytes] of (input.photos ?? []).entries()) {
      const field = `photos.${i}`;
      if (faces) {
        const c = await faces.checkPhoto(bytes, field, i === 0 && comparing);
        verdicts.push(...c.verdicts);
        const ext = photoFormat(bytes);
        if (c.ok && ext) photos.push({ bytes, ext });
        if (i === 0) faceEmbedding = c.embedding;
      } else {
        const c = await imageVerdict(bytes, field, {
          maxBytes: PHOTO_MAX_BYTES,
          minPixels: PHOTO_MIN_FACE_PIXELS,
        });
        verdicts.push(c.verdict);
        if (c.format) photos.push({ bytes, ext: c.format });
      }
    }
    const out: Omit<EnrolmentCheck, 'refusals' | 'faceMatch' | 'review'> = { verdicts, photos };
    let cardEmbedding: number[] | undefined;
    if (input.idCardPhoto) {
      const c = await imageVerdict(input.idCardPhoto, 'idCardPhoto', CARD_PHOTO);
      verdicts.push(c.verdict);
      if (c.format) {
        out.idCardPhoto = { bytes: input.idCardPhoto, ext: c.format };
        if (faces) {
          const found = await faces.cardFaces(input.idCardPhoto);
          verdicts.push(cardFaceVerdict(found.count));
          cardEmbedding = found.embedding;
        }
      }
    }
    for (const side of ['idCardFront', 'idCardBack'] as const) {
      const bytes = input[side];
      if (!bytes) continue;
      const c = await imageVerdict(bytes, side, CARD_SIDE);
      verdicts.push(c.verdict);
      if (c.format) out[side] = { bytes, ext: c.format };
    }
    // The 1:1 runs when this call brings a face photo or a card photo and the other side
    // is at hand, here or stored.
    let faceMatch: FaceMatchResult = { score: null, threshold: null, outcome: 'not_checked' };
    if (faces && (input.photos?.length || input.idCardPhoto)) {
      if (faceEmbedding === undefined && !input.photos?.length && input.reference?.face)
        faceEmbedding = (await faces.checkPhoto(input.reference.face, 'photos.0', true)).embedding;
      if (cardEmbedding === undefined && !input.idCardPhoto && input.reference?.card)
        cardEmbedding = (await faces.cardFaces(input.reference.card)).embedding;
      if (faceEmbedding && cardEmbedding) {
        const score = faces.similarity(faceEmbedding, cardEmbedding);
        const { threshold } = this.#o;
        const match = score >= threshold;
        faceMatch = { score, threshold, outcome: match ? 'match' : 'mismatch' };
        verdicts.push(matchVerdict(score, threshold, match, input.idCardPhoto ? 'idCardPhoto' : 'photos.0'));
      }
    }
    const flagged = faceMatch.outcome === 'mismatch' && this.#o.policy === 'flag';
    const refusals = verdicts.filter((v) => !v.ok && !(flagged && v.code === 'face_id_mismatch'));
    return { ...out, refusals, faceMatch, review: flagged ? 'required' : 'none' };
  }
}

function cardFaceVerdict(count: number): EnrolmentVerdict {
  const ok = count >= 1;
  return {
    code: 'id_card_photo_no_face',
    ok,
    field: 'idCardPhoto',
    value: `${count} faces`,
    message: ok
      ? 'a face found on the card photo'
      : 'no face found on the ID card photo: it cannot be compared',
  };
}

function matchVerdict(score: number, threshold: number, match: boolean, field: string): EnrolmentVerdict {
  const s = score.toFixed(3);
  return {
    code: 'face_id_mismatch',
    ok: match,
    field,
    value: `score ${s}, threshold ${threshold}`,
    message: match
      ? `the face matches the ID card photo (score ${s}, at least ${threshold})`
      : `the face does not match the ID card photo: score ${s}, needs at least ${threshold} (人证合一, §1.1(4))`,
  };
}
