/**
 * The apicode registry: for each of the standard's eleven apicodes, and kaoqin's one
 * extension (X_ENROL_PERSON), its clause, its transport, its signature formulas (D4), whether it carries param, a taskid, a
 * timeStamp or image members, and the shapes of its param and response.
 * Everything that differs between apicodes lives here, as data.
 */
import type { z } from 'zod';
import { enrolPersonParam, enrolPersonResponse } from './params/enrol.js';
import { firmwareDescriptor } from './params/firmware.js';
import { authResponse, heartbeatParam, heartbeatResponse } from './params/heartbeat.js';
import { deletePersonsResponse, pageParam, personPage, postPersonsParam } from './params/persons.js';
import { signInParam } from './params/sign-in.js';
import { getTasksParam, getTasksResponse, updateTasksStatusParam } from './params/tasks.js';

export const APICODES = [
  'C_AUTH',
  'C_HEARTBEAT',
  'C_SIGN_IN',
  'T_GET_TASKS',
  'T_UPDATE_TASKS_STATUS',
  'T_SEND_PERSON',
  'T_UPDATE_DEVICE_PERSON',
  'T_DEL_DEVICE_PERSON',
  'T_CLEAR_DEVICE_PERSON',
  'T_UPDATE_DEVICE_VERSION',
  'T_POST_DEVICE_PERSON',
  // kaoqin's extension (docs/protocol.md 4.13): capture devices enrol persons.
  'X_ENROL_PERSON',
] as const;
export type Apicode = (typeof APICODES)[number];

/** Request members a signature may cover, in the names the standard uses. */
export type RequestSignField =
  | 'version'
  | 'sn'
  | 'token'
  | 'taskid'
  | 'apicode'
  | 'accessId'
  | 'accessKey'
  | 'timeStamp'
  | 'param';
/** Answer members a signature may cover. */
export type AnswerSignField = 'version' | 'success' | 'taskid' | 'response';

export interface ApicodeSpec {
  readonly apicode: Apicode;
  /** Clause of 实名制物联平台与设备对接规范 that defines it. */
  readonly clause: string;
  readonly transport: 'tcp' | 'http';
  /** Request signature: these members in order, then accessSecret (D4). */
  readonly requestSign: readonly RequestSignField[];
  /** Answer signature (HTTP only; TCP answers carry no sign): members in order, then accessSecret. */
  readonly answerSign: readonly AnswerSignField[] | null;
  readonly param: 'required' | 'optional' | 'none';
  /** Whether the request names a task (chapter 3 task apicodes). */
  readonly taskid: boolean;
  /** Whether the request carries timeStamp (TCP apicodes only; chapter 3 tables have none). */
  readonly timeStamp: boolean;
  /** Whether param holds "img" members left out of the signature (D4). */
  readonly imageMembers: boolean;
  readonly paramSchema: z.ZodType | null;
  readonly responseSchema: z.ZodType | null;
}

const T_SIGN: readonly RequestSignField[] = ['version', 'sn', 'token', 'taskid', 'apicode', 'param'];

/** Keeps each spec's own types (its schemas above all), so params are typed per apicode. */
function spec<const S extends ApicodeSpec>(s: S): Readonly<S> {
  return Object.freeze(s);
}

export const APICODE_SPECS = {
  C_AUTH: spec({
    apicode: 'C_AUTH',
    clause: '2.1',
    transport: 'tcp',
    requestSign: ['version', 'sn', 'apicode', 'accessId', 'accessKey', 'timeStamp'],
    answerSign: null,
    param: 'none',
    taskid: false,
    timeStamp: true,
    imageMembers: false,
    paramSchema: null,
    responseSchema: authResponse,
  }),
  C_HEARTBEAT: spec({
    apicode: 'C_HEARTBEAT',
    clause: '2.2',
    transport: 'tcp',
    requestSign: ['version', 'sn', 'token', 'apicode', 'timeStamp', 'param'],
    answerSign: null,
    param: 'required',
    taskid: false,
    timeStamp: true,
    imageMembers: false,
    paramSchema: heartbeatParam,
    responseSchema: heartbeatResponse,
  }),
  C_SIGN_IN: spec({
    apicode: 'C_SIGN_IN',
    clause: '2.3',
    transport: 'tcp',
    requestSign: ['version', 'sn', 'token', 'apicode', 'timeStamp', 'param'],
    answerSign: null,
    param: 'required',
    taskid: false,
    timeStamp: true,
    imageMembers: true,
    paramSchema: signInParam,
    responseSchema: null,
  }),
  T_GET_TASKS: spec({
    apicode: 'T_GET_TASKS',
    clause: '3.1',
    transport: 'http',
    requestSign: ['version', 'sn', 'token', 'apicode', 'param'],
    answerSign: ['version', 'success', 'response'],
    param: 'required',
    taskid: false,
    timeStamp: false,
    imageMembers: false,
    paramSchema: getTasksParam,
    responseSchema: getTasksResponse,
  }),
  T_UPDATE_TASKS_STATUS: spec({
    apicode: 'T_UPDATE_TASKS_STATUS',
    clause: '3.2',
    transport: 'http',
    requestSign: ['version', 'sn', 'token', 'apicode', 'param'],
    answerSign: ['version', 'success', 'response'],
    param: 'required',
    taskid: false,
    timeStamp: false,
    imageMembers: false,
    paramSchema: updateTasksStatusParam,
    responseSchema: null,
  }),
  T_SEND_PERSON: spec({
    apicode: 'T_SEND_PERSON',
    clause: '3.3',
    transport: 'http',
    requestSign: T_SIGN,
    answerSign: ['version', 'success', 'taskid', 'response'],
    param: 'required',
    taskid: true,
    timeStamp: false,
    imageMembers: false,
    paramSchema: pageParam,
    responseSchema: personPage,
  }),
  T_UPDATE_DEVICE_PERSON: spec({
    apicode: 'T_UPDATE_DEVICE_PERSON',
    clause: '3.4',
    transport: 'http',
    requestSign: T_SIGN,
    answerSign: ['version', 'success', 'taskid', 'response'],
    param: 'required',
    taskid: true,
    timeStamp: false,
    imageMembers: false,
    paramSchema: pageParam,
    responseSchema: personPage,
  }),
  T_DEL_DEVICE_PERSON: spec({
    apicode: 'T_DEL_DEVICE_PERSON',
    clause: '3.5',
    transport: 'http',
    // The table's formula names param although the request has none: absent members are skipped.
    requestSign: T_SIGN,
    // "tasked" in the standard is a typo for taskid (D4).
    answerSign: ['version', 'success', 'taskid'],
    param: 'none',
    taskid: true,
    timeStamp: false,
    imageMembers: false,
    paramSchema: null,
    responseSchema: deletePersonsResponse,
  }),
  T_CLEAR_DEVICE_PERSON: spec({
    apicode: 'T_CLEAR_DEVICE_PERSON',
    clause: '3.6',
    transport: 'http',
    requestSign: ['version', 'sn', 'token', 'taskid', 'apicode'],
    answerSign: ['version', 'success', 'taskid'],
    param: 'none',
    taskid: true,
    timeStamp: false,
    imageMembers: false,
    paramSchema: null,
    responseSchema: null,
  }),
  T_UPDATE_DEVICE_VERSION: spec({
    apicode: 'T_UPDATE_DEVICE_VERSION',
    clause: '3.7',
    transport: 'http',
    requestSign: T_SIGN,
    answerSign: ['version', 'success', 'taskid'],
    // The table lists the firmware descriptor as param; a device echoes it, or sends none.
    param: 'optional',
    taskid: true,
    timeStamp: false,
    imageMembers: false,
    paramSchema: firmwareDescriptor,
    responseSchema: firmwareDescriptor,
  }),
  T_POST_DEVICE_PERSON: spec({
    apicode: 'T_POST_DEVICE_PERSON',
    clause: '3.8',
    transport: 'http',
    requestSign: T_SIGN,
    answerSign: ['version', 'success', 'taskid', 'response'],
    param: 'required',
    taskid: true,
    timeStamp: false,
    imageMembers: true,
    paramSchema: postPersonsParam,
    responseSchema: null,
  }),
  X_ENROL_PERSON: spec({
    apicode: 'X_ENROL_PERSON',
    // Not the standard's: kaoqin's extension for §1.1(9) capture devices, in chapter 3's style.
    clause: 'kaoqin 4.13',
    transport: 'http',
    requestSign: ['version', 'sn', 'token', 'apicode', 'param'],
    answerSign: ['version', 'success', 'response'],
    param: 'required',
    taskid: false,
    timeStamp: false,
    // Every image is an img member (face.img, cardPhoto.img, iris[].img): left out of the sign (5.4).
    imageMembers: true,
    paramSchema: enrolPersonParam,
    responseSchema: enrolPersonResponse,
  }),
} as const satisfies Readonly<Record<Apicode, ApicodeSpec>>;

type SpecOf<A extends Apicode> = (typeof APICODE_SPECS)[A];

/**
 * The param a handler of apicode A receives, derived from the registry: its schema's zod
 * output (defaults and caps applied), undefined where the apicode has no param shape,
 * and possibly undefined where param is optional. Distributes over a union of apicodes.
 */
export type ParamOf<A extends Apicode> = A extends Apicode
  ? SpecOf<A>['paramSchema'] extends z.ZodType
    ? SpecOf<A>['param'] extends 'required'
      ? z.output<SpecOf<A>['paramSchema']>
      : z.output<SpecOf<A>['paramSchema']> | undefined
    : undefined
  : never;

export function isApicode(value: string): value is Apicode {
  return Object.hasOwn(APICODE_SPECS, value);
}

/**
 * Groupings of apicodes, as data in one place: whoever needs "the task apicodes" or "the
 * person-page apicodes" reads them here rather than listing codes again.
 */
export const APICODE_GROUPS = {
  /** Apicodes that ask a device to do work, as they appear in T_GET_TASKS (3.1.3): those that name a task. */
  task: [
    'T_SEND_PERSON',
    'T_UPDATE_DEVICE_PERSON',
    'T_DEL_DEVICE_PERSON',
    'T_CLEAR_DEVICE_PERSON',
    'T_UPDATE_DEVICE_VERSION',
    'T_POST_DEVICE_PERSON',
  ],
  /** Person tasks served page by page with the same request and answer (3.3, 3.4). */
  personPage: ['T_SEND_PERSON', 'T_UPDATE_DEVICE_PERSON'],
} as const satisfies Record<string, readonly [Apicode, ...Apicode[]]>;

export type TaskApicode = (typeof APICODE_GROUPS.task)[number];
export type PersonPageApicode = (typeof APICODE_GROUPS.personPage)[number];

/** The task apicodes (3.1.3), a non-empty list as z.enum takes it. */
export const TASK_APICODES = APICODE_GROUPS.task;
