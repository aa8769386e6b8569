/**
 * A problem's `errors[].path` (body.idNumber, body.photos.0, body.assignments.0.siteId)
 * as the enrolment form's field names, so each API refusal shows at its field; what
 * names no field of the form stays for the form's alert.
 */
import type { ProblemField } from '../../api/client';

const FORM_FIELDS = new Set([
  'name',
  'idNumber',
  'gender',
  'ethnicity',
  'address',
  'issuingAuthority',
  'validFrom',
  'validTo',
  'phone',
  'photos',
  'idCardPhoto',
  'idCardFront',
  'idCardBack',
  'siteId',
  'company',
  'team',
  'trade',
  'joinedOn',
]);

export function formFieldOf(path: string): string | undefined {
  const parts = path.replace(/^body\.?/, '').split('.');
  let name = parts[0] ?? '';
  if (name === 'assignments') name = parts[2] ?? 'siteId';
  return FORM_FIELDS.has(name) ? name : undefined;
}

/** Errors grouped per form field, and the rest. */
export function splitErrors(errors: readonly ProblemField[]): {
  byField: Map<string, string[]>;
  rest: ProblemField[];
} {
  const byField = new Map<string, string[]>();
  const rest: ProblemField[] = [];
  for (const e of errors) {
    const f = formFieldOf(e.path);
    if (f === undefined) rest.push(e);
    else byField.set(f, [...(byField.get(f) ?? []), e.message]);
  }
  return { byField, rest };
}
