/**
 * `kaoqin sim …`: hands over to the simulator's own command, `kaoqin-sim` (package
 * @kaoqin/sim), as git does with its subcommands: a child process with the terminal
 * inherited and its exit code passed through. The simulator depends on the platform (it
 * opens the platform's store to verify a run), so the platform cannot depend on it back:
 * it only looks for the command, in the node_modules/.bin folders above this package
 * (as npx does) and then on PATH.
 */
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const COMMAND = 'kaoqin-sim';

/** The command's own exit code: it has already said why on stderr, so the CLI adds nothing. */
export class ExitCode extends Error {
  override name = 'ExitCode';
  constructor(readonly code: number) {
    super(`exit code ${code}`);
  }
}

export async function simCommand(argv: string[]): Promise<void> {
  const found = findCommand();
  if (!found) {
    throw new Error(
      `kaoqin sim runs ${COMMAND}, which is not installed: \`npm install @kaoqin/sim\` beside @kaoqin/platform (or put ${COMMAND} on PATH)`,
    );
  }
  const code = await run(found, argv);
  if (code !== 0) throw new ExitCode(code);
}

/** node_modules/.bin of this installation (walking up from here), then PATH. */
function findCommand(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin', COMMAND);
    if (existsSync(bin)) return bin;
    if (dirname(dir) === dir) break;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, COMMAND))) return join(dir, COMMAND);
  }
  return undefined;
}

function run(command: string, argv: string[]): Promise<number> {
  // A JavaScript bin runs on this Node with this process's Node flags, as fork() would:
  // `kaoqin` run from sources (--conditions=source --import tsx) runs the simulator's
  // sources too, and a built `kaoqin` its build.
  const script = realpathSync(command);
  const [file, args] = /\.[cm]?js$/.test(script)
    ? [process.execPath, [...process.execArgv, script, ...argv]]
    : [command, argv];
  const child = spawn(file, args, { stdio: 'inherit' });
  // Ctrl-C reaches the simulator from the terminal (it drains and prints its summary, a
  // second one quits): this process waits for it instead of dying first. A TERM or HUP
  // sent to this process alone is passed on.
  const ignore = () => {};
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  return new Promise<number>((resolve, reject) => {
    const done = () => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
    };
    child.once('error', (err) => {
      done();
      reject(new Error(`cannot run ${command}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      done();
      // Killed by a signal: the shell's convention, 128 + its number.
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}
