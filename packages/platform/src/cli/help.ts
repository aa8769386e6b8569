/**
 * `kaoqin <command> --help`: the command's usage lines and every setting it takes, each
 * as a flag and an environment variable with its default, read from the config schema so
 * the list cannot drift from what the platform accepts (the README's table explains them).
 */
import { CONFIG_KEYS, configSchema, envName, flagName } from '../config/schema.js';

/** True when the words after the command ask for help (before a `--`, which ends options). */
export function asksForHelp(rest: readonly string[]): boolean {
  for (const word of rest) {
    if (word === '--') return false;
    if (word === '--help' || word === '-h') return true;
  }
  return false;
}

/** The lines of `usage` that belong to `command`: its own, and the indented ones under it. */
function usageOf(command: string, usage: string): string[] {
  const out: string[] = [];
  let mine = false;
  for (const line of usage.split('\n').slice(1)) {
    const head = /^ {2}(\S+)/.exec(line);
    if (head) mine = head[1] === command;
    else if (!/^ {3,}/.test(line)) mine = false;
    if (mine) out.push(line);
  }
  return out;
}

function shown(value: unknown): string {
  if (value === undefined) return 'unset';
  return typeof value === 'string' ? value || '""' : String(value);
}

export function commandHelp(command: string, usage: string): string {
  const defaults = configSchema.parse({}) as Record<string, unknown>;
  const rows = CONFIG_KEYS.map((k) => [`--${flagName(k)}`, envName(k), shown(defaults[k])] as const);
  const flagWidth = Math.max(...rows.map((r) => r[0].length));
  const envWidth = Math.max(...rows.map((r) => r[1].length));
  return [
    `usage: kaoqin ${command} …`,
    ...usageOf(command, usage),
    '',
    'settings (flags win over environment variables; README.md, "Configuration", explains each):',
    ...rows.map(([f, e, d]) => `  ${f.padEnd(flagWidth)}  ${e.padEnd(envWidth)}  default ${d}`),
    `  ${'--json'.padEnd(flagWidth)}  print JSON instead of text`,
    '',
  ].join('\n');
}
