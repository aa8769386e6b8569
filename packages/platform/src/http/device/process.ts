/**
 * The HTTP envelope around the request core: one device request body in (D5), one answer
 * body out, signed (K9) and, for a vendor with a key, sealed (D12), carrying the taskid
 * of a task apicode (K7). Transport-free: every outcome, including an unexpected
 * exception (500_01, logged by the core), is an answer body, so the route always has
 * something to send.
 */
import type { Apicode, IncomingRequest, ProtocolError } from '@kaoqin/protocol';
import { type Answering, type Envelope, serveRequest, type TransportSide } from '../../requests/core.js';
import { asProtocolError } from '../../requests/errors.js';
import type { Found } from '../../requests/ports.js';
import { failureAnswer, httpApicode, successAnswer } from './answer.js';
import { readDeviceBody } from './body.js';
import type { DeviceEndpointDeps } from './deps.js';
import type { BaseUrl, HttpPorts } from './handlers/handler.js';
import { HTTP_HANDLERS } from './handlers/index.js';

class HttpEnvelope implements Envelope<string> {
  readonly #version: string;

  constructor(protocolVersion: string) {
    this.#version = protocolVersion;
  }

  answering(req: IncomingRequest, apicode: Apicode, found: Found, secret: string): Answering<string> {
    // What an HTTP answer needs from the request: its version (precheck refuses a request
    // without one) and taskid, the secret that signs it and the vendor's seal key.
    const head = {
      apicode,
      version: req.version!,
      taskid: req.taskid,
      secret,
      sealKey: found.vendor?.sealKey,
    };
    return {
      success: (result) => successAnswer({ ...head, response: result.response }),
      failure: (error) => failureAnswer({ ...head, error }),
    };
  }

  failure(
    req: IncomingRequest,
    apicode: Apicode | undefined,
    error: ProtocolError,
    found: Found | undefined,
  ): string {
    return failureAnswer({
      // Before precheck names the apicode, a known HTTP one still decides the taskid member (K7).
      apicode: apicode ?? httpApicode(req.apicode),
      version: req.version || this.#version,
      taskid: req.taskid,
      error,
      // Signed only once the token resolved to the device's secret (K9).
      secret: found?.credential.status === 'ok' ? found.credential.secret : undefined,
      sealKey: found?.vendor?.sealKey,
    });
  }
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

/** The endpoint's side of the request core, built once. */
export function httpSide(deps: DeviceEndpointDeps): TransportSide<HttpPorts, BaseUrl, string> {
  return {
    handlers: HTTP_HANDLERS,
    ports: { tasks: deps.tasks, capture: deps.capture },
    envelope: new HttpEnvelope(deps.config.protocolVersion),
  };
}

/**
 * Answers one request body. `baseUrl` is asked only once the request is checked, for the
 * URLs the task engine signs (imgUrls, downloadUrl).
 */
export function processDeviceBody(
  deps: DeviceEndpointDeps,
  side: TransportSide<HttpPorts, BaseUrl, string>,
  body: string | undefined,
  baseUrl: BaseUrl,
): Promise<string> {
  let req: IncomingRequest;
  try {
    req = readDeviceBody(body);
  } catch (e) {
    return Promise.resolve(unreadableAnswer(deps, asProtocolError(e)));
  }
  return serveRequest(deps.core, side, req, baseUrl);
}
