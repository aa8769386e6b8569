/**
 * Chapter 3 requests for tests: signs a T_* body canonically (or as told) and POSTs it
 * to the platform's /api/device over real HTTP; checks the answer's signature.
 */
import { type Apicode, signAnswer, signRequest } from '@kaoqin/protocol';
import type { Credentials } from './tcp-device.js';

export interface HttpAnswer {
  version: string;
  success: boolean;
  taskid?: string;
  response?: unknown;
  error?: { errorcode: string; errormsg: string };
  sign?: string;
  /** The answer's sign matched the formula of its apicode (3.x.3) with the vendor's secret. */
  signOk: boolean;
  raw: string;
}

export interface TaskRequest {
  taskid?: string;
  /** Object param is sent as an object (3.2.4 style) unless paramForm is 'text'. */
  param?: object | string;
  paramForm?: 'text' | 'object';
  sign?: string;
  secret?: string;
}

export class HttpDevice {
  constructor(
    readonly baseUrl: string,
    readonly sn: string,
    readonly creds: Credentials,
    public token: string,
  ) {}

  async call(apicode: string, r: TaskRequest = {}): Promise<HttpAnswer> {
    const paramText =
      r.param === undefined ? undefined : typeof r.param === 'string' ? r.param : JSON.stringify(r.param);
    const fields = {
      version: 'v1.0.0',
      sn: this.sn,
      token: this.token,
      taskid: r.taskid,
      apicode,
      param: paramText,
    };
    const sign = r.sign ?? signRequest(apicode as Apicode, fields, r.secret ?? this.creds.accessSecret);
    const paramJson =
      paramText === undefined
        ? undefined
        : r.paramForm === 'text' || typeof r.param === 'string'
          ? JSON.stringify(paramText)
          : paramText;
    const members = [
      `"version":"v1.0.0"`,
      `"sn":${JSON.stringify(this.sn)}`,
      `"token":${JSON.stringify(this.token)}`,
      `"apicode":${JSON.stringify(apicode)}`,
      ...(r.taskid !== undefined ? [`"taskid":${JSON.stringify(r.taskid)}`] : []),
      ...(paramJson !== undefined ? [`"param":${paramJson}`] : []),
      `"sign":${JSON.stringify(sign)}`,
    ];
    const res = await fetch(`${this.baseUrl}/api/device`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{${members.join(',')}}`,
    });
    const raw = await res.text();
    const a = JSON.parse(raw) as Omit<HttpAnswer, 'signOk' | 'raw'>;
    const responseText = a.response === undefined ? undefined : JSON.stringify(a.response);
    const expected = a.success
      ? signAnswer(
          apicode as Apicode,
          { version: a.version, success: a.success, taskid: a.taskid, response: responseText },
          this.creds.accessSecret,
        )
      : undefined;
    return { ...a, signOk: expected !== undefined && a.sign === expected, raw };
  }
}
