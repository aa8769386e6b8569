/** A harness's command line: its settings or `--help`, progress on stderr, its exit code. */
import { installCleanup } from '../gateway/children.js';

const started = Date.now();

/** One line on stderr, stamped with the seconds since the harness started. */
export function progress(text: string): void {
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${text}\n`);
}

/**
 * Reads the settings from the command line: `--help` prints the usage (exit code 0);
 * otherwise no child outlives the harness (installCleanup) and `run`'s result is the
 * exit code. Bad settings or a throw are printed, exit code 1.
 */
export function runHarness<S>(
  readSettings: (argv: string[]) => S | 'help',
  usage: () => string,
  run: (settings: S) => Promise<number>,
): void {
  const main = async (): Promise<number> => {
    const settings = readSettings(process.argv.slice(2));
    if (settings === 'help') {
      console.log(usage());
      return 0;
    }
    installCleanup();
    return run(settings);
  };
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
