/**
 * A device under test as the device checks see it: the kit's platform it talks to, the
 * hook that makes it clock in (a command, a URL, or a function for our own SDK's tests),
 * and what one check leaves for the next (the checks are the steps of one session, in
 * order, as a device lives them).
 */
import { spawn } from 'node:child_process';
import { CheckFailure, NotRun } from '../check.js';
import type { KitPlatform, Seen } from './kit-platform.js';

/** Makes the device do what only its user can: clock a person in (type 1, face). */
export interface DeviceHook {
  clockIn(personId: string): Promise<void>;
}

export interface DeviceSession {
  kit: KitPlatform;
  hook: DeviceHook | undefined;
  /**
   * How long each step waits for the device to act (--wait-seconds). Only the second
   * heartbeat waits the standard's 60 s whatever it is (2.2: offline after a minute).
   */
  waitMs: number;
  /** The C_AUTH the session started with, once seen. */
  auth?: Seen;
  /** The persons the kit sent the device (device.person-pages), the first ones clocked in later. */
  personIds: string[];
  /** The person task the kit offered. */
  taskid?: string;
  /** personCount of the device's last status report, and whom it could not take. */
  personCount?: number;
  failedPersons: string[];
  /** The person device.delete removed. */
  removed?: string;
  /** Names device.update-person changed, by personId: the upload of 3.8 must carry them. */
  renamed: Map<string, string>;
}

export function needHook(s: DeviceSession): DeviceHook {
  if (!s.hook) throw new NotRun('needs the device to clock in: give --device-hook');
  return s.hook;
}

/** The hook of `--device-hook`: `sh -c CMD` with the action as JSON on stdin, or a URL POSTed the action. */
export function commandHook(hook: string): DeviceHook {
  return {
    async clockIn(personId) {
      const action = JSON.stringify({ action: 'clock-in', personId });
      if (/^https?:\/\//.test(hook)) {
        const res = await fetch(hook, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: action,
        });
        if (!res.ok) throw new CheckFailure(`the device hook answered HTTP ${res.status}`);
        return;
      }
      await new Promise<void>((resolve, reject) => {
        const child = spawn('sh', ['-c', hook], { stdio: ['pipe', 'ignore', 'pipe'], timeout: 60_000 });
        let err = '';
        child.stderr.on('data', (c: Buffer) => {
          err += c.toString();
        });
        child.on('error', (e) => reject(new CheckFailure(`the device hook did not start: ${e.message}`)));
        child.on('close', (code) =>
          code === 0
            ? resolve()
            : reject(new CheckFailure(`the device hook exited ${code}: ${err.trim().slice(-300)}`)),
        );
        child.stdin.end(action);
      });
    },
  };
}
