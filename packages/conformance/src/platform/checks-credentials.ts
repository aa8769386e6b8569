/**
 * Credentials over time (clauses 1.1 and 1.3): a token lapses after half an hour without
 * a request, counted from the last one ("token 半小时内无请求则失效"), and a secret the
 * operator has rotated makes the tokens issued under it fail with 401_02 (认证密钥已失效).
 * Both take what a normal run has not: the token check waits the platform's idle time
 * (given with --token-idle-seconds), the rotation needs the operator hook and changes
 * the vendor's secret, so it runs last and the kit goes on with the new one.
 */
import { ERRORS } from '@kaoqin/protocol';
import { type Check, type Evidence, must, NotRun } from '../check.js';
import { mustRefuse } from './expect-error.js';
import { rotateSecret } from './hook.js';
import type { PlatformTarget } from './target.js';
import { authFrame, deviceFrame, HEARTBEAT_PARAM, tokenOnce, Wire } from './wire.js';

/** One heartbeat on a connection of its own (a device idle for minutes reconnects). */
async function heartbeatOn(target: PlatformTarget, ev: Evidence, token: string, what: string) {
  const wire = await Wire.open(target, ev);
  try {
    wire.send(deviceFrame(target, 'C_HEARTBEAT', token, HEARTBEAT_PARAM), what);
    return await wire.answer();
  } finally {
    wire.close();
  }
}

const waitOn = (target: PlatformTarget, ms: number): Promise<void> =>
  target.wait ? target.wait(ms) : new Promise((r) => setTimeout(r, ms));

/** How long the token check runs, for its time limit: 1.2 idle times used, then one idle time and the margin. */
export const tokenLapseMs = (idleMs: number): number => Math.round(2.2 * idleMs + lapseMargin(idleMs));
/** Past the idle time before the lapse is due: the larger of 2 s and 5 % (a platform's clock steps). */
const lapseMargin = (idleMs: number) => Math.max(2000, idleMs * 0.05);

export const credentialChecks: Check<PlatformTarget>[] = [
  {
    id: 'token.idle-lapse',
    clause: '1.1',
    title:
      'a token used every 0.6 idle times stays valid past its idle time, and lapses (401_01) after one idle time without a request',
    async run(target, ev) {
      const idle = target.tokenIdleMs;
      if (idle === undefined)
        throw new NotRun(
          'waits the token idle time out (1.1: half an hour): give --token-idle-seconds 1800, or what the platform uses',
        );
      const token = await tokenOnce(target, ev);
      const step = Math.round(idle * 0.6);
      for (let i = 1; i <= 2; i++) {
        await waitOn(target, step);
        ev.note(
          `${Math.round((i * step) / 1000)} s after C_AUTH, ${Math.round(step / 1000)} s after the last use`,
        );
        const a = await heartbeatOn(target, ev, token, `C_HEARTBEAT ${i} with the token`);
        must(
          a.success,
          `the token was refused (${String(a.error?.errorcode)}) ${Math.round(step / 1000)} s after its last use, within its idle time of ${Math.round(idle / 1000)} s (it lapses only without requests)`,
        );
      }
      const margin = lapseMargin(idle);
      await waitOn(target, idle + margin);
      ev.note(`${Math.round((idle + margin) / 1000)} s without a request`);
      mustRefuse(
        await heartbeatOn(target, ev, token, 'C_HEARTBEAT after the idle time'),
        ERRORS.TOKEN_UNKNOWN.code,
        'C_HEARTBEAT',
      );
    },
  },
  {
    id: 'auth.secret-rotated',
    clause: '1.3',
    title:
      "after the operator rotates the vendor's accessSecret, a token issued under the old one is refused with 401_02, the old secret no longer authenticates, and the new one does",
    async run(target, ev) {
      const old = await tokenOnce(target, ev);
      const secret = await rotateSecret(target);
      ev.note('the operator hook rotated the accessSecret');
      mustRefuse(
        await heartbeatOn(target, ev, old, 'C_HEARTBEAT with a token of the old secret'),
        ERRORS.SECRET_REVOKED.code,
        'C_HEARTBEAT',
      );
      const wire = await Wire.open(target, ev);
      try {
        wire.send(authFrame(target), 'C_AUTH signed with the old secret');
        const a = await wire.answer();
        must(!a.success, 'C_AUTH signed with the rotated-out secret was answered success');
        const code = String(a.error?.errorcode);
        must(
          code === ERRORS.SECRET_REVOKED.code || code === ERRORS.AUTH_FAILED.code,
          `C_AUTH with the old secret was refused with ${code}, not 401_02 or 400_04`,
        );
      } finally {
        wire.close();
      }
      // From here on the kit is the device with its new credentials.
      target.accessSecret = secret;
      const token = await tokenOnce(target, ev);
      const a = await heartbeatOn(target, ev, token, 'C_HEARTBEAT with the new secret');
      must(a.success, `a heartbeat under the new secret was refused (${String(a.error?.errorcode)})`);
    },
  },
];
