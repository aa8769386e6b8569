/**
 * Presence shared in Redis (issue 16), same contract as MemoryPresenceRegistry
 * (domain/presence-registry.ts), checked by one shared suite.
 *
 * - `<prefix>pseen`: a sorted set, device id scored by its last request anywhere;
 *   nodes add with ZADD GT, so a node's older time never moves it back.
 * - `<prefix>psince`: a hash, device id → when its online spell began.
 * A device is online for the cluster while it is in the sorted set. Arrival and expiry
 * are Lua scripts, so a device arriving on one node while the leader expires it is
 * either still online (continued) or offline then online again, never both.
 */
import type { Redis } from 'ioredis';
import type { Arrival, PresenceRegistry, Silent } from '../domain/presence-registry.js';

// KEYS: seen, since; ARGV: device id, at.
const ARRIVE = `
local prev = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
if not prev then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  return { 0, ARGV[2] }
end
local since = redis.call('HGET', KEYS[2], ARGV[1])
return { 1, since or ARGV[2] }
`;

// KEYS: seen, since; ARGV: before (exclusive), limit. Returns id, score, id, score…
const EXPIRE = `
local r = redis.call('ZRANGE', KEYS[1], '-inf', '(' .. ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[2], 'WITHSCORES')
for i = 1, #r, 2 do
  redis.call('ZREM', KEYS[1], r[i])
  redis.call('HDEL', KEYS[2], r[i])
end
return r
`;

/** Members per ZADD of a publish: one command stays small on the wire and in Redis. */
const PUBLISH_CHUNK = 1_000;

export class RedisPresenceRegistry implements PresenceRegistry {
  readonly #redis: Redis;
  readonly #seen: string;
  readonly #since: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#seen = `${prefix}pseen`;
    this.#since = `${prefix}psince`;
  }

  async arrive(deviceId: string, at: number): Promise<Arrival> {
    const [continued, since] = (await this.#redis.eval(ARRIVE, 2, this.#seen, this.#since, deviceId, at)) as [
      number,
      string,
    ];
    return { since: Number(since), continued: continued === 1 };
  }

  async publish(seen: ReadonlyArray<readonly [string, number]>): Promise<void> {
    if (seen.length === 0) return;
    const pipeline = this.#redis.pipeline();
    for (let at = 0; at < seen.length; at += PUBLISH_CHUNK) {
      const args: Array<string | number> = [];
      for (const [id, t] of seen.slice(at, at + PUBLISH_CHUNK)) args.push(t, id);
      pipeline.zadd(this.#seen, 'GT', ...args);
    }
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
  }

  async expire(before: number, limit: number): Promise<Silent[]> {
    const r = (await this.#redis.eval(EXPIRE, 2, this.#seen, this.#since, before, limit)) as string[];
    const out: Silent[] = [];
    for (let i = 0; i < r.length; i += 2) out.push({ deviceId: r[i]!, lastSeenAt: Number(r[i + 1]) });
    return out;
  }

  async lastSeen(deviceIds: readonly string[]): Promise<Array<number | undefined>> {
    if (deviceIds.length === 0) return [];
    const r = await this.#redis.zmscore(this.#seen, ...deviceIds);
    return r.map((s) => (s === null ? undefined : Number(s)));
  }
}
