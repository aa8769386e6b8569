/**
 * The iris check's verdicts (@kaoqin/protocol/photo) in the shared enrolment shape, so
 * an iris refusal reads like a face or ID card one: code, the field (iris.left,
 * iris.right), what was measured and why.
 */
import type { EnrolmentVerdict } from '@kaoqin/protocol';
import type { IrisVerdict } from '@kaoqin/protocol/photo';
import type { Eye } from '../store/person-iris.js';

/** What a rule measured, as text: "42 px", "grey 201"; what it found when nothing could be measured. */
function measuredText(v: IrisVerdict): string {
  switch (v.rule) {
    case 'iris_radius':
      return v.measured === undefined ? 'unmeasured' : `${v.measured} px`;
    case 'iris_grey':
      return v.measured === undefined ? 'unmeasured' : `grey ${v.measured}`;
    case 'iris_not_found':
      return v.ok ? 'found' : 'not found';
    case 'iris_bad_image':
      return v.ok ? '640×480 8-bit grey BMP' : v.message.replace(/^iris image refused: /, '');
  }
}

export function irisVerdicts(verdicts: readonly IrisVerdict[], field: string): EnrolmentVerdict[] {
  return verdicts.map((v) => ({ code: v.rule, ok: v.ok, field, value: measuredText(v), message: v.message }));
}

export const irisField = (eye: Eye): string => `iris.${eye}`;
