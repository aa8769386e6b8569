/**
 * C_HEARTBEAT (clause 2.2, table 2.2.2), and tokens (clauses 1.1 and 2.1): a token is the
 * device's, not the connection's, and a heartbeat answers task ids as an array.
 */

import { randomBytes } from 'node:crypto';
import { ERRORS } from '@kaoqin/protocol';
import { type Check, type Evidence, must } from '../check.js';
import { mustRefuse } from './expect-error.js';
import type { PlatformTarget } from './target.js';
import { authenticate, deviceFrame, type Fields, HEARTBEAT_PARAM, Wire } from './wire.js';

async function heartbeat(
  target: PlatformTarget,
  ev: Evidence,
  over: (token: string) => Fields,
  param: object | string = HEARTBEAT_PARAM,
) {
  const wire = await Wire.open(target, ev);
  try {
    const token = await authenticate(wire, target);
    const fields = over(token);
    wire.send(deviceFrame(target, 'C_HEARTBEAT', fields.token ?? token, param, fields), 'C_HEARTBEAT');
    return await wire.answer();
  } finally {
    wire.close();
  }
}

export const heartbeatChecks: Check<PlatformTarget>[] = [
  {
    id: 'heartbeat.answer',
    clause: '2.2',
    title: 'a signed heartbeat answers success, apicode C_HEARTBEAT and taskids as an array of ids',
    async run(target, ev) {
      const a = await heartbeat(target, ev, () => ({}));
      must(a.success, `refused (${String(a.error?.errorcode)})`);
      must(a.apicode === 'C_HEARTBEAT', `the answer's apicode is "${a.apicode}"`);
      const ids = (a.response as { taskids?: unknown } | undefined)?.taskids;
      must(Array.isArray(ids), `response.taskids is not an array (table 2.2.3): ${a.responseText}`);
      must(
        ids.every((x) => typeof x === 'string' && x !== ''),
        'a task id in response.taskids is not a non-empty string',
      );
    },
  },
  {
    id: 'heartbeat.bad-sign',
    clause: '1.5',
    title: 'a heartbeat with a wrong sign is refused with 400_04',
    async run(target, ev) {
      mustRefuse(
        await heartbeat(target, ev, () => ({ sign: '0'.repeat(32) })),
        ERRORS.AUTH_FAILED.code,
        'C_HEARTBEAT',
      );
    },
  },
  {
    id: 'heartbeat.token-empty',
    clause: '1.3',
    title: 'a heartbeat without token is refused with 402_03',
    async run(target, ev) {
      const wire = await Wire.open(target, ev);
      try {
        wire.send(deviceFrame(target, 'C_HEARTBEAT', '', HEARTBEAT_PARAM), 'C_HEARTBEAT, no token');
        mustRefuse(await wire.answer(), ERRORS.TOKEN_EMPTY.code, 'C_HEARTBEAT');
      } finally {
        wire.close();
      }
    },
  },
  {
    id: 'heartbeat.token-unknown',
    clause: '1.3',
    title: 'a heartbeat with a token the platform never issued is refused with 401_01',
    async run(target, ev) {
      const wire = await Wire.open(target, ev);
      try {
        const token = randomBytes(16).toString('hex');
        wire.send(deviceFrame(target, 'C_HEARTBEAT', token, HEARTBEAT_PARAM), 'C_HEARTBEAT, unknown token');
        mustRefuse(await wire.answer(), ERRORS.TOKEN_UNKNOWN.code, 'C_HEARTBEAT');
      } finally {
        wire.close();
      }
    },
  },
  {
    id: 'heartbeat.param-empty',
    clause: '1.3',
    title: 'a heartbeat without param is refused with 402_06',
    async run(target, ev) {
      mustRefuse(await heartbeat(target, ev, () => ({}), ''), ERRORS.PARAM_EMPTY.code, 'C_HEARTBEAT');
    },
  },
  {
    id: 'token.other-connection',
    clause: '1.1',
    title: "a token issued on one connection is taken on another (it is the device's, cached for later use)",
    async run(target, ev) {
      const first = await Wire.open(target, ev);
      let token: string;
      try {
        token = await authenticate(first, target);
      } finally {
        first.close();
      }
      const second = await Wire.open(target, ev);
      try {
        second.send(
          deviceFrame(target, 'C_HEARTBEAT', token, HEARTBEAT_PARAM),
          'C_HEARTBEAT on a new connection',
        );
        const a = await second.answer();
        must(a.success, `the token was refused on a second connection (${String(a.error?.errorcode)})`);
      } finally {
        second.close();
      }
    },
  },
];
