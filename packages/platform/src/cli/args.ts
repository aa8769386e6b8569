/**
 * Command-line parsing on node:util parseArgs. Every config setting is also a flag
 * (--data-dir, --tcp-port…), shared by all commands; each command adds its own.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { CONFIG_KEYS, type Config, flagName } from '../config/schema.js';

/** Wrong words on the command line: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

const CONFIG_OPTIONS: Record<string, OptionSpec> = Object.fromEntries(
  CONFIG_KEYS.map((k) => [flagName(k), { type: 'string' as const }]),
);

export interface Parsed {
  config: Config;
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  json: boolean;
}

export function parse(argv: string[], own: Record<string, OptionSpec> = {}): Parsed {
  let result: ReturnType<typeof parseArgs>;
  try {
    result = parseArgs({
      args: argv,
      options: {
        ...CONFIG_OPTIONS,
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        ...own,
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values = result.values as Record<string, string | boolean | undefined>;
  const configFlags: Record<string, string | boolean | undefined> = {};
  for (const k of CONFIG_KEYS) configFlags[flagName(k)] = values[flagName(k)];
  let config: Config;
  try {
    config = loadConfig(configFlags);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { config, values, positionals: result.positionals, json: values.json === true };
}

export function requireString(values: Parsed['values'], name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}
