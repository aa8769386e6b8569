/** T_GET_TASKS (3.1) and T_UPDATE_TASKS_STATUS (3.2) shapes. */
import { z } from 'zod';
import { idString, intLike } from './common.js';

/** 3.1.2: the task ids a heartbeat offered; a lone id is tolerated. */
export const getTasksParam = z.object({
  taskids: z.union([z.array(idString).max(1000), idString.transform((id) => [id])]),
});

/** 3.1.3: one task; param is JSON text whose shape depends on the task's apicode. */
export const taskDescriptor = z.object({
  taskid: idString,
  apicode: z.string(),
  param: z.string(),
});

export const getTasksResponse = z.object({ tasks: z.array(taskDescriptor) });

/** 3.2.2 task status: 1 done, 2 failed, 3 unsupported. */
export const TASK_STATUS = { DONE: 1, FAILED: 2, UNSUPPORTED: 3 } as const;

export const failedItem = z.object({
  personId: idString,
  errCode: z.union([z.string().max(64), z.number().transform(String)]),
});

export const taskStatus = z.object({
  // The table types taskid as List; a one-element list is read as the id.
  taskid: z.union([
    idString,
    z
      .array(idString)
      .length(1)
      .transform((a) => a[0]!),
  ]),
  status: intLike.pipe(
    z.union([z.literal(TASK_STATUS.DONE), z.literal(TASK_STATUS.FAILED), z.literal(TASK_STATUS.UNSUPPORTED)]),
  ),
  failedPersons: z.array(failedItem).max(100_000).optional(),
  failedFaces: z.array(failedItem).max(100_000).optional(),
});

export const updateTasksStatusParam = z.object({
  task: z.array(taskStatus).min(1).max(1000),
  // Required by the table for person tasks; a firmware task's report may leave them out.
  personCount: intLike.pipe(z.number().int().min(0)).optional(),
  faceCount: intLike.pipe(z.number().int().min(0)).optional(),
});

export type UpdateTasksStatusParam = z.infer<typeof updateTasksStatusParam>;
