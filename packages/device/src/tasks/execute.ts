/** Which handler carries out which task (chapter 3), and the kinds of task the runner tells apart. */
import type { Apicode } from '@kaoqin/protocol';
import type { TaskContext, TaskOutcome } from './context.js';
import { runFirmware } from './firmware.js';
import { runClear, runDelete, runPersonPages, runPostPersons } from './persons.js';

/** Tasks whose report carries the person counts. */
export const PERSON_TASKS: ReadonlySet<string> = new Set<Apicode>([
  'T_SEND_PERSON',
  'T_UPDATE_DEVICE_PERSON',
  'T_DEL_DEVICE_PERSON',
  'T_CLEAR_DEVICE_PERSON',
  'T_POST_DEVICE_PERSON',
]);
/**
 * Tasks that change the person store: the only ones whose order matters (a delete must
 * not overtake the send before it). T_POST_DEVICE_PERSON only reads it.
 */
export const STORE_TASKS: ReadonlySet<string> = new Set<Apicode>([
  'T_SEND_PERSON',
  'T_UPDATE_DEVICE_PERSON',
  'T_DEL_DEVICE_PERSON',
  'T_CLEAR_DEVICE_PERSON',
]);

/** Carries out the task of ctx.apicode. */
export function executeTask(ctx: TaskContext): Promise<TaskOutcome> {
  const apicode = ctx.apicode;
  switch (apicode) {
    case 'T_SEND_PERSON':
    case 'T_UPDATE_DEVICE_PERSON':
      return runPersonPages(ctx, apicode);
    case 'T_DEL_DEVICE_PERSON':
      return runDelete(ctx);
    case 'T_CLEAR_DEVICE_PERSON':
      return runClear(ctx);
    case 'T_UPDATE_DEVICE_VERSION':
      return runFirmware(ctx);
    case 'T_POST_DEVICE_PERSON':
      return runPostPersons(ctx);
    default:
      // 6.5: an apicode the device does not implement is reported unsupported.
      return Promise.resolve({ status: 3, counts: false, detail: `unknown task apicode ${apicode}` });
  }
}
