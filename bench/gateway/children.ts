/**
 * Child processes of the harness: started here, remembered, and ended here. Whatever
 * happens (normal end, an error, Ctrl-C, SIGTERM), every child still running is killed
 * by its own pid, or by its own process group for a command that may start others (the
 * platform). Nothing else is ever signalled.
 */
import { type ChildProcess, fork, type SpawnOptions, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: children run from here so `--import tsx` and relative paths resolve. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HERE = dirname(fileURLToPath(import.meta.url));
/**
 * Children load TypeScript sources, and @kaoqin/protocol from its sources.
 * BENCH_CHILD_NODE_ARGS adds Node flags to the harness's own children (e.g. --cpu-prof).
 */
const TS_EXEC_ARGV = [
  '--conditions=source',
  '--import',
  'tsx',
  ...(process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean),
];

interface Tracked {
  child: ChildProcess;
  /** Killed as a process group (spawned detached). */
  group: boolean;
}
const tracked = new Set<Tracked>();

function alive(t: Tracked): boolean {
  return t.child.exitCode === null && t.child.signalCode === null && t.child.pid !== undefined;
}

function signal(t: Tracked, sig: NodeJS.Signals): void {
  if (!alive(t)) return;
  try {
    if (t.group) process.kill(-t.child.pid!, sig);
    else t.child.kill(sig);
  } catch {
    // already gone
  }
}

function track(child: ChildProcess, group: boolean): ChildProcess {
  const t = { child, group };
  tracked.add(t);
  child.once('exit', () => tracked.delete(t));
  return child;
}

/** Kills every child still running, at once (SIGKILL: used on the way out). */
export function killAllNow(): void {
  for (const t of tracked) signal(t, 'SIGKILL');
}

let installed = false;
/** On exit, Ctrl-C and SIGTERM, no child outlives the harness. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: stopping children\n`);
      for (const t of tracked) signal(t, 'SIGTERM');
      setTimeout(() => {
        killAllNow();
        process.exit(130);
      }, 1500).unref();
    });
  }
}

/** Forks one of this folder's TypeScript modules with an IPC channel. */
export function forkTs(module: string, env: Record<string, string> = {}): ChildProcess {
  const child = fork(resolve(HERE, module), [], {
    cwd: REPO_ROOT,
    execArgv: TS_EXEC_ARGV,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Failures to spawn or to signal surface as exits and timeouts where the child is used.
  child.on('error', (err) => process.stderr.write(`${module}: ${err.message}\n`));
  return track(child, false);
}

/** Commands that could not be started at all (no such file, …): they never exit. */
const spawnFailures = new WeakMap<ChildProcess, Error>();

/** Spawns a command in its own process group (so its own children are ended with it). */
export function spawnGroup(argv: readonly string[], options: SpawnOptions): ChildProcess {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('empty command');
  const child = spawn(cmd, args, { ...options, detached: true });
  child.on('error', (err) => {
    if (child.pid === undefined) spawnFailures.set(child, err);
    else process.stderr.write(`${cmd}: ${err.message}\n`);
  });
  return track(child, true);
}

/** Why a spawned command never started, if it did not. */
export function spawnFailure(child: ChildProcess): Error | undefined {
  return spawnFailures.get(child);
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || spawnFailures.has(child);
}

/** Resolves when the child has exited, or failed to start (at once if it already has). */
export function whenExited(child: ChildProcess): Promise<void> {
  if (exited(child)) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', () => r());
    child.once('error', () => {
      if (spawnFailures.has(child)) r();
    });
  });
}

function exitWithin(child: ChildProcess, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    whenExited(child),
    new Promise<void>((r) => {
      timer = setTimeout(r, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Ends a child: our own children first by closing their IPC channel (they exit on it,
 * normally, so e.g. --cpu-prof profiles get written), then SIGTERM, then SIGKILL if it
 * is still there after graceMs.
 */
export async function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  const t = [...tracked].find((x) => x.child === child) ?? { child, group: false };
  if (child.connected) {
    child.disconnect();
    await exitWithin(child, Math.min(graceMs, 3000));
  }
  signal(t, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((r) => {
    timer = setTimeout(() => {
      signal(t, 'SIGKILL');
      r();
    }, graceMs);
  });
  await Promise.race([whenExited(child), killed]);
  clearTimeout(timer);
  await whenExited(child);
}

/** The first IPC message the predicate accepts; rejects if the child exits or time runs out. */
export function nextMessage<T>(
  child: ChildProcess,
  accept: (m: unknown) => m is T,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => done(new Error(`no message from child within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (m: unknown): void => {
      if (accept(m)) done(undefined, m);
    };
    const onExit = (code: number | null, sig: string | null): void =>
      done(new Error(`child exited (${sig ?? code}) before answering`));
    function done(err: Error | undefined, value?: T): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolvePromise(value as T);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
