/**
 * The one iris image check (技术要求 1.1(5)(6), 1.2(2)): every rule's verdict with its
 * measured value (nothing calls it yet: enrolment and capture devices are to). CPU-bound
 * (about 35–60 ms for a 640 × 480 image on the development machine): callers on a
 * request path run it in a worker.
 */
import type { IrisBoundaries } from './iris-locate.js';
import { IRIS_PREREQUISITES, IRIS_RULES, type IrisFindings, type IrisVerdict } from './iris-rules.js';

export interface IrisCheck {
  /** Every rule passed. */
  readonly ok: boolean;
  /** The verdicts of the rules that ran, in order (a failed prerequisite ends the list). */
  readonly verdicts: readonly IrisVerdict[];
  readonly boundaries?: IrisBoundaries;
}

export function checkIris(bytes: Uint8Array): IrisCheck {
  const found: IrisFindings = {};
  const verdicts: IrisVerdict[] = [];
  for (const rule of IRIS_RULES) {
    const verdict = rule.check(bytes, found);
    verdicts.push(verdict);
    if (!verdict.ok && IRIS_PREREQUISITES.has(rule)) break;
  }
  const ok = verdicts.every((v) => v.ok);
  return found.boundaries ? { ok, verdicts, boundaries: found.boundaries } : { ok, verdicts };
}
