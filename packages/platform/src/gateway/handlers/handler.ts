/** What a TCP handler is: the request core's Handler over the TCP ports and transport. */
import type { Apicode } from '@kaoqin/protocol';
import type { Handler } from '../../requests/handler.js';
import type { TcpPorts } from '../context.js';

/** What a TCP handler knows of its transport beyond the request's members. */
export interface TcpTransport {
  /** The connection's peer address. */
  remoteAddress: string | undefined;
  /**
   * C_SIGN_IN's photo, decoded, when the gateway took img out of param's bytes
   * (photo-request.ts); param then has no img. Absent when param still carries it.
   */
  photo?: Uint8Array;
}

export type TcpHandler<A extends Apicode> = Handler<A, TcpPorts, TcpTransport>;
