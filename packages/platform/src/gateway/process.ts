/**
 * The TCP framing around the request core: a frame's payload decoded (D2) into a request,
 * the core's outcome as a PlatformResponse, and what the connection must do next (bind
 * a device after C_AUTH, close after a framing error). Transport-free, so tests drive it
 * without sockets.
 */
import type { KeyLike } from 'node:crypto';
import {
  type AnswerInit,
  type Apicode,
  decodeRequestPayload,
  ERRORS,
  FrameError,
  type IncomingRequest,
  type ProtocolError,
  sealResponse,
} from '@kaoqin/protocol';
import {
  type Answering,
  type Envelope,
  type RequestCore,
  serveRequest,
  type TransportSide,
} from '../requests/core.js';
import type { HandlerResult, RecordKey } from '../requests/handler.js';
import type { Found } from '../requests/ports.js';
import type { GatewayContext, TcpPorts } from './context.js';
import { TCP_HANDLERS } from './dispatch.js';
import type { TcpTransport } from './handlers/handler.js';
import { readPhotoSignIn } from './photo-request.js';

export interface FrameOutcome {
  answer: AnswerInit;
  /**
   * The device this connection speaks for (D3 pushes go to it): set by a successful
   * C_AUTH, and by any request answered with success under the device's token, since a
   * device that reconnects (here, or to another node) goes on with the token it has.
   */
  deviceId?: string;
  /** The connection must close after this answer (framing errors, D1). */
  close?: boolean;
  /** Whether the request passed every check (a "valid frame" for connection hygiene). */
  valid: boolean;
  /** A stored clock-in's key (C_SIGN_IN): the mobile bridge reports its verdict. */
  record?: RecordKey;
}

/** A TCP answer: success or not, echoing the request's version and apicode; no sign (2.x.3). */
class TcpEnvelope implements Envelope<FrameOutcome> {
  readonly #version: string;

  constructor(protocolVersion: string) {
    this.#version = protocolVersion;
  }

  answering(req: IncomingRequest, apicode: Apicode, found: Found): Answering<FrameOutcome> {
    // precheck refuses a request without a version
    return new TcpAnswering(req.version!, apicode, found.vendor?.sealKey, found.device?.id);
  }

  failure(
    req: IncomingRequest | undefined,
    _apicode: Apicode | undefined,
    error: ProtocolError,
  ): FrameOutcome {
    return { answer: this.answer(req, error), valid: false };
  }

  answer(req: IncomingRequest | undefined, error: ProtocolError): AnswerInit {
    return refusal(req?.version ?? this.#version, req?.apicode ?? '', error);
  }
}

function refusal(version: string, apicode: string, error: ProtocolError): AnswerInit {
  return { version, success: false, apicode, error: error.toWire() };
}

/** What a TCP answer keeps while its handler runs: four strings, not the request (Envelope.answering). */
class TcpAnswering implements Answering<FrameOutcome> {
  readonly #version: string;
  readonly #apicode: Apicode;
  readonly #sealKey: KeyLike | null | undefined;
  readonly #deviceId: string | undefined;

  constructor(
    version: string,
    apicode: Apicode,
    sealKey: KeyLike | null | undefined,
    deviceId: string | undefined,
  ) {
    this.#version = version;
    this.#apicode = apicode;
    this.#sealKey = sealKey;
    this.#deviceId = deviceId;
  }

  success(result: HandlerResult): FrameOutcome {
    const text = result.response === undefined ? undefined : JSON.stringify(result.response);
    const answer: AnswerInit = {
      version: this.#version,
      success: true,
      apicode: this.#apicode,
      response: text !== undefined && this.#sealKey ? sealResponse(this.#sealKey, text) : text,
    };
    const outcome: FrameOutcome = { answer, valid: true };
    const deviceId = result.deviceId ?? this.#deviceId;
    if (deviceId) outcome.deviceId = deviceId;
    if (result.record) outcome.record = result.record;
    return outcome;
  }

  failure(error: ProtocolError): FrameOutcome {
    return { answer: refusal(this.#version, this.#apicode, error), valid: false };
  }
}

/** One request frame in, one answer out. */
export class FrameRequests {
  readonly #core: RequestCore;
  readonly #envelope: TcpEnvelope;
  readonly #side: TransportSide<TcpPorts, TcpTransport, FrameOutcome>;

  constructor(ctx: GatewayContext) {
    this.#core = ctx.core;
    this.#envelope = new TcpEnvelope(ctx.config.protocolVersion);
    this.#side = { handlers: TCP_HANDLERS, ports: ctx.ports, envelope: this.#envelope };
  }

  process(payload: Uint8Array, remoteAddress: string | undefined): Promise<FrameOutcome> {
    // A photo sign-in is read from its bytes; every other frame, or one that path is not
    // certain of, as text below (photo-request.ts).
    const photo = readPhotoSignIn(payload);
    if (photo) {
      const transport: TcpTransport = { remoteAddress };
      if (photo.photo) transport.photo = photo.photo;
      return serveRequest(this.#core, this.#side, photo.req, transport);
    }
    let req: IncomingRequest;
    try {
      req = decodeRequestPayload(payload);
    } catch (e) {
      return Promise.resolve(
        this.framingFailure(e instanceof FrameError ? e : new FrameError(ERRORS.FRAME_MALFORMED)),
      );
    }
    return serveRequest(this.#core, this.#side, req, { remoteAddress });
  }

  /** D1, D2: a stream or frame that cannot be read is answered (490_01, 490_02), then the connection closes. */
  framingFailure(error: ProtocolError): FrameOutcome {
    return { answer: this.#envelope.answer(undefined, error), close: true, valid: false };
  }
}
