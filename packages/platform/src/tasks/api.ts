/**
 * What the HTTP device endpoint (chapter 3) asks of the task engine, one method per
 * T_* apicode. The endpoint does the envelope (body, D8 checks, signatures, answers);
 * this side owns the tasks, the frozen rosters and the distribution state. Methods throw
 * ProtocolError with 490_06 (no such task for this device, or the task is of another
 * apicode) or 490_07 (task finished or expired); anything else is a 500_01.
 */
import type {
  FirmwareDescriptor,
  PersonPageApicode,
  PostPersonsParam,
  UpdateTasksStatusParam,
} from '@kaoqin/protocol';

/** Who asks, and where the answer's URLs must point. */
export interface TaskCaller {
  deviceId: string;
  /** Base URL the device reached us on (or the configured public URL), e.g. http://10.0.0.5:8080. */
  baseUrl: string;
  now: number;
}

/** 3.1.3: one task as T_GET_TASKS returns it; param is JSON text. */
export interface TaskView {
  taskid: string;
  apicode: string;
  param: string;
}

/** 3.3.3 / 3.4.3 response, URLs already signed. */
export interface PersonPageView {
  data: {
    personId: string;
    name: string;
    imgUrls: string[];
    /** Our extension (docs/protocol.md 7.7): the person's iris images (BMP) by eye, signed like imgUrls. */
    irisUrls?: { left?: string; right?: string };
  }[];
  currentPage: number;
  totalPage: number;
}

export interface TaskApi {
  /** T_GET_TASKS (3.1): the caller's tasks among `taskids` (others are left out), marked fetched. */
  getTasks(caller: TaskCaller, taskids: string[]): Promise<TaskView[]>;
  /** T_UPDATE_TASKS_STATUS (3.2): records each report and the device's counts. Idempotent. */
  reportStatus(caller: TaskCaller, report: UpdateTasksStatusParam): Promise<void>;
  /** T_SEND_PERSON (3.3) / T_UPDATE_DEVICE_PERSON (3.4): one page of the task's frozen list. */
  personPage(
    caller: TaskCaller,
    apicode: PersonPageApicode,
    taskid: string,
    page: { currentPage: number; size: number },
  ): Promise<PersonPageView>;
  /** T_DEL_DEVICE_PERSON (3.5): the ids to delete. */
  deletePersons(caller: TaskCaller, taskid: string): Promise<{ personIds: string[] }>;
  /** T_CLEAR_DEVICE_PERSON (3.6): acknowledges the clear (the device reports it done via 3.2). */
  clearPersons(caller: TaskCaller, taskid: string): Promise<void>;
  /** T_UPDATE_DEVICE_VERSION (3.7): the firmware descriptor with a signed downloadUrl. */
  firmware(caller: TaskCaller, taskid: string): Promise<FirmwareDescriptor>;
  /** T_POST_DEVICE_PERSON (3.8): one page of the device's roster, for reconciliation. */
  postPersons(caller: TaskCaller, taskid: string, page: PostPersonsParam): Promise<void>;
}
