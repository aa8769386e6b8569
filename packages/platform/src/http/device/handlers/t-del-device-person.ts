/**
 * 3.5 T_DEL_DEVICE_PERSON (删除设备人员信息): the device fetches the ids of the persons to
 * delete. The request has no param (3.5.2). Response 3.5.3 `{"personIds":[…]}`, which
 * the answer formula leaves unsigned (K8).
 */
import { callerOf, type HttpHandler } from './handler.js';

export const tDelDevicePerson: HttpHandler<'T_DEL_DEVICE_PERSON'> = async (input) => {
  const { ports, req } = input;
  const { personIds } = await ports.tasks.deletePersons(callerOf(input), req.taskid!);
  return { response: { personIds } };
};
