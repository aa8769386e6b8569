/**
 * Chapter 3's envelope, observable without any task: T_GET_TASKS with no ids (3.1),
 * param as JSON text (3.1.4's example) and as an object (3.2.4's), the answer's
 * signature (3.1.3: MD5(version+success+response+accessSecret)), and the error codes of
 * clause 1.3 on HTTP. The token comes from C_AUTH over TCP: one token serves both
 * transports (clause 1.1).
 */

import { randomBytes } from 'node:crypto';
import { ERRORS } from '@kaoqin/protocol';
import { type Check, type Evidence, must } from '../check.js';
import { answerSigned, type EnvelopeOptions, envelope, httpUrl, post } from './http.js';
import type { PlatformTarget } from './target.js';
import { tokenOnce } from './wire.js';

async function tcpToken(target: PlatformTarget, ev: Evidence): Promise<string> {
  httpUrl(target); // not run without an HTTP address, before anything is sent
  return tokenOnce(target, ev);
}

async function getTasks(target: PlatformTarget, ev: Evidence, opts: EnvelopeOptions = {}, token?: string) {
  const t = token ?? (await tcpToken(target, ev));
  return post(target, ev, envelope(target, 'T_GET_TASKS', t, { taskids: [] }, opts), 'T_GET_TASKS');
}

function mustRefuseHttp(a: Awaited<ReturnType<typeof post>>, code: string): void {
  must(a.success === false, `answered success=${String(a.success)} where ${code} was due`);
  must(
    a.error?.errorcode === code,
    `errorcode ${JSON.stringify(a.error?.errorcode)} where the standard's ${code} was due`,
  );
}

const refusal = (
  id: string,
  title: string,
  code: string,
  opts: (t: PlatformTarget) => EnvelopeOptions,
  token?: () => string,
): Check<PlatformTarget> => ({
  id,
  clause: '1.3',
  title,
  async run(target, ev) {
    mustRefuseHttp(await getTasks(target, ev, opts(target), token?.()), code);
  },
});

export const httpChecks: Check<PlatformTarget>[] = [
  {
    id: 'http.param-text',
    clause: '3.1',
    title: 'T_GET_TASKS with param as JSON text and a token from C_AUTH answers success and a tasks list',
    async run(target, ev) {
      const a = await getTasks(target, ev, { paramAs: 'text' });
      must(a.success === true, `refused (${String(a.error?.errorcode)})`);
      const tasks = (a.response as { tasks?: unknown } | undefined)?.tasks;
      must(
        Array.isArray(tasks),
        `response.tasks is not a list (table 3.1.3): ${a.responseText ?? 'no response'}`,
      );
    },
  },
  {
    id: 'http.param-object',
    clause: '3.2',
    title: "T_GET_TASKS with param as an object (as 3.2.4's example sends it) answers success",
    async run(target, ev) {
      const a = await getTasks(target, ev, { paramAs: 'object' });
      must(a.success === true, `refused (${String(a.error?.errorcode)})`);
    },
  },
  {
    id: 'http.answer-signature',
    clause: '3.1',
    title: "T_GET_TASKS's answer is signed MD5(version+success+response+accessSecret)",
    async run(target, ev) {
      const a = await getTasks(target, ev);
      must(a.success === true, `refused (${String(a.error?.errorcode)})`);
      must(typeof a.body.sign === 'string', 'the answer has no sign (table 3.1.3)');
      must(
        answerSigned(target, 'T_GET_TASKS', a),
        `the answer's sign ${String(a.body.sign)} does not match the formula`,
      );
    },
  },
  {
    id: 'http.bad-sign',
    clause: '1.5',
    title: 'T_GET_TASKS with a wrong sign is refused with 400_04',
    async run(target, ev) {
      mustRefuseHttp(await getTasks(target, ev, { over: { sign: 'e'.repeat(32) } }), ERRORS.AUTH_FAILED.code);
    },
  },
  refusal(
    'http.token-unknown',
    'T_GET_TASKS with a token never issued is refused with 401_01',
    ERRORS.TOKEN_UNKNOWN.code,
    () => ({}),
    () => randomBytes(16).toString('hex'),
  ),
  {
    id: 'http.apicode-empty',
    clause: '1.3',
    title: 'an envelope without apicode is refused with 402_04',
    async run(target, ev) {
      const token = await tcpToken(target, ev);
      mustRefuseHttp(
        await getTasks(target, ev, { over: { apicode: undefined } }, token),
        ERRORS.APICODE_EMPTY.code,
      );
    },
  },
  {
    id: 'http.param-empty',
    clause: '1.3',
    title: 'T_GET_TASKS without param is refused with 402_06',
    async run(target, ev) {
      mustRefuseHttp(await getTasks(target, ev, { over: { param: undefined } }), ERRORS.PARAM_EMPTY.code);
    },
  },
];
