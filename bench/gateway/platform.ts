/**
 * The platform under test, as a separate process started from a command line. The serve
 * command gets `--data-dir DIR --tcp-port P --http-port Q --host 127.0.0.1` appended, or,
 * when it names any of {dataDir} {tcpPort} {httpPort} {host}, those are filled in and
 * nothing is appended. The vendor command gets `--name N --json --data-dir DIR` (same
 * placeholder rule, plus {name}) and must print a JSON object with accessId, accessKey
 * and accessSecret (the last JSON line of stdout is taken, so logs before it are fine).
 * Readiness is a TCP connect to the gateway port that succeeds. Both commands can be given
 * their environment (the harness adds KAOQIN_DATABASE_URL this way, so a command with
 * placeholders of its own still gets the scratch database).
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { exited, REPO_ROOT, spawnFailure, spawnGroup, stop, whenExited } from './children.js';
import type { Credentials } from './messages.js';

/** Splits a command line on spaces, honouring '…' and "…" (no other shell syntax). */
export function splitCommand(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** Fills {placeholders}; when the command has none, appends the default flags instead. */
export function withArgs(
  argv: readonly string[],
  vars: Record<string, string>,
  defaults: readonly string[],
): string[] {
  if (!argv.some((a) => /\{\w+\}/.test(a))) return [...argv, ...defaults];
  return argv.map((a) => a.replace(/\{(\w+)\}/g, (whole, key: string) => vars[key] ?? whole));
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * `n` different free TCP ports on 127.0.0.1. Each is held until all are found: a port
 * released at once can be the kernel's next answer too (a run once got the same port for
 * the platform's TCP and HTTP listeners, and the platform could not start).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          s.once('error', reject);
          s.listen({ host: '127.0.0.1', port: 0 }, () => {
            const a = s.address();
            resolve(typeof a === 'object' && a ? a.port : 0);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** The last lines of a log, on a new line, or nothing when it is empty. */
function tail(file: string, lines = 15): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text === '' ? '' : `\n${text.split('\n').slice(-lines).join('\n')}`;
  } catch {
    return '';
  }
}

/** The credentials object in a vendor command's stdout: the whole text, or its last JSON line that has them. */
export function parseVendorOutput(stdout: string): Credentials {
  const candidates = [stdout, ...stdout.split('\n').reverse()];
  for (const text of candidates) {
    const t = text.trim();
    if (!t.startsWith('{')) continue;
    try {
      const o = JSON.parse(t) as Record<string, unknown>;
      if (
        typeof o.accessId === 'string' &&
        typeof o.accessKey === 'string' &&
        typeof o.accessSecret === 'string'
      ) {
        return { accessId: o.accessId, accessKey: o.accessKey, accessSecret: o.accessSecret };
      }
    } catch {
      // not this line
    }
  }
  throw new Error(
    `no {"accessId","accessKey","accessSecret"} JSON in the vendor command's output:\n${stdout.slice(0, 2000)}`,
  );
}

/** Runs the vendor command to completion (at most timeoutMs) and returns the credentials it printed. */
export async function createVendor(
  argv: readonly string[],
  vars: { name: string; dataDir: string },
  logFile: string,
  timeoutMs = 60_000,
  env?: NodeJS.ProcessEnv,
): Promise<Credentials> {
  const full = withArgs(argv, vars, ['--name', vars.name, '--json', '--data-dir', vars.dataDir]);
  const err = openSync(logFile, 'a');
  let stdout = '';
  let child: ChildProcess;
  try {
    child = spawnGroup(full, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', err], ...(env ? { env } : {}) });
  } finally {
    closeSync(err);
  }
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (s: string) => {
    if (stdout.length < 1_000_000) stdout += s;
  });
  const timer = setTimeout(() => void stop(child, 1000), timeoutMs);
  await whenExited(child);
  clearTimeout(timer);
  if (child.exitCode !== 0) {
    throw new Error(
      `vendor command failed (${spawnFailure(child)?.message ?? child.signalCode ?? `exit ${child.exitCode}`}): ${full.join(' ')}\n${stdout}${tail(logFile)}`.trimEnd(),
    );
  }
  return parseVendorOutput(stdout);
}

export interface StartedPlatform {
  child: ChildProcess;
  pid: number;
  argv: string[];
  startMs: number;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Starts the serve command and waits until its gateway port accepts connections. */
export async function startPlatform(
  argv: readonly string[],
  vars: { dataDir: string; tcpPort: number; httpPort: number; host: string },
  logFile: string,
  timeoutMs: number,
  env?: NodeJS.ProcessEnv,
): Promise<StartedPlatform> {
  const full = withArgs(
    argv,
    {
      dataDir: vars.dataDir,
      tcpPort: String(vars.tcpPort),
      httpPort: String(vars.httpPort),
      host: vars.host,
    },
    [
      '--data-dir',
      vars.dataDir,
      '--tcp-port',
      String(vars.tcpPort),
      '--http-port',
      String(vars.httpPort),
      '--host',
      vars.host,
    ],
  );
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawnGroup(full, { cwd: REPO_ROOT, stdio: ['ignore', log, log], ...(env ? { env } : {}) });
  } finally {
    closeSync(log);
  }
  const started = Date.now();
  // Bounded: polls every 100 ms until the deadline.
  while (Date.now() - started < timeoutMs) {
    if (exited(child)) {
      throw new Error(
        `platform exited before listening (${spawnFailure(child)?.message ?? child.signalCode ?? `exit ${child.exitCode}`}): ${full.join(' ')}${tail(logFile)}`,
      );
    }
    if (await canConnect(vars.host, vars.tcpPort)) {
      return { child, pid: child.pid!, argv: full, startMs: Date.now() - started };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop(child, 2000);
  throw new Error(
    `platform did not listen on ${vars.host}:${vars.tcpPort} within ${timeoutMs} ms${tail(logFile)}`,
  );
}
