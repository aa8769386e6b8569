/**
 * The protocol package's request vectors (vectors/requests.json), replayed against the
 * platform under test: each vector is one way the standard's text lets a device write and
 * sign a request (clause 1.5; D4 and D5: the image left out in each position, a param
 * pretty-printed and signed as sent or as compact JSON, param as text or as an object).
 * A vector is signed for the standard's example device in 2021, so the replay keeps its
 * param's exact text and its signing reading, and puts this run's values in: the token,
 * sn, timeStamp, a person no roster holds, recordTime now, a task id no task has. The
 * platform must accept each signature: a C_HEARTBEAT or C_SIGN_IN answered success, a
 * chapter 3 request answered anything but 400_04 (the vectors' task ids are nobody's).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  APICODE_SPECS,
  type Apicode,
  ERRORS,
  formatTimeStamp,
  isApicode,
  md5Hex,
  type RequestVector,
  signingText,
  type VectorFixtures,
} from '@kaoqin/protocol';
import { type Check, type Evidence, must } from '../check.js';
import { httpUrl, post } from './http.js';
import type { PlatformTarget } from './target.js';
import { authenticate, deviceFrame, tokenOnce, Wire } from './wire.js';

const require = createRequire(import.meta.url);
const VECTORS = JSON.parse(
  readFileSync(require.resolve('@kaoqin/protocol/vectors/requests.json'), 'utf8'),
) as {
  fixtures: VectorFixtures;
  cases: RequestVector[];
};

/** The apicodes whose vectors replay without work on the platform (no real task needed). */
const REPLAYED = new Set(['C_HEARTBEAT', 'C_SIGN_IN', 'T_GET_TASKS', 'T_UPDATE_TASKS_STATUS']);

interface Live {
  token: string;
  personId: string;
  taskid: string;
  now: number;
}

/** The vector's text with this run's values in place of the fixtures' (the text's shape kept). */
function relive(text: string, live: Live): string {
  const f = VECTORS.fixtures;
  return text
    .replaceAll(f.personId, live.personId)
    .replaceAll(f.taskid, live.taskid)
    .replace(/("recordTime"\s*:\s*"?)\d{13}/g, `$1${live.now}`);
}

/** The param text the vector's signature covers: its signed text between the fields before it and the secret. */
function signedParam(v: RequestVector): string {
  const withoutSecret = v.signedText.slice(0, -VECTORS.fixtures.accessSecret.length);
  const at = withoutSecret.indexOf('{');
  return at < 0 ? '' : withoutSecret.slice(at);
}

function signFor(target: PlatformTarget, apicode: Apicode, values: Record<string, string>): string {
  return md5Hex(signingText(APICODE_SPECS[apicode].requestSign, values, target.accessSecret));
}

async function replayTcp(target: PlatformTarget, ev: Evidence, v: RequestVector): Promise<void> {
  const apicode = v.apicode as 'C_HEARTBEAT' | 'C_SIGN_IN';
  const wire = await Wire.open(target, ev);
  try {
    const token = await authenticate(wire, target);
    const live: Live = { token, personId: person(), taskid: taskid(), now: target.now() };
    const param = relive(v.request.param ?? '', live);
    const timeStamp = formatTimeStamp(target.now());
    const sign = signFor(target, apicode, {
      version: target.version,
      sn: target.sn,
      token,
      apicode,
      timeStamp,
      param: relive(signedParam(v), live),
    });
    wire.send(deviceFrame(target, apicode, token, param, { timeStamp, sign }), `${apicode}: ${v.name}`);
    const a = await wire.answer(10_000);
    must(
      a.success,
      `refused (${String(a.error?.errorcode)}): the platform does not accept this reading of the signature (${v.variant})`,
    );
  } finally {
    wire.close();
  }
}

async function replayHttp(target: PlatformTarget, ev: Evidence, v: RequestVector): Promise<void> {
  const apicode = v.apicode as Apicode;
  httpUrl(target); // not run without chapter 3's address
  const token = await tokenOnce(target, ev);
  const live: Live = { token, personId: person(), taskid: taskid(), now: target.now() };
  const param = relive(v.request.param ?? '', live);
  const sign = signFor(target, apicode, {
    version: target.version,
    sn: target.sn,
    token,
    apicode,
    param: relive(signedParam(v), live),
  });
  const asObject = v.request.paramForm === 'object';
  const members = [
    ['version', JSON.stringify(target.version)],
    ['sn', JSON.stringify(target.sn)],
    ['token', JSON.stringify(token)],
    ['apicode', JSON.stringify(apicode)],
    ['param', asObject ? param : JSON.stringify(param)],
    ['sign', JSON.stringify(sign)],
  ];
  const body = `{${members.map(([k, t]) => `${JSON.stringify(k)}:${t}`).join(',')}}`;
  const a = await post(target, ev, body, v.name);
  must(
    a.success === true || (a.success === false && a.error?.errorcode !== ERRORS.AUTH_FAILED.code),
    `answered ${String(a.error?.errorcode ?? a.status)}: the platform does not accept this reading of the signature (${v.variant})`,
  );
}

const person = () => `conformance-${randomBytes(6).toString('hex')}`;
/** 19 digits, like the standard's task ids, that no platform has issued to this device. */
const taskid = () =>
  `9${String(Date.now()).padStart(13, '0')}${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;

/** `vectors.c-sign-in-img-in-the-middle` from "C_SIGN_IN img in the middle: member and …". */
function idOf(name: string): string {
  const head = name.replace(/\(.*?\)/g, '').split(':')[0]!;
  return `vectors.${head
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')}`;
}

export const vectorChecks: Check<PlatformTarget>[] = VECTORS.cases
  .filter((v) => REPLAYED.has(v.apicode) && isApicode(v.apicode))
  .map((v) => ({
    id: idOf(v.name),
    clause: '1.5',
    title: `the request vector "${v.name}", replayed with this run's token and values, is accepted (its signature reading: ${v.variant})`,
    run: (target, ev) => (v.transport === 'tcp' ? replayTcp(target, ev, v) : replayHttp(target, ev, v)),
  }));
