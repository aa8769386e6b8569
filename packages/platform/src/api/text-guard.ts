/**
 * A NUL character in text is refused before it reaches a handler: PostgreSQL cannot
 * store it in a text column (the write would fail as a 500), SQLite would store a value
 * that other tools cut short, and no field of ours has a use for it. One check for the
 * whole API instead of one per schema.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError, type FieldError } from './problems.js';

const MAX_DEPTH = 32;

function scan(value: unknown, path: string, out: FieldError[], depth: number): void {
  if (out.length >= 10 || depth > MAX_DEPTH) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) out.push({ path, message: 'must not contain the NUL character' });
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) scan(v, `${path}.${i}`, out, depth + 1);
  } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000'))
        out.push({
          path: `${path}.${k.replaceAll('\u0000', '\\0')}`,
          message: 'must not contain the NUL character',
        });
      scan(v, `${path}.${k}`, out, depth + 1);
    }
  }
}

/** preValidation: 400 naming every field that carries a NUL. */
export async function refuseNul(req: FastifyRequest): Promise<void> {
  const errors: FieldError[] = [];
  scan(req.params, 'params', errors, 0);
  scan(req.query, 'query', errors, 0);
  scan(req.body, 'body', errors, 0);
  if (errors.length > 0) throw new ApiError('validation_failed', undefined, errors);
}
