/**
 * 3.8 T_POST_DEVICE_PERSON (上报考勤设备人员信息): the device uploads, page by page, every
 * person it holds, for reconciliation (数据校对). Each person's img is outside the
 * request signature (5.4), which the checks already handled. The answer has no
 * response (3.8.3).
 */
import { callerOf, type HttpHandler } from './handler.js';

export const tPostDevicePerson: HttpHandler<'T_POST_DEVICE_PERSON'> = async (input) => {
  const { ports, req, param } = input;
  await ports.tasks.postPersons(callerOf(input), req.taskid!, param);
  return {};
};
