/**
 * sharp (libvips), loaded at the first photo that needs decoding. Only enrolment and
 * imports decode photos; a gateway process that only takes sign-ins never does, and
 * loading libvips at start cost every `serve --workers` process about 10 MB resident
 * (docs/operations.md, "Memory per process").
 */
import { createRequire } from 'node:module';
import type Sharp from 'sharp';

const load = createRequire(import.meta.url);

export function loadSharp(): typeof Sharp {
  return load('sharp') as typeof Sharp;
}
