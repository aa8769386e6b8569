/** The TCP apicodes and their handlers: chapter 2 of the standard, one file each. */
import type { HandlerTable } from '../requests/handler.js';
import type { TcpPorts } from './context.js';
import { cAuth } from './handlers/c-auth.js';
import { cHeartbeat } from './handlers/c-heartbeat.js';
import { cSignIn } from './handlers/c-sign-in.js';
import type { TcpTransport } from './handlers/handler.js';

export const TCP_HANDLERS: HandlerTable<TcpPorts, TcpTransport> = {
  C_AUTH: cAuth, // 2.1
  C_HEARTBEAT: cHeartbeat, // 2.2
  C_SIGN_IN: cSignIn, // 2.3
};
