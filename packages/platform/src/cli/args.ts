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

/** `multiple: true` collects a repeated flag (--photo a --photo b) into an array; read it with `strings`. */
type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

const CONFIG_OPTIONS: Record<string, OptionSpec> = Object.fromEntries(
  CONFIG_KEYS.map((k) => [flagName(k), { type: 'string' as const }]),
);

export interface Parsed {
  config: Config;
  values: Record<string, string | string[] | boolean | undefined>;
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
        ...own,
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values = result.values as Parsed['values'];
  const configFlags: Record<string, string | boolean | undefined> = {};
  for (const k of CONFIG_KEYS) {
    const v = values[flagName(k)];
    // Config flags are never `multiple`, so an array cannot occur; the check keeps the types honest.
    configFlags[flagName(k)] = Array.isArray(v) ? v.at(-1) : v;
  }
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

/** Every value of a `multiple: true` flag, in command-line order; [] when absent. */
export function strings(values: Parsed['values'], name: string): string[] {
  const v = values[name];
  if (Array.isArray(v)) return v.filter((s) => s !== '');
  return typeof v === 'string' && v !== '' ? [v] : [];
}

/** An optional string flag; undefined when absent or empty. */
export function optionalString(values: Parsed['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** An optional positive integer flag such as --limit. */
export function optionalPositiveInt(values: Parsed['values'], name: string): number | undefined {
  const v = optionalString(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
  return n;
}
