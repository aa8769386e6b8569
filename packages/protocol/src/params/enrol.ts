/**
 * X_ENROL_PERSON (kaoqin extension, issue 11 item 5; docs/protocol.md 4.13): a capture
 * device (采集设备: an ID-card reader with a camera, §1.1(9)) submits what it read and
 * captured, and the platform runs the same enrolment checks as its API. Signed like the
 * chapter-3 requests; every image travels as an `img` member of its own small object
 * (`"face":{"img":"…"}`), so the standard's one image rule (every `img` is left out of
 * the signature, 5.4) keeps the bytes outside the signature without a rule of our own.
 */
import { z } from 'zod';
import { type EnrolmentVerdict, enrolmentVerdictSchema } from '../enrolment.js';
import { ERRORS, ProtocolError } from '../errors.js';

/** Standard base64 (padding optional): what `img` members carry. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const base64 = z.string().min(1).regex(BASE64, 'must be base64');

/** One image: its bytes as base64 under `img`, the member the signature leaves out. */
export const enrolImage = z.object({ img: base64 });

export const IRIS_EYES = ['left', 'right'] as const;
export type IrisEye = (typeof IRIS_EYES)[number];

/** An iris image (§1.1(5)): 640 × 480 8-bit grey BMP, base64, and which eye. */
export const enrolIris = z.object({ eye: z.enum(IRIS_EYES), img: base64 });

const text = (max: number) => z.string().max(max);

/**
 * The card fields as §1.1(1) lists what an ID-card reader gives (身份证号、姓名、性别、民族、
 * 出生、地址、发证机关、有效期限), the card's photo, optional scans of both sides (§1.1(2)),
 * the face photo captured on the spot (required) and up to one iris image per eye.
 */
export const enrolPersonParam = z.object({
  name: text(64).min(1),
  idNumber: text(32).min(1),
  /** 性别 as printed: 男 / 女. */
  gender: text(16).optional(),
  /** 民族 as printed (汉, 蒙古 …). */
  ethnicity: text(32).optional(),
  /** 出生: yyyy-MM-dd or yyyyMMdd; must be the birth date the ID number carries. */
  birth: text(16).optional(),
  address: text(256).optional(),
  /** 签发机关. */
  issuer: text(256).optional(),
  /** 有效期限, first day: yyyy-MM-dd or yyyyMMdd. */
  validFrom: text(16).optional(),
  /** 有效期限, last day: yyyy-MM-dd, yyyyMMdd, or 长期. */
  validTo: text(16).optional(),
  /** The chip's photo (102 × 126 JPEG on a second-generation card). */
  cardPhoto: enrolImage.optional(),
  cardFront: enrolImage.optional(),
  cardBack: enrolImage.optional(),
  /** The face photo the device captured (§1.2(1) rules). */
  face: enrolImage,
  iris: z
    .array(enrolIris)
    .max(2)
    .refine((l) => new Set(l.map((i) => i.eye)).size === l.length, 'at most one image per eye')
    .optional(),
});

export type EnrolPersonParam = z.infer<typeof enrolPersonParam>;

/**
 * A successful answer's response: the person and whether the call made them. A retry of
 * an enrolment that went through answers the same person, `identity` and `assignment`
 * then `existing`.
 */
export const enrolPersonResponse = z.object({
  personId: z.string(),
  /** new: this call enrolled the identity; existing: the ID number was enrolled already. */
  identity: z.enum(['new', 'existing']),
  /** new: this call assigned the person to the device's site; existing: they were on it. */
  assignment: z.enum(['new', 'existing']),
  /** Iris images stored with the person. */
  irisStored: z.number().int().nonnegative(),
  /**
   * The person's face-vs-card review (§1.1(4)): `required` when the platform's policy is
   * `flag` and the face did not match the card photo — enrolled and on the devices, but a
   * labour manager is to look. Absent from platforms before it was added.
   */
  review: z.enum(['none', 'required', 'accepted', 'rejected']).optional(),
});

export type EnrolPersonResponse = z.infer<typeof enrolPersonResponse>;

/** A refusal's response (with error 490_09): every rule that failed, with what it measured. */
export const enrolRefusalResponse = z.object({ failures: z.array(enrolmentVerdictSchema).min(1) });

export type EnrolRefusalResponse = z.infer<typeof enrolRefusalResponse>;

/**
 * 490_09: the enrolment broke one or more rules. Unlike the catalogue's other refusals
 * its answer carries a response, the failed rules, signed like a successful one's.
 */
export class EnrolmentRefusedError extends ProtocolError {
  readonly failures: readonly EnrolmentVerdict[];

  constructor(failures: readonly EnrolmentVerdict[]) {
    // The detail names the rules only: it is never sealed (D12), and a measured value
    // can be personal (a birth date); the values travel in the response, sealed when asked.
    super(ERRORS.ENROLMENT_REFUSED, failures.map((f) => `${f.field}: ${f.code}`).join('; '));
    this.name = 'EnrolmentRefusedError';
    this.failures = failures;
  }

  override answerResponse(): EnrolRefusalResponse {
    return { failures: [...this.failures] };
  }
}
