/**
 * C_AUTH (clause 2.1, table 2.1.2) and the error codes a device can reach with it
 * (clause 1.3). Each refusal is sent correctly signed over the fields it does carry, so
 * the one defect is the one the code names, whatever order the platform checks in.
 */
import { ERRORS, formatTimeStamp } from '@kaoqin/protocol';
import { type Check, must } from '../check.js';
import { mustRefuse } from './expect-error.js';
import type { PlatformTarget } from './target.js';
import { authFrame, type Fields, Wire } from './wire.js';

async function authAnswer(
  target: PlatformTarget,
  ev: Parameters<Check<PlatformTarget>['run']>[1],
  over: Fields,
) {
  const wire = await Wire.open(target, ev);
  try {
    wire.send(authFrame(target, over), `C_AUTH ${JSON.stringify(over)}`);
    return await wire.answer();
  } finally {
    wire.close();
  }
}

const refusal = (
  id: string,
  title: string,
  code: string,
  over: (t: PlatformTarget) => Fields,
): Check<PlatformTarget> => ({
  id,
  clause: '1.3',
  title,
  async run(target, ev) {
    mustRefuse(await authAnswer(target, ev, over(target)), code, 'C_AUTH');
  },
});

export const authChecks: Check<PlatformTarget>[] = [
  {
    id: 'auth.success',
    clause: '2.1',
    title: 'C_AUTH with the issued credentials answers success, apicode C_AUTH and a non-empty token',
    async run(target, ev) {
      const a = await authAnswer(target, ev, {});
      must(a.success, `refused (${String(a.error?.errorcode)})`);
      must(a.apicode === 'C_AUTH', `the answer's apicode is "${a.apicode}"`);
      const token = (a.response as { token?: unknown } | undefined)?.token;
      must(typeof token === 'string' && token.length > 0, 'response.token is missing or empty (table 2.1.3)');
    },
  },
  {
    id: 'auth.bad-sign',
    clause: '1.5',
    title: 'C_AUTH with a wrong sign is refused with 400_04',
    async run(target, ev) {
      mustRefuse(await authAnswer(target, ev, { sign: 'f'.repeat(32) }), ERRORS.AUTH_FAILED.code, 'C_AUTH');
    },
  },
  {
    id: 'auth.wrong-secret',
    clause: '1.5',
    title: 'C_AUTH signed with another accessSecret is refused with 400_04',
    async run(target, ev) {
      const other = { ...target, accessSecret: `${target.accessSecret}x` };
      const wire = await Wire.open(target, ev);
      try {
        wire.send(authFrame(other), 'C_AUTH signed with a wrong secret');
        mustRefuse(await wire.answer(), ERRORS.AUTH_FAILED.code, 'C_AUTH');
      } finally {
        wire.close();
      }
    },
  },
  refusal(
    'auth.version-empty',
    'C_AUTH without version is refused with 402_01',
    ERRORS.VERSION_EMPTY.code,
    () => ({
      version: undefined,
    }),
  ),
  refusal('auth.sn-empty', 'C_AUTH without sn is refused with 402_02', ERRORS.SN_EMPTY.code, () => ({
    sn: undefined,
  })),
  refusal(
    'auth.timestamp-empty',
    'C_AUTH without timeStamp is refused with 402_05',
    ERRORS.TIMESTAMP_EMPTY.code,
    () => ({
      timeStamp: undefined,
    }),
  ),
  refusal('auth.sign-empty', 'C_AUTH without sign is refused with 402_07', ERRORS.SIGN_EMPTY.code, () => ({
    sign: undefined,
  })),
  refusal(
    'auth.timestamp-format',
    'C_AUTH whose timeStamp is not yyyyMMddHHmmss is refused with 404_01',
    ERRORS.TIMESTAMP_FORMAT.code,
    () => ({ timeStamp: '2026-12-06 12:00:00' }),
  ),
  refusal(
    'auth.timestamp-window',
    'C_AUTH whose timeStamp is a day off is refused with 400_05',
    ERRORS.TIMESTAMP_WINDOW.code,
    (t) => ({
      timeStamp: formatTimeStamp(t.now() - 24 * 3600_000),
    }),
  ),
];
