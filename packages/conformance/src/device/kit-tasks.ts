/**
 * Chapter 3 as the kit's platform answers it (kit-platform.ts takes the envelope and its
 * signature): the tasks a check offers, fetched (3.1), paged (3.3, 3.4), named for removal
 * (3.5), cleared or uploaded (3.6, 3.8), described (3.7) and reported (3.2). A person
 * task may carry crafted pages, whose totalPage the kit changes between pages as a
 * platform that does not freeze its roster would.
 */
import { ERRORS, type IncomingRequest } from '@kaoqin/protocol';

export interface KitPerson {
  personId: string;
  name: string;
  /** The photo's URL (KitPlatform.photo). */
  photo: string;
}

/** One page as the kit answers it, whatever size the device asked for. */
export interface KitPage {
  persons: KitPerson[];
  totalPage: number;
}

/** A task the kit offers in heartbeat answers until the device reports it. */
export type KitTask =
  | {
      taskid: string;
      apicode: 'T_SEND_PERSON' | 'T_UPDATE_DEVICE_PERSON';
      persons: KitPerson[];
      /** Pages as given (page n is pages[n - 1]) instead of `persons` cut by the device's size. */
      pages?: KitPage[];
    }
  | {
      taskid: string;
      apicode: 'T_UPDATE_DEVICE_VERSION';
      descriptor: { version: string; size: number; downloadUrl: string; sha256: string };
    }
  | { taskid: string; apicode: 'T_DEL_DEVICE_PERSON'; personIds: string[] }
  | { taskid: string; apicode: 'T_CLEAR_DEVICE_PERSON' | 'T_POST_DEVICE_PERSON' };

export interface TaskAnswer {
  refused?: string;
  response?: unknown;
}

/** The answer to an authenticated, correctly signed chapter 3 request. */
export function answerTaskRequest(
  offered: Map<string, KitTask>,
  req: IncomingRequest,
  param: unknown,
): TaskAnswer {
  const apicode = req.apicode ?? '';
  const task = offered.get(req.taskid ?? '');
  switch (apicode) {
    case 'T_GET_TASKS': {
      const ids = ((param as { taskids?: unknown } | undefined)?.taskids ?? []) as unknown[];
      const tasks = ids.flatMap((id) => {
        const t = typeof id === 'string' ? offered.get(id) : undefined;
        if (!t) return [];
        const p = t.apicode === 'T_UPDATE_DEVICE_VERSION' ? JSON.stringify(t.descriptor) : '{}';
        return [{ taskid: t.taskid, apicode: t.apicode, param: p }];
      });
      return { response: { tasks } };
    }
    case 'T_UPDATE_DEVICE_VERSION':
      if (task?.apicode !== apicode) return { refused: ERRORS.TASK_NOT_FOUND.code };
      return { response: task.descriptor };
    case 'T_DEL_DEVICE_PERSON':
    case 'T_CLEAR_DEVICE_PERSON':
    case 'T_POST_DEVICE_PERSON':
      // 3.5 answers the ids to remove; 3.6 and 3.8 answer success (the upload is in `seen`).
      if (task?.apicode !== apicode) return { refused: ERRORS.TASK_NOT_FOUND.code };
      return task.apicode === 'T_DEL_DEVICE_PERSON' ? { response: { personIds: task.personIds } } : {};
    case 'T_SEND_PERSON':
    case 'T_UPDATE_DEVICE_PERSON': {
      if (task?.apicode !== apicode) return { refused: ERRORS.TASK_NOT_FOUND.code };
      const p = (param ?? {}) as { currentPage?: unknown; size?: unknown };
      const page = Math.max(1, Number(p.currentPage) || 1);
      const { persons, totalPage } = pageOf(task, page, Math.min(100, Math.max(1, Number(p.size) || 10)));
      const data = persons.map((x) => ({ personId: x.personId, name: x.name, imgUrls: [x.photo] }));
      return { response: { data, currentPage: page, totalPage } };
    }
    case 'T_UPDATE_TASKS_STATUS': {
      const tasks = ((param as { task?: unknown } | undefined)?.task ?? []) as { taskid?: unknown }[];
      for (const t of tasks) if (typeof t?.taskid === 'string') offered.delete(t.taskid);
      return {};
    }
    default:
      return { refused: ERRORS.APICODE_INVALID.code };
  }
}

function pageOf(task: Extract<KitTask, { persons: KitPerson[] }>, page: number, size: number): KitPage {
  if (task.pages) {
    const last = task.pages[task.pages.length - 1]?.totalPage ?? 0;
    return task.pages[page - 1] ?? { persons: [], totalPage: last };
  }
  return {
    persons: task.persons.slice((page - 1) * size, page * size),
    totalPage: Math.ceil(task.persons.length / size),
  };
}
