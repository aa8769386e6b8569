/**
 * One request frame in, one answer out: decode (D2), the checks of D8 in order, then the
 * apicode's handler. Transport-free, so tests drive it without sockets.
 */
import {
  type AnswerInit,
  decodeRequestPayload,
  ERRORS,
  FrameError,
  type IncomingRequest,
  ProtocolError,
  precheck,
  requireCredential,
  sealResponse,
  verifySigned,
} from '@kaoqin/protocol';
import { resolveCredential } from './auth.js';
import type { GatewayContext } from './context.js';
import { TCP_HANDLERS } from './dispatch.js';

export interface FrameOutcome {
  answer: AnswerInit;
  /** Set by a successful C_AUTH: the device this connection speaks for. */
  deviceId?: string;
  /** The connection must close after this answer (framing errors, D1). */
  close?: boolean;
  /** Whether the request passed every check (a "valid frame" for connection hygiene). */
  valid: boolean;
}

function failure(ctx: GatewayContext, req: IncomingRequest | undefined, error: ProtocolError): AnswerInit {
  return {
    version: req?.version ?? ctx.config.protocolVersion,
    success: false,
    apicode: req?.apicode ?? '',
    error: error.toWire(),
  };
}

export async function processPayload(
  ctx: GatewayContext,
  payload: Uint8Array,
  remoteAddress: string | undefined,
): Promise<FrameOutcome> {
  let req: IncomingRequest | undefined;
  try {
    req = decodeRequestPayload(payload);
  } catch (e) {
    const err = e instanceof FrameError ? e : new FrameError(ERRORS.FRAME_MALFORMED);
    return { answer: failure(ctx, undefined, err), close: true, valid: false };
  }
  let deviceId: string | undefined;
  try {
    const pre = precheck(req);
    const resolved = await resolveCredential(ctx, req, pre);
    deviceId = resolved.device?.id;
    const secret = requireCredential(pre.apicode, resolved.credential);
    const verified = verifySigned(req, pre, secret, {
      nowMs: ctx.now(),
      windowMs: ctx.config.timestampWindowMs,
    });
    const handler = TCP_HANDLERS[pre.apicode]!; // precheck admits only TCP apicodes here
    const result = await handler({
      ctx,
      req,
      pre,
      verified,
      vendor: resolved.vendor!,
      device: resolved.device,
      remoteAddress,
    });
    const text = result.response === undefined ? undefined : JSON.stringify(result.response);
    const vendorKey = resolved.vendor?.sealKey;
    const answer: AnswerInit = {
      version: req.version!,
      success: true,
      apicode: pre.apicode,
      response: text !== undefined && vendorKey ? sealResponse(vendorKey, text) : text,
    };
    return result.deviceId ? { answer, deviceId: result.deviceId, valid: true } : { answer, valid: true };
  } catch (e) {
    const err =
      e instanceof ProtocolError
        ? e
        : new ProtocolError(ERRORS.SYSTEM, e instanceof Error ? e.message : String(e));
    if (err.entry === ERRORS.SYSTEM)
      ctx.logger.error({ err: e, sn: req.sn, apicode: req.apicode }, 'request failed');
    if (deviceId && isAuthFailure(err.code)) {
      ctx.presence.recordAuthFailure(deviceId, ctx.now(), err.code);
    }
    return { answer: failure(ctx, req, err), valid: false };
  }
}

function isAuthFailure(code: string): boolean {
  return code.startsWith('401_') || code === '400_04' || code === '400_05' || code === '490_04';
}
