/**
 * How many connections a process can hold: its open-file limit less room for the rest.
 * Apart from the gateway so that `serve --workers`'s primary, which counts processes,
 * does not load the gateway it never runs.
 */
import { readFileSync } from 'node:fs';

/** File descriptors kept free for the database, photos, HTTP and logs. */
const FD_HEADROOM = 500;

/** The process's open-file limit (Linux), to keep the connection cap below it. */
export function openFileLimit(): number | undefined {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function defaultMaxConnections(): number {
  const limit = openFileLimit();
  return limit === undefined ? 10_000 : Math.max(16, limit - FD_HEADROOM);
}
