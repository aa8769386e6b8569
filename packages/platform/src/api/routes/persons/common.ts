/**
 * What the person routes share: request schemas (the §1.1(1) fields, photos as base64,
 * assignments), the one rule of who sees a person, and the mapping of the domain's
 * refusals (EnrolmentError) to problem documents with the body's field paths.
 *
 * Scope: admins, operators and auditors see every person; a site manager sees a person
 * ever assigned to one of the account's sites (404 for any other: existence is not
 * disclosed), and of that person only the assignments on those sites.
 */
import { FacePoolBusyError } from '@kaoqin/faces';
import { z } from 'zod';
import { decodeBase64Photo } from '../../../blobs/photo.js';
import type { AssignmentRow, PersonRow } from '../../../store/index.js';
import { EnrolmentError, type EnrolmentProblem, MAX_FACES } from '../../../tasks/persons.js';
import { type Principal, siteScope } from '../../auth/principal.js';
import { staleError } from '../../etag.js';
import { ApiError, conflict, type FieldError, invalid, notFound } from '../../problems.js';
import { isoDate } from '../../time.js';
import type { ApiDeps } from '../../types.js';
import { ID, text } from '../sites/common.js';

export { ID, text };

export const personParams = z.strictObject({ personId: ID });
export const assignmentParams = z.strictObject({ personId: ID, assignmentId: ID });

/** Photos travel as base64 (a data: URL prefix is accepted); §1.2 keeps each under 400 KB. */
export const photoText = z.string().min(1).max(600_000).describe('base64 JPEG or PNG, under 400 KB decoded');
/** Face photos per person: the domain's limit, in the schema so OpenAPI says it. */
export const FACES_MAX = MAX_FACES;

export const ID_NUMBER = z
  .string()
  .regex(/^[0-9]{17}[0-9Xx]$/, '18 characters: 17 digits and a digit or X')
  .describe('公民身份号码');

/** The optional sealed fields of §1.1(1), and phone. */
export const piiFields = {
  gender: text(16).describe('性别'),
  ethnicity: text(32).describe('民族'),
  address: text(200).describe('住址'),
  validFrom: isoDate.describe('有效期限: first day'),
  validTo: z.union([isoDate, z.literal('长期')]).describe('有效期限: last day, or 长期'),
  issuingAuthority: text(100).describe('签发机关'),
  phone: z
    .string()
    .regex(/^\+?[0-9][0-9 -]{4,19}$/, 'a phone number: digits, spaces, dashes, a leading +')
    .describe('联系电话'),
};

export const assignmentFields = {
  company: text(128).nullable().optional().describe('参建/分包单位'),
  team: text(128).nullable().optional().describe('班组'),
  trade: text(64).nullable().optional().describe('工种'),
  joinedOn: isoDate.optional().describe('进场日期 (default: today, China time)'),
  leftOn: isoDate
    .nullable()
    .optional()
    .describe('退场日期: today or earlier ends it now, a later day on that day'),
};

export const newAssignment = z.strictObject({ siteId: ID, ...assignmentFields });

/** The bytes of base64 photos, or a 400 naming the one that is not base64. */
export function decodePhotos(texts: readonly string[], path: string): Uint8Array[] {
  return texts.map((t, i) => decodePhoto(t, `${path}.${i}`));
}

export function decodePhoto(t: string, path: string): Uint8Array {
  const bytes = decodeBase64Photo(t);
  if (!bytes) throw invalid(path, 'not base64');
  return bytes;
}

/** What each photo refusal means to whoever holds the picture (技术要求 1.2). */
const PHOTO_HINT: Record<string, string> = {
  photo_bad_format: 'not a JPG or PNG image',
  photo_too_large: 'must be smaller than 400 KB (§1.2)',
  photo_too_small: 'must be at least 128 × 128 pixels (§1.2)',
  photo_undecodable: 'cannot be decoded (truncated or corrupt)',
};

/** Failed enrolment rules as errors[] entries: path, `code: message`, and code and value apart for scripts. */
export function fieldErrors(problems: readonly EnrolmentProblem[], prefix: string): FieldError[] {
  return problems.map((p) => ({
    path: `${prefix}.${p.field}`,
    message: `${p.code}: ${p.message}`,
    code: p.code,
    ...(p.value !== undefined ? { value: p.value } : {}),
  }));
}

/** The domain's refusals as problem documents; `body` prefixes field paths. */
export function apiErrorOf(e: unknown, prefix = 'body'): unknown {
  // The face pool's queue is full (a burst of enrolments): busy, not broken.
  if (e instanceof FacePoolBusyError)
    return new ApiError('unavailable', { en: e.message, zh: '人脸检测繁忙，请稍后重试' }, undefined, {
      'retry-after': '5',
    });
  if (!(e instanceof EnrolmentError)) return e;
  // The enrolment check names every failed rule with the value it measured (enrolment/check.ts).
  if (e.problems) return new ApiError('validation_failed', undefined, fieldErrors(e.problems, prefix));
  const path = `${prefix}.${e.field ?? ''}`.replace(/\.$/, '');
  switch (e.code) {
    case 'person_not_found':
    case 'assignment_not_found':
      return notFound({ en: e.message, zh: '人员或进场记录不存在' });
    case 'site_not_found':
      return invalid(path, 'no such site');
    case 'duplicate_id_number':
      // "Enrolled once" (§1.1(7)): the caller is told which person holds the ID number,
      // and can assign that one to the site instead of capturing the worker again.
      return new ApiError(
        'conflict',
        {
          en: `this ID number is enrolled already, as person ${e.existingId}: assign that person (POST /api/v1/persons/${e.existingId}/assignments)`,
          zh: `该身份证号已登记为人员 ${e.existingId}，请直接为其办理进场，无需重复采集`,
        },
        [{ path, message: `enrolled already as person ${e.existingId}` }],
        e.existingId ? { location: `/api/v1/persons/${e.existingId}` } : undefined,
      );
    case 'already_assigned':
      return conflict({
        en: `${e.message}${e.existingId ? ` (assignment ${e.existingId})` : ''}`,
        zh: '该人员已在此工地进场',
      });
    case 'stale':
      return staleError();
    case 'review_not_required':
      return conflict({ en: e.message, zh: '该人员没有待复核的人证比对结果' });
    case 'bad_input':
      return invalid(path, e.message);
    default:
      return invalid(path, PHOTO_HINT[e.code] ?? e.message);
  }
}

/** Runs a domain call, turning its refusals into problem documents. */
export async function domain<T>(fn: () => Promise<T>, prefix = 'body'): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw apiErrorOf(e, prefix);
  }
}

export const noPerson = (id: string) => notFound({ en: `no person ${id}`, zh: '人员不存在' });

export interface Visible {
  person: PersonRow;
  /** Every assignment of the person the caller may see, in id order. */
  assignments: AssignmentRow[];
}

/** The person as the caller may see them, or 404 (unknown, or outside a site manager's sites). */
export async function visiblePerson(deps: ApiDeps, p: Principal, personId: string): Promise<Visible> {
  const { store } = deps.data;
  const person = await store.persons.get(personId);
  if (!person) throw noPerson(personId);
  const all = await store.assignments.ofPerson(personId);
  const scope = siteScope(p);
  if (scope === undefined) return { person, assignments: all };
  const assignments = all.filter((a) => scope.includes(a.siteId));
  if (assignments.length === 0) throw noPerson(personId);
  return { person, assignments };
}

/** As visiblePerson, and not erased: what a write needs. */
export async function activePerson(deps: ApiDeps, p: Principal, personId: string): Promise<Visible> {
  const v = await visiblePerson(deps, p, personId);
  if (v.person.status !== 'active') throw noPerson(personId);
  return v;
}
