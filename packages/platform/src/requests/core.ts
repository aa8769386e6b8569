/**
 * The request core: one checked device request in, one answer out, for both transports
 * (docs/protocol.md 7.4). The steps, once: precheck → credential lookup → credential
 * outcome, signature, timeStamp window, param (the protocol package's three calls, D8)
 * → the apicode's handler → the transport's answer. One error policy (errors.ts: 500_01
 * never carries internals), one place that keeps authentication failures in the device's
 * event log, one place that logs tolerated signature variants.
 *
 * A transport adds only its framing around this (TCP: frames, the connection's device
 * binding; HTTP: the body, taskid, signed and sealed answers) through its Envelope, so
 * an answer is built straight from the outcome, with nothing in between.
 */
import {
  type Apicode,
  checkCredentialed,
  ERRORS,
  type IncomingRequest,
  isAuthFailure,
  type ProtocolError,
  precheck,
} from '@kaoqin/protocol';
import type { Logger } from '../log.js';
import { asProtocolError } from './errors.js';
import { callHandler, type HandlerResult, type HandlerTable } from './handler.js';
import type { AuthFailureLog, CredentialLookup, Found } from './ports.js';

/** What the checks need, the same for both transports. */
export interface RequestCore {
  credentials: CredentialLookup;
  authFailures: AuthFailureLog;
  /** Tolerance of timeStamp against the platform clock (400_05). */
  timestampWindowMs: number;
  logger: Logger;
  now(): number;
  /** Told of every answer: the apicode once precheck named it, and `ok` or the error code (metrics). */
  answered?(apicode: Apicode | undefined, code: string): void;
}

/** How a transport writes an answer; T is its answer (a frame outcome, a body). */
export interface Envelope<T> {
  /** `secret`: the device's secret, which signed the request (HTTP answers are signed with it). */
  success(req: IncomingRequest, apicode: Apicode, result: HandlerResult, found: Found, secret: string): T;
  /**
   * `apicode` once precheck named it; `found` once the lookup ran (its credential says
   * whether the device's secret is known, so an HTTP failure can be signed, K9).
   */
  failure(
    req: IncomingRequest,
    apicode: Apicode | undefined,
    error: ProtocolError,
    found: Found | undefined,
  ): T;
}

/** One transport's side of the core: its handlers, what they need, and its envelope. */
export interface TransportSide<P, X, T> {
  handlers: HandlerTable<P, X>;
  ports: P;
  envelope: Envelope<T>;
}

export async function serveRequest<P, X, T>(
  core: RequestCore,
  side: TransportSide<P, X, T>,
  req: IncomingRequest,
  transport: X,
): Promise<T> {
  let apicode: Apicode | undefined;
  let found: Found | undefined;
  try {
    const pre = precheck(req);
    apicode = pre.apicode;
    found = await core.credentials.lookup(req, pre);
    const now = core.now();
    const admitted = checkCredentialed(req, pre, found.credential, {
      nowMs: now,
      windowMs: core.timestampWindowMs,
    });
    if (admitted.signVariant !== 'exact') {
      // 1.4: the platform logs which reading of D4/D5 a device used (never the param itself).
      core.logger.debug({ sn: req.sn, apicode, signVariant: admitted.signVariant }, 'tolerated sign variant');
    }
    const result = await callHandler(side.handlers, {
      ports: side.ports,
      apicode: pre.apicode,
      req,
      param: admitted.param,
      vendor: found.vendor!, // an 'ok' credential always names its vendor
      device: found.device,
      now,
      transport,
    });
    core.answered?.(pre.apicode, 'ok');
    return side.envelope.success(req, pre.apicode, result, found, admitted.secret);
  } catch (e) {
    const err = asProtocolError(e);
    if (err.entry === ERRORS.SYSTEM) {
      core.logger.error(
        { err: e, sn: req.sn, apicode: req.apicode, taskid: req.taskid },
        'device request failed',
      );
    }
    const deviceId = found?.device?.id;
    if (deviceId !== undefined && isAuthFailure(err.code)) {
      core.authFailures.recordAuthFailure(deviceId, core.now(), err.code);
    }
    core.answered?.(apicode, err.code);
    return side.envelope.failure(req, apicode, err, found);
  }
}
