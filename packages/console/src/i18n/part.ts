/**
 * One area's strings in both languages. `en` must have exactly `zh`'s keys (a missing
 * or extra key is a type error here, and test/i18n.test.ts checks the merged catalogue
 * and every t('…') key used in the source).
 */
export type Tree = { readonly [key: string]: string | Tree };
/** The same keys as T, any strings as values. */
export type SameKeys<T> = { readonly [K in keyof T]: T[K] extends string ? string : SameKeys<T[K]> };

export interface Part<T extends Tree> {
  readonly zh: T;
  readonly en: SameKeys<T>;
}

export function part<const T extends Tree>(zh: T, en: SameKeys<T>): Part<T> {
  return { zh, en };
}
