/**
 * Entity tags for resources two editors could change at once (api.md "Writes": persons,
 * sites). A resource's etag is its version, quoted as HTTP wants (`"3"`); it is sent as
 * the `ETag` header and as the `etag` field. A write with `If-Match` happens only while
 * the stored version is one of those listed, else 412 precondition_failed; `*` and no
 * header at all impose nothing (the write then applies to whatever is stored).
 */
import { ApiError } from './problems.js';

export const etagOf = (version: number): string => `"${version}"`;

/**
 * The versions an If-Match header admits: undefined when it imposes nothing. Strong tags
 * only (RFC 9110 §13.1.1); a weak or foreign tag matches nothing, and a bare number is
 * taken as the tag (curl users forget the quotes).
 */
export function ifMatchVersions(header: string | string[] | undefined): number[] | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === undefined || value.trim() === '') return undefined;
  const tags = value.split(',').map((t) => t.trim());
  if (tags.includes('*')) return undefined;
  return tags.flatMap((t) => {
    const m = /^"?(\d{1,15})"?$/.exec(t);
    return m ? [Number(m[1])] : [];
  });
}

export function staleError(): ApiError {
  return new ApiError('precondition_failed', {
    en: 'the resource changed since it was read (If-Match): read it again and retry',
    zh: '资源已被他人修改，请重新读取后再提交',
  });
}

/** Throws 412 when If-Match lists versions and the current one is not among them. */
export function checkIfMatch(header: string | string[] | undefined, version: number): number | undefined {
  const versions = ifMatchVersions(header);
  if (versions === undefined) return undefined;
  if (!versions.includes(version)) throw staleError();
  return version;
}
