/**
 * 3.1 T_GET_TASKS (拉取任务数据): the device fetches the tasks whose ids a heartbeat or a
 * push offered (D3, D11). Ids that are not this device's are left out of the answer
 * rather than refused; the task engine marks the others fetched. Response 3.1.3:
 * `{"tasks":[{"taskid","apicode","param"}]}`, each param JSON text.
 */
import { callerOf, type HttpHandler } from './handler.js';

export const tGetTasks: HttpHandler<'T_GET_TASKS'> = async (input) => {
  const { ports, param } = input;
  // The schema reads a lone id as a one-element list (4.5 tolerance).
  const { taskids } = param;
  const found = await ports.tasks.getTasks(callerOf(input), taskids);
  // Exactly the three members of 3.1.3, in the table's order, whatever else the engine keeps.
  return {
    response: { tasks: found.map((t) => ({ taskid: t.taskid, apicode: t.apicode, param: t.param })) },
  };
};
