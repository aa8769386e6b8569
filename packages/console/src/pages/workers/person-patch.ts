/**
 * The edit form's values as a merge-PATCH of /persons/{id} (docs/api.md "Persons": a
 * field left out stays, null clears it). The console knows a worker's identity only
 * masked, unless the editor loads it (GET …/identity, audited): so a field is sent when
 * it differs from what is known, and an emptied field is cleared only when its stored
 * value was loaded (an empty field of a form never loaded means "leave as is").
 */
import dayjs, { type Dayjs } from 'dayjs';
import { CARD_VALUES } from '../../i18n/parts/workers';
import type { Identity } from './types';

export interface EditValues {
  name?: string;
  idNumber?: string;
  gender?: string;
  ethnicity?: string;
  address?: string;
  issuingAuthority?: string;
  phone?: string;
  validFrom?: Dayjs;
  validTo?: Dayjs;
  longTerm?: boolean;
}

export const PATCH_KEYS = [
  'name',
  'idNumber',
  'gender',
  'ethnicity',
  'address',
  'issuingAuthority',
  'phone',
  'validFrom',
  'validTo',
] as const;
export type PatchKey = (typeof PATCH_KEYS)[number];

/** The stored values known to the form (null: stored empty; absent: not known). */
export type Known = Partial<Record<PatchKey, string | null>>;
export type PersonPatch = Partial<Record<PatchKey, string | null>>;

/** Name and ID number are never cleared (the API requires them). */
const REQUIRED: ReadonlySet<PatchKey> = new Set(['name', 'idNumber']);

const text = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);
const day = (d: Dayjs | undefined | null) => d?.format('YYYY-MM-DD');

/** The form's values as the API writes them (undefined: empty). */
function wire(v: EditValues): Record<PatchKey, string | undefined> {
  return {
    name: text(v.name),
    idNumber: text(v.idNumber)?.toUpperCase(),
    gender: v.gender ?? undefined,
    ethnicity: text(v.ethnicity),
    address: text(v.address),
    issuingAuthority: text(v.issuingAuthority),
    phone: text(v.phone),
    validFrom: day(v.validFrom),
    validTo: v.longTerm ? CARD_VALUES.longTerm : day(v.validTo),
  };
}

export function patchOf(v: EditValues, known: Known): PersonPatch {
  const out: PersonPatch = {};
  const now = wire(v);
  for (const k of PATCH_KEYS) {
    const value = now[k];
    const was = known[k];
    if (value !== undefined) {
      if (value !== was) out[k] = value;
    } else if (typeof was === 'string' && !REQUIRED.has(k)) out[k] = null;
  }
  return out;
}

/** What the audited identity read says is stored. */
export function knownOf(id: Identity): Known {
  return {
    name: id.name,
    idNumber: id.idNumber,
    gender: id.gender,
    ethnicity: id.ethnicity,
    address: id.address,
    issuingAuthority: id.issuingAuthority,
    phone: id.phone,
    validFrom: id.validFrom,
    validTo: id.validTo,
  };
}

/** The identity as the form's values (dates as dayjs, "no expiry" as the checkbox). */
export function formValuesOf(id: Identity): EditValues {
  const longTerm = id.validTo === CARD_VALUES.longTerm;
  return {
    name: id.name,
    idNumber: id.idNumber,
    gender: id.gender ?? undefined,
    ethnicity: id.ethnicity ?? undefined,
    address: id.address ?? undefined,
    issuingAuthority: id.issuingAuthority ?? undefined,
    phone: id.phone ?? undefined,
    validFrom: id.validFrom ? dayjs(id.validFrom) : undefined,
    validTo: id.validTo && !longTerm ? dayjs(id.validTo) : undefined,
    longTerm,
  };
}
