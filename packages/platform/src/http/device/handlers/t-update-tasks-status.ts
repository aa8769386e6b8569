/**
 * 3.2 T_UPDATE_TASKS_STATUS (提交任务状态变更): the device reports the outcome of its tasks
 * (1 done, 2 failed, 3 unsupported) with its person and face counts and the persons and
 * faces it could not take (section 7.5 codes). Idempotent, so a device whose answer was
 * lost simply reports again. The answer has no response (3.2.3).
 */
import { callerOf, type HttpHandler } from './handler.js';

export const tUpdateTasksStatus: HttpHandler<'T_UPDATE_TASKS_STATUS'> = async (input) => {
  const { ports, param } = input;
  await ports.tasks.reportStatus(callerOf(input), param);
  return {};
};
