/** The HTTP apicodes and their handlers: chapter 3 of the standard, one file each. */
import type { HandlerTable } from '../../../requests/handler.js';
import type { BaseUrl, HttpPorts } from './handler.js';
import { tClearDevicePerson } from './t-clear-device-person.js';
import { tDelDevicePerson } from './t-del-device-person.js';
import { tGetTasks } from './t-get-tasks.js';
import { tPostDevicePerson } from './t-post-device-person.js';
import { tSendPerson } from './t-send-person.js';
import { tUpdateDevicePerson } from './t-update-device-person.js';
import { tUpdateDeviceVersion } from './t-update-device-version.js';
import { tUpdateTasksStatus } from './t-update-tasks-status.js';
import { xEnrolPerson } from './x-enrol-person.js';

export const HTTP_HANDLERS: HandlerTable<HttpPorts, BaseUrl> = {
  T_GET_TASKS: tGetTasks, // 3.1
  T_UPDATE_TASKS_STATUS: tUpdateTasksStatus, // 3.2
  T_SEND_PERSON: tSendPerson, // 3.3
  T_UPDATE_DEVICE_PERSON: tUpdateDevicePerson, // 3.4
  T_DEL_DEVICE_PERSON: tDelDevicePerson, // 3.5
  T_CLEAR_DEVICE_PERSON: tClearDevicePerson, // 3.6
  T_UPDATE_DEVICE_VERSION: tUpdateDeviceVersion, // 3.7
  T_POST_DEVICE_PERSON: tPostDevicePerson, // 3.8
  X_ENROL_PERSON: xEnrolPerson, // kaoqin's extension (docs/protocol.md 4.13)
};
