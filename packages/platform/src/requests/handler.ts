/**
 * The shape every apicode handler shares, whichever transport serves it (one file per
 * apicode: gateway/handlers for chapter 2, http/device/handlers for chapter 3).
 * `P` is what the transport's handlers need from the platform (ports), `X` what the
 * transport knows of the request beyond its members (TCP: the peer's address; HTTP: the
 * base URL the device reached us on).
 */
import type { Apicode, IncomingRequest } from '@kaoqin/protocol';
import type { RequestDevice, RequestVendor } from './ports.js';

export interface HandlerInput<P, X> {
  ports: P;
  apicode: Apicode;
  req: IncomingRequest;
  /**
   * param as the checks parsed and validated it against the apicode's schema (the zod
   * output type, so defaults and caps are applied); undefined when none was sent.
   */
  param: unknown;
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
}

export type Handler<P, X> = (input: HandlerInput<P, X>) => Promise<HandlerResult>;

/** A transport's apicodes and their handlers; precheck admits only the transport's own. */
export type HandlerTable<P, X> = Partial<Record<Apicode, Handler<P, X>>>;
