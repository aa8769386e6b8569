/** The shape every apicode handler of the HTTP device endpoint shares (one file per apicode, chapter 3). */
import type { Apicode } from '@kaoqin/protocol';
import type { Handler, HandlerInput } from '../../../requests/handler.js';
import type { CaptureEnrolmentPort } from '../../../requests/ports.js';
import type { TaskApi, TaskCaller } from '../../../tasks/api.js';

/** What the chapter-3 handlers use: the task engine; X_ENROL_PERSON, the capture enrolment. */
export interface HttpPorts {
  tasks: TaskApi;
  /** Absent where the platform serves no capture devices (X_ENROL_PERSON answers 400_01). */
  capture?: CaptureEnrolmentPort | undefined;
}

/** Where the device reached us (or the configured public URL), asked once the request is checked. */
export type BaseUrl = () => string;

export type HttpHandlerInput<A extends Apicode> = HandlerInput<A, HttpPorts, BaseUrl>;
export type HttpHandler<A extends Apicode> = Handler<A, HttpPorts, BaseUrl>;

/** Who asks the task engine, and where the answer's URLs must point. */
export function callerOf<A extends Apicode>(input: HttpHandlerInput<A>): TaskCaller {
  // Every T_* request is token-authenticated, so its device is known.
  return { deviceId: input.device!.id, baseUrl: input.transport(), now: input.now };
}
