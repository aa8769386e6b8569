/**
 * The Redis connection of a platform process (config `redisUrl`). ioredis queues
 * commands while it reconnects, so a Redis restart delays the requests that need it
 * instead of failing them; past `commandTimeoutMs` a command fails with a clear error
 * (the caller answers the device with a server error and the device retries).
 *
 * Keys are prefixed by each store (config `redisPrefix`), not by ioredis's keyPrefix:
 * that one is not applied to SCAN patterns or to keys a Lua script builds.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';

export interface RedisOptions {
  url: string;
  /** A command not answered this soon fails (Redis down for longer than a restart). */
  commandTimeoutMs?: number;
}

export function connectRedis(opts: RedisOptions, logger?: Pick<Logger, 'warn'>): Redis {
  const redis = new Redis(opts.url, {
    commandTimeout: opts.commandTimeoutMs ?? 2_000,
    // Retry forever, backing off to 1 s: a platform outlives its Redis's restarts.
    retryStrategy: (times) => Math.min(50 * times, 1_000),
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    lazyConnect: false,
  });
  // Without a listener ioredis prints every failed reconnection to the console; while
  // Redis is down that is one line per attempt (at most one a second) in the log instead.
  redis.on('error', (err: Error) => logger?.warn({ err: err.message }, 'Redis unreachable; retrying'));
  return redis;
}
