/**
 * The one catalogue of error codes a platform answers with (clause 1.3 and decision D8),
 * plus kaoqin's own codes (490_xx) for conditions the standard does not name.
 * docs/protocol.md lists every entry; a test keeps the two in step.
 */

/**
 * What a device does on receiving a code: the one place both sides read it from (the
 * platform's auth-failure events, the SDK's retry, re-auth and drop decisions), so no
 * side keeps its own list of codes. docs/protocol.md 7.1 describes each; a test keeps
 * the two in step.
 */
export const ERROR_BEHAVIOURS = [
  /** The request itself is malformed: sent again unchanged it fails the same way. */
  'fix_request',
  /** The content is refused for good (a bad record): drop or park it, never resend it. */
  'refused',
  /** The token lapsed or the credentials were revoked: authenticate again (C_AUTH), then resend. */
  're_authenticate',
  /**
   * The token or the signature did not verify: authenticate again (the token may be
   * another device's), then resend after a back-off, since a wrong secret or signing
   * fails the same way however often it is sent.
   */
  'check_credentials',
  /** timeStamp outside the window: correct the clock, then resend. */
  'resync_clock',
  /** The platform could not serve it now: back off and resend the same request. */
  'retry',
  /** Over the size limit: resend smaller (drop the photo, split the batch). */
  'too_large',
  /** The operator disabled the device: stop sending until it is enabled again. */
  'disabled',
  /** The task is unknown or already closed: forget it. */
  'task_gone',
] as const;

export type ErrorBehaviour = (typeof ERROR_BEHAVIOURS)[number];

export interface ErrorEntry {
  readonly code: string;
  /** The standard's own text (or ours, for 490_xx), sent as errormsg. */
  readonly zh: string;
  readonly en: string;
  /** Whether the standard defines the code or kaoqin does. */
  readonly origin: 'standard' | 'kaoqin';
  readonly behaviour: ErrorBehaviour;
}

function entry(
  code: string,
  behaviour: ErrorBehaviour,
  zh: string,
  en: string,
  origin: ErrorEntry['origin'] = 'standard',
): ErrorEntry {
  return { code, zh, en, origin, behaviour };
}

export const ERRORS = {
  APICODE_INVALID: entry(
    '400_01',
    'fix_request',
    'APICODE 为空',
    'apicode is unknown or not served on this transport',
  ),
  PARAM_PARSE: entry(
    '400_02',
    'refused',
    'param 解析失败',
    'param could not be parsed or has invalid values',
  ),
  AUTH_FAILED: entry(
    '400_04',
    'check_credentials',
    'token 或 sign 验证失败',
    'token or sign verification failed',
  ),
  TIMESTAMP_WINDOW: entry(
    '400_05',
    'resync_clock',
    'timestamp 验证错误',
    'timeStamp is too far from the platform clock',
  ),
  TOKEN_UNKNOWN: entry('401_01', 're_authenticate', 'token 不存在', 'token does not exist or has lapsed'),
  SECRET_REVOKED: entry(
    '401_02',
    're_authenticate',
    '认证密钥已失效',
    'the access credentials were revoked or rotated',
  ),
  VERSION_EMPTY: entry(
    '402_01',
    'fix_request',
    '当前版本号(数据包版本号)不能为空',
    'version must not be empty',
  ),
  SN_EMPTY: entry('402_02', 'fix_request', '设备号不能为空', 'sn must not be empty'),
  TOKEN_EMPTY: entry('402_03', 'fix_request', '设备认证通过 Token 值不能为空', 'token must not be empty'),
  APICODE_EMPTY: entry('402_04', 'fix_request', '接口标识不能为空', 'apicode must not be empty'),
  TIMESTAMP_EMPTY: entry('402_05', 'fix_request', '时间戳不能为空', 'timeStamp must not be empty'),
  PARAM_EMPTY: entry('402_06', 'fix_request', '请求参数 json 串 param 不能为空', 'param must not be empty'),
  SIGN_EMPTY: entry('402_07', 'fix_request', '签名不能为空', 'sign must not be empty'),
  TYPE_INVALID: entry(
    '403_01',
    'refused',
    '考勤类型有误,请参考数据字典传值',
    'attendance type is not one of 1,2,4,8,16,32,64',
  ),
  BIT_TYPE_INVALID: entry(
    '403_02',
    'refused',
    '考勤复合类型有误,请参考数据字典传值',
    'bitType must combine two or more attendance types',
  ),
  QR_TYPE_INVALID: entry(
    '403_03',
    'refused',
    '二维码类型有误,请参考数据字典传值',
    'qrCodeInfo.type must be 1 or 2',
  ),
  TIMESTAMP_FORMAT: entry(
    '404_01',
    'fix_request',
    '时间戳 timeStamp 格式有误, 正确格式为 yyyyMMddHHmmss',
    'timeStamp must be yyyyMMddHHmmss (UTC+8)',
  ),
  SYSTEM: entry('500_01', 'retry', '系统异常', 'internal error'),
  // kaoqin's own codes: conditions the standard leaves unnamed.
  FRAME_TOO_LARGE: entry(
    '490_01',
    'too_large',
    '数据包长度超过上限',
    'frame length exceeds the maximum',
    'kaoqin',
  ),
  FRAME_MALFORMED: entry(
    '490_02',
    'fix_request',
    '数据包格式有误',
    'malformed frame: varint over 5 bytes or undecodable protobuf',
    'kaoqin',
  ),
  CAPACITY: entry(
    '490_03',
    'retry',
    '平台连接数已满,请稍后重试',
    'connection limit reached, retry later',
    'kaoqin',
  ),
  DEVICE_DISABLED: entry(
    '490_04',
    'disabled',
    '设备已停用',
    'the device is disabled by the operator',
    'kaoqin',
  ),
  BODY_TOO_LARGE: entry('490_05', 'too_large', '请求体过大', 'request body exceeds the maximum', 'kaoqin'),
  TASK_NOT_FOUND: entry(
    '490_06',
    'task_gone',
    '任务不存在或不属于该设备',
    'task not found for this device',
    'kaoqin',
  ),
  TASK_CLOSED: entry(
    '490_07',
    'task_gone',
    '任务已结束',
    'the task is already finished or expired',
    'kaoqin',
  ),
  BUSY: entry('490_08', 'retry', '平台繁忙,请稍后重试', 'platform busy, retry later', 'kaoqin'),
  // X_ENROL_PERSON (capture devices): the answer's response lists every failed rule.
  ENROLMENT_REFUSED: entry(
    '490_09',
    'refused',
    '人员信息未通过登记校验',
    'enrolment refused: the response lists every failed rule',
    'kaoqin',
  ),
  NOT_CAPTURE_DEVICE: entry(
    '490_10',
    'fix_request',
    '设备不是已绑定工地的采集设备',
    'the device is not a capture device bound to a site',
    'kaoqin',
  ),
} as const satisfies Record<string, ErrorEntry>;

export type ErrorName = keyof typeof ERRORS;
export type ErrorCode = (typeof ERRORS)[ErrorName]['code'];

const byCode = new Map<string, ErrorEntry>(Object.values(ERRORS).map((e) => [e.code, e]));

export function errorByCode(code: string): ErrorEntry | undefined {
  return byCode.get(code);
}

/** The behaviour of a code; undefined for one the catalogue does not hold (a newer platform's). */
export function behaviourOf(code: string): ErrorBehaviour | undefined {
  return byCode.get(code)?.behaviour;
}

/** Every code whose behaviour is one of `behaviours`. */
export function codesWith(...behaviours: ErrorBehaviour[]): ReadonlySet<string> {
  return new Set(
    Object.values(ERRORS)
      .filter((e) => behaviours.includes(e.behaviour))
      .map((e) => e.code),
  );
}

/**
 * Codes that say a device failed to prove itself (credentials, signature, a clock outside
 * the window that guards against replay, or a disabled device): both transports keep
 * them in the device's event log, where an operator looks first when a device "cannot
 * connect".
 */
export const AUTH_FAILURE_CODES: ReadonlySet<string> = codesWith(
  're_authenticate',
  'check_credentials',
  'resync_clock',
  'disabled',
);

export function isAuthFailure(code: string): boolean {
  return AUTH_FAILURE_CODES.has(code);
}

/**
 * Codes after which a device authenticates again (C_AUTH) and resends: the token lapsed,
 * the credentials were revoked, or the token or signature did not verify (the token may
 * be another device's). Both the device's TCP session and its task client act on them.
 */
export const REAUTHENTICATE_CODES: ReadonlySet<string> = codesWith('re_authenticate', 'check_credentials');

/** The error object of an answer (tables 2.x.3, 3.x.3), with an optional English detail. */
export interface WireError {
  errorcode: string;
  errormsg: string;
  detail?: string;
}

export function wireError(entry: ErrorEntry, detail?: string): WireError {
  return detail === undefined
    ? { errorcode: entry.code, errormsg: entry.zh }
    : { errorcode: entry.code, errormsg: entry.zh, detail };
}

/** A refusal with its catalogue entry, thrown or returned by checks. */
export class ProtocolError extends Error {
  readonly entry: ErrorEntry;
  readonly detail: string | undefined;
  constructor(entry: ErrorEntry, detail?: string) {
    super(detail === undefined ? `${entry.code} ${entry.en}` : `${entry.code} ${entry.en}: ${detail}`);
    this.name = 'ProtocolError';
    this.entry = entry;
    this.detail = detail;
  }
  get code(): string {
    return this.entry.code;
  }
  toWire(): WireError {
    return wireError(this.entry, this.detail);
  }
  /**
   * The response a failure answer carries: none for the standard's codes (K9); a refusal
   * that lists what failed (X_ENROL_PERSON's 490_09) overrides it.
   */
  answerResponse(): object | undefined {
    return undefined;
  }
}
