/**
 * What Linux's /proc says about a server process and its descendants (a platform may run
 * workers, or be started through a wrapper): resident memory (VmRSS, VmHWM) and CPU
 * time. Undefined where /proc is not there.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat, 100 on every mainstream Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  const text = read(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** pid and every live descendant of it. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [pid];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(Number(name));
    const ppid = fields ? Number(fields[1]) : Number.NaN; // field 4 of stat: state is 3
    if (Number.isNaN(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0 && out.length < 10_000) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) : undefined;
}

export interface Memory {
  /** VmRSS summed over the tree, bytes. */
  rss: number;
  /** VmHWM (peak RSS) summed over the tree: an upper bound of the tree's peak, bytes. */
  peak: number;
  processes: number;
}

export function memory(pid: number): Memory | undefined {
  let rss = 0;
  let peak = 0;
  let processes = 0;
  for (const p of processTree(pid)) {
    const r = statusKb(p, 'VmRSS');
    if (r === undefined) continue;
    rss += r * 1024;
    peak += (statusKb(p, 'VmHWM') ?? r) * 1024;
    processes++;
  }
  return processes === 0 ? undefined : { rss, peak, processes };
}

/** user + system CPU milliseconds used so far by the tree. */
export function cpuMs(pid: number): number | undefined {
  let ticks = 0;
  let found = false;
  for (const p of processTree(pid)) {
    const f = statFields(p);
    if (!f) continue;
    // stat fields 14 and 15 (utime, stime) sit at 11 and 12 once pid and comm are cut off.
    ticks += Number(f[11]) + Number(f[12]);
    found = true;
  }
  return found ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
}

/**
 * The scheduler's account of a process's main thread (its event loop, for Node), from
 * /proc/<pid>/task/<pid>/schedstat: nanoseconds on a core and nanoseconds runnable but
 * waiting for one. The wait is what the cores being shared costs the loop: on a machine
 * whose cores the load generator, the server's other threads and other services share,
 * every turn can start late by it, however little the turn itself does.
 */
export interface ThreadSched {
  runNs: number;
  waitNs: number;
}

export function mainThreadSched(pid: number): ThreadSched | undefined {
  const fields = read(`/proc/${pid}/task/${pid}/schedstat`)?.trim().split(' ');
  if (!fields || fields.length < 2) return undefined;
  const [runNs, waitNs] = [Number(fields[0]), Number(fields[1])];
  return Number.isFinite(runNs) && Number.isFinite(waitNs) ? { runNs, waitNs } : undefined;
}
