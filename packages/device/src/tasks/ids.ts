/** Task ids (6.5) and their order. */

/** Task ids are decimal text (6.5): numeric order is length, then text. Opaque ids still sort. */
export function compareTaskIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
