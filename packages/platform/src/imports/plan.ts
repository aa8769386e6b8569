/**
 * What a checked roster row would do to the platform, decided before anything is
 * written, so a dry run and an apply give the same answer: create an identity, update
 * one (fields, photo, the assignment to this site), or nothing. An empty cell never
 * clears a field: a roster with fewer columns than last time must not wipe data. A photo
 * the person already has (same bytes) changes nothing; another one replaces their faces.
 */
import { type ImportProblem, importProblem } from './messages.js';
import type { Gender, RosterRecord } from './roster-values.js';
import type { CheckedPhoto } from './row-photo.js';

/** The identity fields a roster carries (the birth date is the ID number's, never stored). */
export const IDENTITY_FIELDS = [
  'name',
  'gender',
  'ethnicity',
  'address',
  'issuingAuthority',
  'validFrom',
  'validTo',
  'phone',
] as const;
export type IdentityField = (typeof IDENTITY_FIELDS)[number];

export const ASSIGNMENT_FIELDS = ['company', 'team', 'trade', 'joinedOn', 'leftOn'] as const;
export type AssignmentField = (typeof ASSIGNMENT_FIELDS)[number];

/** What the platform holds for an ID number, as the plan compares it. */
export interface Existing {
  personId: string;
  identity: Partial<Record<IdentityField, string>>;
  photoKeys: readonly string[];
  /** The active assignment to the import's site, if any. */
  assignment?: { id: string } & Partial<Record<AssignmentField, string | null>>;
}

export type Plan =
  | { kind: 'create'; photo: CheckedPhoto }
  | {
      kind: 'update';
      existing: Existing;
      identity: Partial<Record<IdentityField, string>>;
      photo?: CheckedPhoto;
      /** 'add': a new assignment to the site; a patch: fields of the active one. */
      assignment?: 'add' | Partial<Record<AssignmentField, string>>;
      /** Names of what changes, for the report. */
      changes: string[];
    }
  | { kind: 'unchanged'; existing: Existing }
  | { kind: 'failed'; problems: ImportProblem[] };

/** Gender as the ID card prints it (what the card reader would have stored). */
const GENDER_TEXT: Record<Gender, string> = { male: '男', female: '女' };

/** A stored gender in any spelling, for comparison. */
function sameGender(stored: string | undefined, g: Gender): boolean {
  const s = stored?.toLowerCase();
  return s === GENDER_TEXT[g] || s === g || s === g[0];
}

export function identityOf(r: RosterRecord): Partial<Record<IdentityField, string>> {
  const out: Partial<Record<IdentityField, string>> = { name: r.name };
  for (const f of IDENTITY_FIELDS) {
    if (f === 'name' || f === 'gender') continue;
    const v = r[f];
    if (v !== undefined) out[f] = v;
  }
  if (r.gender) out.gender = GENDER_TEXT[r.gender];
  return out;
}

export function planRow(
  r: RosterRecord,
  existing: Existing | undefined,
  photo: CheckedPhoto | undefined,
  photoProblem: ImportProblem | undefined,
): Plan {
  if (photoProblem) return { kind: 'failed', problems: [photoProblem] };
  if (!existing) {
    if (!photo) return { kind: 'failed', problems: [importProblem('photo_missing', { field: 'photo' })] };
    return { kind: 'create', photo };
  }
  const identity: Partial<Record<IdentityField, string>> = {};
  const want = identityOf(r);
  for (const f of IDENTITY_FIELDS) {
    const v = want[f];
    if (v === undefined) continue;
    const same =
      f === 'gender' && r.gender
        ? sameGender(existing.identity.gender, r.gender)
        : existing.identity[f] === v;
    if (!same) identity[f] = v;
  }
  const changes: string[] = Object.keys(identity);
  const newPhoto = photo && !existing.photoKeys.includes(photo.key) ? photo : undefined;
  if (newPhoto) changes.push('photo');
  let assignment: 'add' | Partial<Record<AssignmentField, string>> | undefined;
  if (!existing.assignment) {
    assignment = 'add';
    changes.push('assignment');
  } else {
    const patch: Partial<Record<AssignmentField, string>> = {};
    for (const f of ASSIGNMENT_FIELDS) {
      const v = r[f];
      if (v !== undefined && existing.assignment[f] !== v) patch[f] = v;
    }
    if (Object.keys(patch).length > 0) {
      assignment = patch;
      changes.push(...Object.keys(patch).map((f) => `assignment.${f}`));
    }
  }
  if (changes.length === 0) return { kind: 'unchanged', existing };
  return {
    kind: 'update',
    existing,
    identity,
    ...(newPhoto ? { photo: newPhoto } : {}),
    ...(assignment ? { assignment } : {}),
    changes,
  };
}
