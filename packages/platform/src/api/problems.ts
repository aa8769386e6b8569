/**
 * The management API's one error catalogue (api.md "Errors"): every refusal is an RFC 9457
 * problem document with a stable machine `code`, a title in the caller's language
 * (Chinese for `Accept-Language: zh…`, English otherwise) and, for validation, the path
 * of every field at fault. Internal errors never carry their message outside.
 */

export interface ProblemCodeInfo {
  status: number;
  en: string;
  zh: string;
}

/** Every code the API answers with, its HTTP status and its title in both languages. */
export const PROBLEM_CODES = {
  bad_request: { status: 400, en: 'Bad request', zh: '请求有误' },
  validation_failed: { status: 400, en: 'Validation failed', zh: '参数校验失败' },
  unauthenticated: { status: 401, en: 'Not logged in', zh: '未登录或登录已过期' },
  forbidden: { status: 403, en: 'Forbidden', zh: '无权执行此操作' },
  not_found: { status: 404, en: 'Not found', zh: '资源不存在' },
  method_not_allowed: { status: 405, en: 'Method not allowed', zh: '不支持的请求方法' },
  conflict: { status: 409, en: 'Conflict', zh: '与现有数据冲突' },
  precondition_failed: { status: 412, en: 'Precondition failed', zh: '资源已被修改，请刷新后重试' },
  payload_too_large: { status: 413, en: 'Payload too large', zh: '请求体过大' },
  uri_too_long: { status: 414, en: 'URI too long', zh: '请求地址过长' },
  unsupported_media_type: { status: 415, en: 'Unsupported media type', zh: '不支持的内容类型' },
  unprocessable: { status: 422, en: 'Unprocessable request', zh: '请求无法处理' },
  // The phone API's registration (POST /api/mobile/v1/register, issue 14).
  mobile_code_invalid: {
    status: 422,
    en: 'Registration code invalid',
    zh: '注册码无效、已过期或已使用',
  },
  id_mismatch: { status: 422, en: 'ID number does not match', zh: '身份证号后六位不符' },
  rate_limited: { status: 429, en: 'Too many requests', zh: '请求过于频繁' },
  internal: { status: 500, en: 'Internal error', zh: '系统异常' },
  unavailable: { status: 503, en: 'Service unavailable', zh: '服务暂不可用' },
} as const satisfies Record<string, ProblemCodeInfo>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export interface FieldError {
  /** Dotted path into the request: body.idNumber, query.limit, body.geofence.points.3. */
  path: string;
  message: string;
  /** An enrolment rule's stable code (face_too_small, id_number_check_digit, …), when a rule refused. */
  code?: string;
  /** What that rule measured ("face 96×110 px"). */
  value?: string;
}

/** A message in both languages; a plain string serves both. */
export type Text = string | { en: string; zh: string };

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly text?: Text,
    readonly errors?: FieldError[],
    /** Extra headers (Retry-After, …). */
    readonly headers?: Record<string, string>,
  ) {
    super(typeof text === 'string' ? text : (text?.en ?? code));
    this.status = PROBLEM_CODES[code].status;
  }
}

export const notFound = (what: Text = { en: 'No such resource', zh: '资源不存在' }) =>
  new ApiError('not_found', what);
export const forbidden = (what?: Text) => new ApiError('forbidden', what);
export const conflict = (what: Text) => new ApiError('conflict', what);
export const invalid = (path: string, message: string) =>
  new ApiError('validation_failed', undefined, [{ path, message }]);

export type Lang = 'zh' | 'en';

export function langOf(acceptLanguage: string | undefined): Lang {
  return acceptLanguage && /^\s*zh\b/i.test(acceptLanguage) ? 'zh' : 'en';
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ProblemCode;
  errors?: FieldError[];
  instance?: string;
}

export function problemOf(err: ApiError, lang: Lang, instance?: string): Problem {
  const info = PROBLEM_CODES[err.code];
  const detail =
    err.text === undefined ? undefined : typeof err.text === 'string' ? err.text : err.text[lang];
  return {
    type: `urn:kaoqin:problem:${err.code}`,
    title: info[lang],
    status: info.status,
    ...(detail !== undefined ? { detail } : {}),
    code: err.code,
    ...(err.errors && err.errors.length > 0 ? { errors: err.errors } : {}),
    ...(instance ? { instance } : {}),
  };
}
