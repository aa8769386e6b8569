/** What a TCP handler is: the request core's Handler over the TCP ports and transport. */
import type { Apicode } from '@kaoqin/protocol';
import type { Handler } from '../../requests/handler.js';
import type { TcpPorts } from '../context.js';

/** What a TCP handler knows of its transport: the connection's peer address. */
export type TcpTransport = string | undefined;

export type TcpHandler<A extends Apicode> = Handler<A, TcpPorts, TcpTransport>;
