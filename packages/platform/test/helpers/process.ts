/** Runs the real `kaoqin` CLI in a child process (from sources, through tsx), as an operator would. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const NODE_ARGS = ['--conditions=source', '--import', 'tsx', CLI];
const run = promisify(execFile);

export async function kaoqin(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...NODE_ARGS, ...args], {
      env: { ...process.env, KAOQIN_FACE_DETECTOR: 'off', ...env },
      timeout: 60_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number };
    return {
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
      code: typeof err.code === 'number' ? err.code : 1,
    };
  }
}

export interface Served {
  child: ChildProcess;
  tcpPort: number;
  httpPort: number;
  exited: Promise<number | null>;
}

/** Starts `kaoqin serve` and resolves once it says where it listens. */
export function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(
    process.execPath,
    [...NODE_ARGS, 'serve', '--tcp-port', '0', '--http-port', '0', '--host', '127.0.0.1', ...args],
    {
      env: { ...process.env, KAOQIN_LOG_LEVEL: 'warn', KAOQIN_FACE_DETECTOR: 'off', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /tcp:\/\/[^:]+:(\d+).*http:\/\/[^:]+:(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, tcpPort: Number(m[1]), httpPort: Number(m[2]), exited });
      }
    });
    child.stdout!.resume();
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${err}`));
    });
  });
}
