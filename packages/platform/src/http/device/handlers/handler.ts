/** The shape every apicode handler of the HTTP device endpoint shares (one file per apicode, chapter 3). */
import type { Apicode } from '@kaoqin/protocol';
import type { TaskApi, TaskCaller } from '../../../tasks/api.js';

export interface HttpHandlerInput {
  tasks: TaskApi;
  caller: TaskCaller;
  apicode: Apicode;
  /** The request's taskid; precheck refuses a task apicode (3.3–3.8) without one (490_06, K5). */
  taskid: string | undefined;
  /**
   * param as verifySigned parsed and validated it against the apicode's schema (the
   * zod output type, so defaults and caps are applied); undefined when none was sent.
   */
  param: unknown;
}

export interface HttpHandlerResult {
  /** The response object (3.x.3), written as compact JSON; none for 3.2, 3.6 and 3.8. */
  response?: object;
}

export type HttpHandler = (input: HttpHandlerInput) => Promise<HttpHandlerResult>;
