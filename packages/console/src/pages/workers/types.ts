/**
 * The shapes of the person, assignment, distribution, enrolment-check and import answers
 * (platform/src/api/routes/persons/views.ts, read.ts, enrolment-checks.ts, imports.ts),
 * as far as these pages read them.
 */

export interface PersonRow {
  personId: string;
  name: string | null;
  /** Masked (330102********1234); null once erased. */
  idNumber: string | null;
  status: 'active' | 'erased';
  photoCount: number;
  review: 'none' | 'required' | 'accepted' | 'rejected';
  createdAt: string;
  updatedAt: string;
}

export interface Assignment {
  assignmentId: string;
  personId: string;
  siteId: string;
  company: string | null;
  team: string | null;
  trade: string | null;
  joinedOn: string;
  leftOn: string | null;
  status: string;
  endedAt: string | null;
}

export interface PersonDetail extends PersonRow {
  phone: string | null;
  photos: { url: string; expiresAt: string }[];
  hasIdCardPhoto: boolean;
  hasIdCardFront: boolean;
  hasIdCardBack: boolean;
  faceMatch: { score: number | null; threshold: number | null; outcome: string; review: string };
  assignments: Assignment[];
  etag: string;
}

export interface Identity {
  personId: string;
  name: string;
  idNumber: string;
  birthDate: string | null;
  gender: string | null;
  ethnicity: string | null;
  address: string | null;
  validFrom: string | null;
  validTo: string | null;
  issuingAuthority: string | null;
  phone: string | null;
}

export type DistributionState = 'pending' | 'on_device' | 'failed' | 'refused' | 'removing' | 'removed';

export interface DistributionItem {
  deviceId: string;
  sn: string | null;
  siteId: string | null;
  expected: boolean;
  state: DistributionState;
  reason: string | null;
  taskId: string | null;
  updatedAt: string;
}

export interface Verdict {
  code: string;
  ok: boolean;
  field: string;
  value: string;
  message: string;
}

export interface CheckResult {
  ok: boolean;
  verdicts: Verdict[];
  refusals: (Verdict & { path: string })[];
  faceMatch: { score: number | null; threshold: number | null; outcome: string };
  policy: string;
  review: string;
  faceDetector: 'human' | 'off';
}

export interface ImportJob {
  id: string;
  siteId: string;
  mode: 'dry-run' | 'apply';
  status: 'running' | 'done' | 'failed';
  progress: { done: number; total: number };
  totals: { created: number; updated: number; unchanged: number; failed: number };
  error: string | null;
  notes: ImportNote[] | null;
}

export interface ImportNote {
  code: string;
  cell: string | null;
  field: string | null;
  entry?: string;
  message: { zh: string; en: string };
}

export interface ImportRow {
  row: number;
  status: 'created' | 'updated' | 'unchanged' | 'failed';
  personId: string | null;
  changes: string[];
  problems: ImportNote[];
}
