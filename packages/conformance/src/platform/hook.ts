/**
 * The operator hook: how the kit asks the platform under test to create work a device
 * cannot create (enrol persons onto the device's roster). The standard has no interface
 * for it, so the operator gives one: a command (run with `sh -c`, the action as JSON on
 * stdin, its answer as JSON on stdout, exit code 0) or a URL (the action POSTed as JSON,
 * a 2xx JSON answer). docs/conformance.md, "The operator hook", defines the actions.
 */
import { spawn } from 'node:child_process';
import { CheckFailure, NotRun } from '../check.js';
import type { PlatformTarget } from './target.js';

/** `enrol`: put `count` new persons, each with a face photo, on device `sn`'s roster. */
export interface EnrolAction {
  action: 'enrol';
  sn: string;
  count: number;
}

export interface EnrolAnswer {
  /** The new persons' ids as the device will see them (personId in T_SEND_PERSON's data). */
  personIds: string[];
}

/** `firmware`: make a firmware image of the platform's own choosing and roll it out to device `sn`. */
export interface FirmwareAction {
  action: 'firmware';
  sn: string;
}

export interface FirmwareAnswer {
  /** The image's version, as the task's descriptor will give it (3.7.2 version). */
  version: string;
  /** Its size in bytes (3.7.2 size). */
  size: number;
}

const HOOK_TIMEOUT_MS = 120_000;

export async function rollOutFirmware(target: PlatformTarget, sn: string): Promise<FirmwareAnswer> {
  const answer = (await callHook(target, { action: 'firmware', sn })) as {
    version?: unknown;
    size?: unknown;
  };
  if (typeof answer.version !== 'string' || !Number.isInteger(answer.size) || Number(answer.size) < 1)
    throw new CheckFailure(
      `the operator hook's firmware answer has no version and size: ${JSON.stringify(answer)}`,
    );
  return { version: answer.version, size: Number(answer.size) };
}

export async function enrol(target: PlatformTarget, sn: string, count: number): Promise<EnrolAnswer> {
  const answer = await callHook(target, { action: 'enrol', sn, count });
  const ids = (answer as { personIds?: unknown }).personIds;
  if (!Array.isArray(ids) || ids.length !== count || !ids.every((x) => typeof x === 'string'))
    throw new CheckFailure(
      `the operator hook's enrol answer has no personIds list of ${count}: ${JSON.stringify(answer)}`,
    );
  return { personIds: ids as string[] };
}

/**
 * The roster actions: `remove` ends one person's place on device `sn`'s roster (a
 * T_DEL_DEVICE_PERSON follows), `reconcile` asks the device for its persons
 * (T_POST_DEVICE_PERSON), `clear` empties the device (T_CLEAR_DEVICE_PERSON). Each is
 * answered `{}`.
 */
export type RosterAction =
  | { action: 'remove'; sn: string; personId: string }
  | { action: 'reconcile'; sn: string }
  | { action: 'clear'; sn: string };

export async function rosterAction(target: PlatformTarget, action: RosterAction): Promise<void> {
  await callHook(target, action);
}

/**
 * `rotate`: make the vendor's current accessSecret invalid and issue a new one (what an
 * operator does when a secret leaks). The kit goes on with the new secret; run it
 * against a vendor kept for certification, whose other devices this would cut off.
 */
export interface RotateAction {
  action: 'rotate';
  sn: string;
  accessId: string;
}

export async function rotateSecret(target: PlatformTarget): Promise<string> {
  const answer = (await callHook(target, { action: 'rotate', sn: target.sn, accessId: target.accessId })) as {
    accessSecret?: unknown;
  };
  if (typeof answer.accessSecret !== 'string' || answer.accessSecret === '')
    throw new CheckFailure("the operator hook's rotate answer has no accessSecret");
  return answer.accessSecret;
}

/**
 * `rename`: give person `personId` (one the hook enrolled) the name `name`, as an
 * operator corrects a worker's record; the platform then sends the change to the device
 * (3.4 T_UPDATE_DEVICE_PERSON, or a person task of 3.3). Answered `{}`.
 */
export interface RenameAction {
  action: 'rename';
  sn: string;
  personId: string;
  name: string;
}

export async function renamePerson(target: PlatformTarget, personId: string, name: string): Promise<void> {
  await callHook(target, { action: 'rename', sn: target.sn, personId, name });
}

type Action = EnrolAction | FirmwareAction | RosterAction | RotateAction | RenameAction;

const NEEDS: Record<Action['action'], string> = {
  enrol: 'enrol persons',
  firmware: 'roll out firmware',
  remove: 'remove a person from a device',
  reconcile: 'ask a device for its persons',
  clear: 'clear a device',
  rotate: "rotate the vendor's accessSecret",
  rename: 'rename a person',
};

async function callHook(target: PlatformTarget, action: Action): Promise<unknown> {
  const hook = target.operatorHook;
  if (!hook) throw new NotRun(`needs the platform to ${NEEDS[action.action]}: give --operator-hook`);
  const text = JSON.stringify(action);
  const out = /^https?:\/\//.test(hook) ? await viaUrl(hook, text) : await viaCommand(hook, text);
  try {
    return JSON.parse(out) as unknown;
  } catch {
    throw new CheckFailure(`the operator hook answered something that is not JSON: ${out.slice(0, 200)}`);
  }
}

async function viaUrl(url: string, body: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(HOOK_TIMEOUT_MS),
  }).catch((e: Error) => {
    throw new CheckFailure(`the operator hook ${url} failed: ${e.message}`);
  });
  const text = await res.text();
  if (!res.ok) throw new CheckFailure(`the operator hook answered HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

function viaCommand(command: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], timeout: HOOK_TIMEOUT_MS });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('error', (e) => reject(new CheckFailure(`the operator hook did not start: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new CheckFailure(`the operator hook exited ${code}: ${err.trim().slice(-500)}`));
    });
    child.stdin.end(input);
  });
}
