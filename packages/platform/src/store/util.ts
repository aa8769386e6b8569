/** Small helpers the repos share. */
import type { Bool01 } from './schema-types.js';

export const DEFAULT_LIMIT = 100;
/** A list is a page, not an export: larger reads page with `since`. */
export const MAX_LIMIT = 10_000;

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || Number.isNaN(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(0, Math.floor(limit)));
}

export const toBool01 = (b: boolean): Bool01 => (b ? 1 : 0);

/** Consecutive slices of at most `size` items. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** How many rows of `columns` values one multi-row statement may carry within the bind limit. */
export function rowsPerStatement(maxBindParams: number, columns: number): number {
  return Math.max(1, Math.floor(maxBindParams / columns));
}
