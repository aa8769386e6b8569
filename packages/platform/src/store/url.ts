/** Which store a database URL selects, apart from the store so that callers need not load it. */
export function isPostgresUrl(url: string | undefined): boolean {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url);
}
