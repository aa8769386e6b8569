/**
 * 3.6 T_CLEAR_DEVICE_PERSON (清空设备人员信息): the device is told to remove every person.
 * No param is read (3.6.2; one sent is neither signed nor read, K11); the answer has no
 * response (3.6.3). The device reports the clear done with 3.2.
 */
import { callerOf, type HttpHandler } from './handler.js';

export const tClearDevicePerson: HttpHandler<'T_CLEAR_DEVICE_PERSON'> = async (input) => {
  const { ports, req } = input;
  await ports.tasks.clearPersons(callerOf(input), req.taskid!);
  return {};
};
