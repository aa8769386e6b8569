/**
 * Device requests built and signed for sending: TCP frames (C_AUTH, C_HEARTBEAT,
 * C_SIGN_IN: varint length + protobuf, D1/D2) and HTTP bodies (the T_* apicodes and
 * X_ENROL_PERSON, 4.1). The signature is wire/sign.ts's, so these run in a browser.
 */
import { APICODE_SPECS, type Apicode } from '../apicodes.js';
import { encodeAuthRequestFrame, encodeDeviceRequestFrame } from '../messages.js';
import { signRequest } from './sign.js';

type Specs = typeof APICODE_SPECS;
/** The apicodes a device sends over TCP, C_AUTH among them. */
export type TcpApicode = { [A in Apicode]: Specs[A]['transport'] extends 'tcp' ? A : never }[Apicode];
/** The TCP apicodes sent with a token in a DeviceRequest (everything but C_AUTH). */
export type DeviceRequestApicode = Exclude<TcpApicode, 'C_AUTH'>;
/** The apicodes a device sends over HTTP. */
export type HttpApicode = Exclude<Apicode, TcpApicode>;

export interface AuthFields {
  version: string;
  sn: string;
  accessId: string;
  accessKey: string;
  /** yyyyMMddHHmmss in UTC+8 (formatTimeStamp), from a clock corrected by the server's. */
  timeStamp: string;
}

/** A signed C_AUTH frame (2.1): the vendor's credentials, no token. */
export function signedAuthFrame(fields: AuthFields, accessSecret: string): Uint8Array {
  const f = { ...fields, apicode: 'C_AUTH' };
  return encodeAuthRequestFrame({ ...f, sign: signRequest('C_AUTH', f, accessSecret) });
}

export interface DeviceRequestFields {
  version: string;
  sn: string;
  token: string;
  timeStamp: string;
  /** The exact param text sent and signed (its img members are left out of the signature). */
  param: string;
}

/**
 * A signed DeviceRequest frame (C_HEARTBEAT 2.2, C_SIGN_IN 2.3). `paramIsJson` says the
 * param text came from JSON.stringify, sparing a parse of a photo when stripping img.
 */
export function signedDeviceRequestFrame(
  apicode: DeviceRequestApicode,
  fields: DeviceRequestFields,
  accessSecret: string,
  opts: { paramIsJson?: boolean } = {},
): Uint8Array {
  const f = { ...fields, apicode };
  return encodeDeviceRequestFrame({ ...f, sign: signRequest(apicode, f, accessSecret, opts) });
}

export interface HttpRequestFields {
  version: string;
  sn: string;
  token: string;
  /** Sent only for the apicodes that name a task (chapter 3). */
  taskid?: string | undefined;
  param?: string | undefined;
}

/**
 * The exact JSON body of a signed HTTP request: members in the tables' order, param as
 * a JSON string (4.1), taskid only where the apicode names a task.
 */
export function signedHttpBody(
  apicode: HttpApicode,
  fields: HttpRequestFields,
  accessSecret: string,
): string {
  const taskid = APICODE_SPECS[apicode].taskid ? fields.taskid : undefined;
  const f = {
    version: fields.version,
    sn: fields.sn,
    token: fields.token,
    taskid,
    apicode,
    param: fields.param,
  };
  const sign = signRequest(apicode, f, accessSecret);
  let body = `{"version":${JSON.stringify(f.version)},"sn":${JSON.stringify(f.sn)},"token":${JSON.stringify(f.token)}`;
  body += `,"apicode":${JSON.stringify(apicode)}`;
  if (taskid !== undefined) body += `,"taskid":${JSON.stringify(taskid)}`;
  if (f.param !== undefined) body += `,"param":${JSON.stringify(f.param)}`;
  return `${body},"sign":${JSON.stringify(sign)}}`;
}
