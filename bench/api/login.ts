/**
 * Logins per second and per core: POST /api/v1/auth/login with `concurrency` logins in
 * flight for a warm-up and then a measured window; the platform's CPU over the window
 * is read from /proc (its main thread and libuv's pool, where scrypt runs), so logins/s
 * ÷ cores busy is the rate one core sustains. Each login also writes (the account's
 * failure counter, a session, an audit entry).
 *
 * Baseline, measured in this process with the same concurrency and window: crypto.scrypt
 * alone, with the parameters read from the account's stored hash (scrypt$log2N$r$p$…),
 * so it is the hash the platform really verifies, whatever the configured cost.
 */
import { randomBytes, scrypt } from 'node:crypto';
import { cpuMs } from '../gateway/proc.js';
import type { DirectDb } from './direct.js';
import { ADMIN_PASSWORD } from './generate.js';
import { type HttpClient, type Latency, latency } from './http.js';

export interface HashParams {
  log2n: number;
  r: number;
  p: number;
  keyBytes: number;
  /** 128 · r · N bytes, what one hash holds in memory. */
  memoryBytes: number;
}

export interface Rate {
  count: number;
  seconds: number;
  perSecond: number;
  /** CPU seconds per wall second over the window. */
  cores: number | undefined;
  perCore: number | undefined;
}

export interface LoginResult {
  params: HashParams;
  concurrency: number;
  platform: Rate & { latency: Latency; errors: Record<string, number> };
  baseline: Rate;
}

export async function hashParams(db: DirectDb, username: string): Promise<HashParams> {
  const [row] = await db.query<{ password_hash: string }>(
    'select password_hash from accounts where username = $1',
    [username],
  );
  const parts = row?.password_hash.split('$') ?? [];
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new Error(`${username}: not an scrypt hash`);
  const [log2n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  return {
    log2n,
    r,
    p,
    keyBytes: Buffer.from(parts[5]!, 'base64').length,
    memoryBytes: 128 * r * 2 ** log2n,
  };
}

/** Runs `once` with `concurrency` in flight; counts what ends inside the window after the warm-up. */
async function window<T>(
  concurrency: number,
  warmupMs: number,
  seconds: number,
  cpu: () => number | undefined,
  once: () => Promise<T>,
  each: (value: T, ms: number) => void,
): Promise<Rate> {
  const start = performance.now();
  const from = start + warmupMs;
  const to = from + seconds * 1000;
  let cpuFrom: number | undefined;
  let count = 0;
  const marks = setTimeout(() => {
    cpuFrom = cpu();
  }, warmupMs);
  const lane = async () => {
    while (performance.now() < to) {
      const t0 = performance.now();
      const v = await once();
      const t1 = performance.now();
      if (t1 >= from && t1 < to) {
        count++;
        each(v, t1 - t0);
      }
    }
  };
  const end = new Promise<number | undefined>((resolve) =>
    setTimeout(() => resolve(cpu()), warmupMs + seconds * 1000),
  );
  const [cpuTo] = await Promise.all([end, ...Array.from({ length: concurrency }, lane)]);
  clearTimeout(marks);
  const cores = cpuFrom !== undefined && cpuTo !== undefined ? (cpuTo - cpuFrom) / 1000 / seconds : undefined;
  const perSecond = count / seconds;
  return { count, seconds, perSecond, cores, perCore: cores ? perSecond / cores : undefined };
}

export async function measureLogins(
  http: HttpClient,
  db: DirectDb,
  platformPid: number,
  seconds: number,
  concurrency: number,
): Promise<LoginResult> {
  const params = await hashParams(db, 'admin');
  const warmupMs = Math.min(2000, seconds * 200);
  const ms: number[] = [];
  const errors: Record<string, number> = {};
  const platform = await window(
    concurrency,
    warmupMs,
    seconds,
    () => cpuMs(platformPid),
    () => http.call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } }),
    (a, t) => {
      if (a.status === 200) ms.push(t);
      else errors[String(a.status)] = (errors[String(a.status)] ?? 0) + 1;
    },
  );
  platform.count -= Object.values(errors).reduce((s, n) => s + n, 0);
  platform.perSecond = platform.count / seconds;
  platform.perCore = platform.cores ? platform.perSecond / platform.cores : undefined;

  const salt = randomBytes(16);
  const opts = {
    N: 2 ** params.log2n,
    r: params.r,
    p: params.p,
    maxmem: 2 * params.memoryBytes + 1024 * 1024,
  };
  const hash = () =>
    new Promise<void>((resolve, reject) =>
      scrypt(ADMIN_PASSWORD, salt, params.keyBytes, opts, (err) => (err ? reject(err) : resolve())),
    );
  const usage = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const baseline = await window(concurrency, warmupMs, seconds, usage, hash, () => undefined);
  return { params, concurrency, platform: { ...platform, latency: latency(ms), errors }, baseline };
}
