/**
 * One HTTP device request body in, one answer body out: read the body (D5), the checks of
 * D8 in the order of docs/protocol.md 7.4, then the apicode's handler, then the signed
 * answer. The HTTP twin of gateway/process.ts, and like it transport-free: every
 * outcome, including an unexpected exception (500_01, logged), is an answer body, so the
 * route always has something to send.
 */
import {
  type Apicode,
  ERRORS,
  type IncomingRequest,
  ProtocolError,
  precheck,
  requireCredential,
  verifySigned,
} from '@kaoqin/protocol';
import { resolveTokenCredential } from '../../gateway/auth.js';
import type { TaskCaller } from '../../tasks/api.js';
import { failureAnswer, httpApicode, successAnswer } from './answer.js';
import { readDeviceBody } from './body.js';
import type { DeviceEndpointDeps } from './deps.js';
import { HTTP_HANDLERS } from './handlers/index.js';

/** Codes that say the device failed to prove itself, kept in its event log as the gateway does. */
function isAuthFailure(code: string): boolean {
  return code.startsWith('401_') || code === '400_04' || code === '490_04';
}

/** Anything but a ProtocolError is 500_01; its message stays in the log, not in the answer (internals). */
function asProtocolError(e: unknown): ProtocolError {
  return e instanceof ProtocolError ? e : new ProtocolError(ERRORS.SYSTEM);
}

/** An answer to a request that could not be read or checked far enough to know its device. */
export function unreadableAnswer(deps: DeviceEndpointDeps, error: ProtocolError): string {
  return failureAnswer({
    apicode: undefined,
    version: deps.config.protocolVersion,
    taskid: undefined,
    error,
    secret: undefined,
  });
}

/**
 * Answers one request body. `baseUrl` is asked only once the request is checked, for the
 * URLs the task engine signs (imgUrls, downloadUrl).
 */
export async function processDeviceBody(
  deps: DeviceEndpointDeps,
  body: string | undefined,
  baseUrl: () => string,
): Promise<string> {
  let req: IncomingRequest;
  try {
    req = readDeviceBody(body);
  } catch (e) {
    return unreadableAnswer(deps, asProtocolError(e));
  }
  let apicode: Apicode | undefined;
  let secret: string | undefined;
  let deviceId: string | undefined;
  try {
    const pre = precheck(req);
    apicode = pre.apicode;
    const resolved = await resolveTokenCredential(deps, req);
    deviceId = resolved.device?.id;
    secret = requireCredential(pre.apicode, resolved.credential);
    const now = deps.now();
    const verified = verifySigned(req, pre, secret, { nowMs: now, windowMs: deps.config.timestampWindowMs });
    if (verified.signVariant !== 'exact') {
      // 1.4: the platform logs which reading of D4/D5 a device used (never the param itself).
      deps.logger.debug({ sn: req.sn, apicode, signVariant: verified.signVariant }, 'tolerated sign variant');
    }
    const handler = HTTP_HANDLERS[pre.apicode]!; // precheck admits only HTTP apicodes on this transport
    const caller: TaskCaller = { deviceId: resolved.device!.id, baseUrl: baseUrl(), now };
    const result = await handler({
      tasks: deps.tasks,
      caller,
      apicode: pre.apicode,
      taskid: req.taskid,
      param: verified.param,
    });
    return successAnswer({
      apicode: pre.apicode,
      version: req.version!,
      taskid: req.taskid,
      response: result.response,
      secret,
      sealKey: resolved.vendor?.sealKey,
    });
  } catch (e) {
    const err = asProtocolError(e);
    if (err.entry === ERRORS.SYSTEM) {
      deps.logger.error(
        { err: e, sn: req.sn, apicode: req.apicode, taskid: req.taskid },
        'device request failed',
      );
    }
    if (deviceId !== undefined && isAuthFailure(err.code)) {
      deps.presence.recordAuthFailure(deviceId, deps.now(), err.code);
    }
    return failureAnswer({
      // Before precheck names the apicode, a known HTTP one still decides the taskid member (K7).
      apicode: apicode ?? httpApicode(req.apicode),
      version: req.version || deps.config.protocolVersion,
      taskid: req.taskid,
      error: err,
      secret,
    });
  }
}
