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
  /**
   * The answer to a request that passed the checks, begun before its handler runs
   * (`secret`: the device's secret, which signed the request; HTTP answers are signed
   * with it). It keeps only what the answer needs, not the request or its lookup: a
   * request waits on its handler (a sign-in on its group commit, ~0.5 s at saturation)
   * with this alone alive, and what lives that long is copied by every young-generation
   * collection it outlives (bench/README.md).
   */
  answering(req: IncomingRequest, apicode: Apicode, found: Found, secret: string): Answering<T>;
  /**
   * A request the checks refused. `apicode` once precheck named it; `found` once the
   * lookup ran (its credential says whether the device's secret is known, so an HTTP
   * failure can be signed, K9).
   */
  failure(
    req: IncomingRequest,
    apicode: Apicode | undefined,
    error: ProtocolError,
    found: Found | undefined,
  ): T;
}

/** The answer to a checked request, whichever way its handler settles. */
export interface Answering<T> {
  success(result: HandlerResult): T;
  failure(error: ProtocolError): T;
}

/** One transport's side of the core: its handlers, what they need, and its envelope. */
export interface TransportSide<P, X, T> {
  handlers: HandlerTable<P, X>;
  ports: P;
  envelope: Envelope<T>;
}

/**
 * Serves one request. The checks run in `check`, whose frame ends once the handler is
 * called; the wait for the handler keeps only the envelope's Answering and what the
 * error policy logs (see Envelope.answering).
 */
export function serveRequest<P, X, T>(
  core: RequestCore,
  side: TransportSide<P, X, T>,
  req: IncomingRequest,
  transport: X,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    check(core, side, req, transport, resolve, reject).catch(reject);
  });
}

/** What the error policy reads of a request that has left the checks. */
interface Asked {
  sn: string | undefined;
  apicode: string | undefined;
  taskid: string | undefined;
  deviceId: string | undefined;
}

function askedOf(req: IncomingRequest, found: Found | undefined): Asked {
  return { sn: req.sn, apicode: req.apicode, taskid: req.taskid, deviceId: found?.device?.id };
}

async function check<P, X, T>(
  core: RequestCore,
  side: TransportSide<P, X, T>,
  req: IncomingRequest,
  transport: X,
  resolve: (answer: T) => void,
  reject: (e: unknown) => void,
): Promise<void> {
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
    const answering = side.envelope.answering(req, pre.apicode, found, admitted.secret);
    const result = callHandler(side.handlers, {
      ports: side.ports,
      apicode: pre.apicode,
      req,
      param: admitted.param,
      vendor: found.vendor!, // an 'ok' credential always names its vendor
      device: found.device,
      now,
      transport,
    });
    answerWhenSettled(core, pre.apicode, answering, askedOf(req, found), result, resolve, reject);
  } catch (e) {
    const err = failed(core, e, askedOf(req, found));
    core.answered?.(apicode, err.code);
    resolve(side.envelope.failure(req, apicode, err, found));
  }
}

/** Module-level, so that its callbacks' context holds its parameters and nothing of `check`. */
function answerWhenSettled<T>(
  core: RequestCore,
  apicode: Apicode,
  answering: Answering<T>,
  asked: Asked,
  result: Promise<HandlerResult>,
  resolve: (answer: T) => void,
  reject: (e: unknown) => void,
): void {
  const fail = (e: unknown): void => {
    try {
      const err = failed(core, e, asked);
      core.answered?.(apicode, err.code);
      resolve(answering.failure(err));
    } catch (e2) {
      reject(e2);
    }
  };
  result.then((r) => {
    let answer: T;
    try {
      answer = answering.success(r);
    } catch (e) {
      fail(e);
      return;
    }
    core.answered?.(apicode, 'ok');
    resolve(answer);
  }, fail);
}

/**
 * The one error policy: an exception is logged (500_01 carries nothing of it), an
 * authentication failure is kept in the device's event log.
 */
function failed(core: RequestCore, e: unknown, asked: Asked): ProtocolError {
  const err = asProtocolError(e);
  if (err.entry === ERRORS.SYSTEM) {
    core.logger.error(
      { err: e, sn: asked.sn, apicode: asked.apicode, taskid: asked.taskid },
      'device request failed',
    );
  }
  if (asked.deviceId !== undefined && isAuthFailure(err.code)) {
    core.authFailures.recordAuthFailure(asked.deviceId, core.now(), err.code);
  }
  return err;
}
