/**
 * The shape every apicode handler shares, whichever transport serves it (one file per
 * apicode: gateway/handlers for chapter 2, http/device/handlers for chapter 3).
 * `P` is what the transport's handlers need from the platform (ports), `X` what the
 * transport knows of the request beyond its members (TCP: the peer's address; HTTP: the
 * base URL the device reached us on).
 */
import type { Apicode, IncomingRequest, ParamOf } from '@kaoqin/protocol';
import type { RequestDevice, RequestVendor } from './ports.js';

export interface HandlerInput<A extends Apicode, P, X> {
  ports: P;
  apicode: A;
  req: IncomingRequest;
  /**
   * param as the checks parsed and validated it against the apicode's schema, typed by
   * the registry (ParamOf: the zod output, so defaults and caps are applied).
   */
  param: ParamOf<A>;
  vendor: RequestVendor;
  /** Known for every apicode but C_AUTH of a new device, which registers it. */
  device: RequestDevice | undefined;
  /** The platform clock when the request was checked. */
  now: number;
  transport: X;
}

export interface HandlerResult {
  /** The response object (2.x.3, 3.x.3), written as compact JSON; none where the table has none. */
  response?: object;
  /** C_AUTH: the device the TCP connection now speaks for (task pushes are routed by it, D3). */
  deviceId?: string;
  /** C_SIGN_IN: the stored record's key (D9), for a carrier that reports its verdict (the mobile bridge's results). */
  record?: RecordKey;
}

/** A clock-in's idempotency key (D9): (device, personId, recordTime, type). */
export interface RecordKey {
  deviceId: string;
  personId: string;
  recordTime: number;
  type: number;
}

export type Handler<A extends Apicode, P, X> = (input: HandlerInput<A, P, X>) => Promise<HandlerResult>;

/** A transport's apicodes and their handlers; precheck admits only the transport's own. */
export type HandlerTable<P, X> = { [A in Apicode]?: Handler<A, P, X> };

/** Calls the apicode's handler; generic so each handler gets its own apicode's param type. */
export function callHandler<A extends Apicode, P, X>(
  handlers: HandlerTable<P, X>,
  input: HandlerInput<A, P, X>,
): Promise<HandlerResult> {
  const handler: Handler<A, P, X> | undefined = handlers[input.apicode];
  return handler!(input); // precheck admits only the transport's own apicodes
}
