/**
 * The request core as the platform runs it (precheck, then checkCredentialed with the
 * device's secret known), and the device side's signature the inputs are sent with.
 */
import type { Rand } from '@kaoqin/conformance/fuzz';
import { checkCredentialed, type IncomingRequest, precheck, signRequest } from '@kaoqin/protocol';
import { NOW, SECRET } from './fixed.js';
import { type Outcome, thrown } from './outcome.js';

/** Counted, not a finding: the device side's signer is not a parser the platform runs. */
let signerThrew = 0;

/** The device side's signature, or (where the signer throws) a wrong one. */
export function signed(
  r: Rand,
  apicode: 'C_HEARTBEAT' | 'C_SIGN_IN',
  values: Record<string, string>,
): string {
  try {
    return signRequest(apicode, values, SECRET);
  } catch {
    signerThrew++;
    return r.hex(32);
  }
}

/** What the request core makes of a request (its secret known): the code, or the param it admits. */
export function core(req: IncomingRequest): { code: string; param?: unknown } | { thrown: Outcome } {
  try {
    const pre = precheck(req);
    const admitted = checkCredentialed(req, pre, { status: 'ok', secret: SECRET }, { nowMs: NOW });
    return { code: 'ok', param: admitted.param };
  } catch (e) {
    const o = thrown(e);
    return 'finding' in o ? { thrown: o } : { code: o.ok ? 'ok' : o.code };
  }
}

/** How many times the signer threw so far (in this thread). */
export function signerThrewCount(): number {
  return signerThrew;
}
