/**
 * Reads the config from KAOQIN_* variables and --flags (flags win), validates it
 * against the schema, and freezes it. A bad value stops the boot with a clear message.
 */
import { CONFIG_KEYS, type Config, configSchema, envName, flagName } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(
  flags: Record<string, string | boolean | undefined> = {},
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const fromEnv = env[envName(key)];
    if (fromEnv !== undefined && fromEnv !== '') raw[key] = fromEnv;
    const fromFlag = flags[flagName(key)] ?? flags[key];
    if (fromFlag !== undefined) raw[key] = fromFlag;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues
      .map((i) => `--${flagName(String(i.path[0]))} (${envName(String(i.path[0]))}): ${i.message}`)
      .join('; ');
    throw new ConfigError(`invalid configuration: ${why}`);
  }
  return Object.freeze(parsed.data);
}
