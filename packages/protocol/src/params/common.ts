/** Building blocks shared by the param and response shapes of every apicode. */
import { z } from 'zod';

/** A JSON-valued member some vendors send as JSON text instead of an object (tolerated, D5). */
export function jsonObjectOrText<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }, schema);
}

/** An id the platform issues (personId, taskid): a string; a small JSON number is tolerated. */
export const idString = z.union([
  z.string().min(1).max(64),
  z
    .number()
    .int()
    .nonnegative()
    .refine(Number.isSafeInteger, 'ids above 2^53 must be sent as strings')
    .transform(String),
]);

/** An integer sent as a JSON number or as decimal text. */
export const intLike = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d{1,15}$/)
    .transform(Number),
]);

/** A number sent as a JSON number or as decimal text. */
export const numberLike = z.union([
  z.number().finite(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

export const pageNumber = intLike.pipe(z.number().int().min(1).max(1_000_000));
