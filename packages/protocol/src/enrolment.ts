/**
 * One enrolment rule's verdict (技术要求 1.1, 1.2): the ID card, face photo, face-vs-card
 * and iris rules all report in this shape, so the API, the roster import, the CLI, the
 * console and a capture device's X_ENROL_PERSON answer list the same failures the same
 * way, each with what it measured.
 */
import { z } from 'zod';

export const enrolmentVerdictSchema = z.object({
  /** Stable, for scripts: e.g. face_count, face_too_small, id_number_check_digit. */
  code: z.string(),
  ok: z.boolean(),
  /** The input the rule read: idNumber, photos.0, idCardPhoto, iris.left … */
  field: z.string(),
  /** What was measured, e.g. "face 96×110 px". */
  value: z.string(),
  /** Why, naming the measured value and, on failure, what is needed (English). */
  message: z.string(),
});

export type EnrolmentVerdict = z.infer<typeof enrolmentVerdictSchema>;
