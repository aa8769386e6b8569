/**
 * A harness's settings reader: each setting from its --flag, else its BENCH_* variable,
 * else the default its caller gives; `--help` lists them (usageText).
 */
import { parseArgs } from 'node:util';

export interface SettingSpec {
  env: string;
  help: string;
  kind: 'number' | 'string' | 'boolean';
}

/** By flag name (without the dashes). */
export type SettingSpecs = Record<string, SettingSpec>;

/** The usage text: the title, then one line per flag (its variable, its help) in columns of these widths. */
export function usageText(title: string, specs: SettingSpecs, flagWidth: number, envWidth: number): string {
  const lines = Object.entries(specs).map(
    ([flag, s]) => `  --${flag.padEnd(flagWidth)} ${s.env.padEnd(envWidth)} ${s.help}`,
  );
  return [title, ...lines, '  --help'].join('\n');
}

/** `raw` as a number, at least `min`; else a RangeError naming the setting. */
export function numberAtLeast(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min)
    throw new RangeError(`${name} must be a number >= ${min}, got "${raw}"`);
  return n;
}

export interface SettingsReader {
  /** The flag's text (a boolean flag given is "1"), else the variable's unless blank, else undefined. */
  str(flag: string): string | undefined;
  /** Set, and not "0" or "false". */
  bool(flag: string): boolean;
  /** A number at least `min`, or the fallback when unset. */
  num(flag: string, fallback: number, min?: number): number;
  /** An integer in min…max, or the fallback when unset. */
  int(flag: string, fallback: number, min: number, max?: number): number;
}

export interface ReadOptions {
  /** Where the variables are read (at each lookup). */
  env?: NodeJS.ProcessEnv;
  /** Whether a variable's value is trimmed of surrounding blanks (a flag's never is). */
  trimEnv: boolean;
}

/** Parses argv against the specs (unknown flags throw): 'help' if --help was given. */
export function readFlags(specs: SettingSpecs, argv: string[], o: ReadOptions): SettingsReader | 'help' {
  const env = o.env ?? process.env;
  const options = Object.fromEntries(
    Object.entries(specs).map(
      ([flag, s]) => [flag, { type: s.kind === 'boolean' ? 'boolean' : 'string' }] as const,
    ),
  ) as Record<string, { type: 'string' | 'boolean' }>;
  const { values } = parseArgs({
    args: argv,
    options: { ...options, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) return 'help';
  const v = values as Record<string, string | boolean | undefined>;
  const name = (flag: string): string => `--${flag} (${specs[flag]!.env})`;
  const str = (flag: string): string | undefined => {
    const x = v[flag];
    if (typeof x === 'string') return x;
    if (x === true) return '1';
    const e = env[specs[flag]!.env];
    if (e === undefined || e.trim() === '') return undefined;
    return o.trimEnv ? e.trim() : e;
  };
  return {
    str,
    bool: (flag) => {
      const raw = str(flag);
      return raw !== undefined && raw !== '0' && raw.toLowerCase() !== 'false';
    },
    num: (flag, fallback, min = 0) => {
      const raw = str(flag);
      return raw === undefined ? fallback : numberAtLeast(name(flag), raw, min);
    },
    int: (flag, fallback, min, max = Number.MAX_SAFE_INTEGER) => {
      const raw = str(flag);
      if (raw === undefined) return fallback;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new RangeError(`${name(flag)} must be an integer ${min}…${max}, got "${raw}"`);
      return n;
    },
  };
}
