/**
 * Device tokens in Redis (issue 16): every platform process sees the same tokens, and
 * they outlive a process restart. Same contract as MemoryTokenStore (domain/tokens.ts),
 * checked by one shared suite (test/domain/tokens.suite.ts).
 *
 * - `<prefix>tok:<token>`: a hash of the record; `<prefix>tokdev:<deviceId>`: the
 *   device's current token, so a new C_AUTH anywhere replaces the earlier one (D7).
 * - The idle lapse is decided from `lastUsedAt` against the caller's clock, as in memory,
 *   but the clock is written in steps (idleStepMs); the keys' TTL (idle time + 1 min) only lets Redis drop abandoned tokens
 *   without a sweep, and the slack keeps a node's small clock skew from dropping a key
 *   before its token has lapsed.
 * - Each operation is one Lua script: atomic, and one round trip.
 * Keys a script builds (the device's key from a record) are not declared to Redis: this
 * store assumes one Redis (or a primary with replicas), not Redis Cluster.
 */
import type { Redis } from 'ioredis';
import type { TokenRecord, TokenStore } from '../domain/tokens.js';

/** Keys outlive the idle time by this much (clock skew between nodes). */
const TTL_SLACK_MS = 60_000;
/**
 * The idle clock moves in steps of at most this (1/30 of the idle time, at most 60 s): a
 * token may lapse up to one step early, 60 s of 30 minutes; in exchange a device's
 * requests between steps only read Redis. The step is longer than a device's heartbeat
 * interval (20 s, docs/protocol.md D10) so that an idle device, the common case, writes
 * the clock every third heartbeat: with 10 s steps every heartbeat took the script,
 * after a read (docs/operations.md, "Memory per process" has the 100,000-device run).
 */
export function idleStepMs(idleMs: number): number {
  return Math.min(60_000, Math.floor(idleMs / 30));
}

/** Keys examined per SCAN step of a sweep or a count. */
const SCAN_COUNT = 1_000;

const ISSUE = `
local prev = redis.call('GET', KEYS[2])
if prev and prev ~= ARGV[1] then redis.call('DEL', ARGV[3] .. prev) end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'deviceId', ARGV[4], 'vendorId', ARGV[5], 'sn', ARGV[6],
  'secretVersion', ARGV[7], 'lastUsedAt', ARGV[8])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
`;

// KEYS[1] token key; ARGV: now, idleMs, ttlMs, device key prefix, token, stepMs.
// The idle clock is written only when it moved by stepMs or more: a device sending every
// second would otherwise cost three writes a request. bench/gateway, 19,000 devices,
// platform only, same hour: heartbeats/s 23,389 with tokens in memory; in Redis 8,827
// writing every use, 9,905 writing in steps, 10,860 with uses between steps a plain
// HMGET (sign-ins 11,100 in memory; 6,798, 7,286, 7,779). What is left is the round
// trip itself, on the same two cores as Redis.
const USE = `
local r = redis.call('HMGET', KEYS[1], 'deviceId', 'vendorId', 'sn', 'secretVersion', 'lastUsedAt')
if not r[1] then return false end
local now = tonumber(ARGV[1])
local last = tonumber(r[5])
local devKey = ARGV[4] .. r[1]
if now - last > tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  if redis.call('GET', devKey) == ARGV[5] then redis.call('DEL', devKey) end
  return false
end
if now - last >= tonumber(ARGV[6]) then
  redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', devKey, ARGV[3])
  last = now
end
return { r[1], r[2], r[3], r[4], tostring(last) }
`;

// KEYS: token keys found by SCAN; ARGV: now, idleMs, device key prefix, token key prefix.
const SWEEP = `
local n = 0
local now = tonumber(ARGV[1])
for _, key in ipairs(KEYS) do
  local r = redis.call('HMGET', key, 'deviceId', 'lastUsedAt')
  if r[1] and now - tonumber(r[2]) > tonumber(ARGV[2]) then
    redis.call('DEL', key)
    local devKey = ARGV[3] .. r[1]
    local token = string.sub(key, string.len(ARGV[4]) + 1)
    if redis.call('GET', devKey) == token then redis.call('DEL', devKey) end
    n = n + 1
  end
end
return n
`;

export class RedisTokenStore implements TokenStore {
  readonly #redis: Redis;
  readonly #idleMs: number;
  readonly #ttlMs: number;
  readonly #stepMs: number;
  readonly #tokKey: string;
  readonly #devKey: string;

  constructor(redis: Redis, prefix: string, idleMs: number) {
    this.#redis = redis;
    this.#idleMs = idleMs;
    this.#ttlMs = idleMs + TTL_SLACK_MS;
    this.#stepMs = idleStepMs(idleMs);
    this.#tokKey = `${prefix}tok:`;
    this.#devKey = `${prefix}tokdev:`;
  }

  async issue(record: TokenRecord): Promise<void> {
    await this.#redis.eval(
      ISSUE,
      2,
      this.#tokKey + record.token,
      this.#devKey + record.deviceId,
      record.token,
      String(this.#ttlMs),
      this.#tokKey,
      record.deviceId,
      record.vendorId,
      record.sn,
      String(record.secretVersion),
      String(record.lastUsedAt),
    );
  }

  async use(token: string, now: number): Promise<TokenRecord | undefined> {
    // Most uses only read: a plain HMGET, far cheaper for Redis than a script. The script
    // (atomic) runs when the clock is due a step or the token may have lapsed.
    const [deviceId, vendorId, sn, secretVersion, lastUsedAt] = await this.#redis.hmget(
      this.#tokKey + token,
      'deviceId',
      'vendorId',
      'sn',
      'secretVersion',
      'lastUsedAt',
    );
    if (deviceId === null || deviceId === undefined) return undefined;
    const last = Number(lastUsedAt);
    if (now - last < this.#stepMs && vendorId && sn && secretVersion)
      return { token, deviceId, vendorId, sn, secretVersion: Number(secretVersion), lastUsedAt: last };
    return this.#useScript(token, now);
  }

  async #useScript(token: string, now: number): Promise<TokenRecord | undefined> {
    const r = (await this.#redis.eval(
      USE,
      1,
      this.#tokKey + token,
      String(now),
      String(this.#idleMs),
      String(this.#ttlMs),
      this.#devKey,
      token,
      String(this.#stepMs),
    )) as [string, string, string, string, string] | null;
    if (!r) return undefined;
    return {
      token,
      deviceId: r[0],
      vendorId: r[1],
      sn: r[2],
      secretVersion: Number(r[3]),
      lastUsedAt: Number(r[4]),
    };
  }

  async sweep(now: number): Promise<number> {
    let n = 0;
    for await (const keys of this.#scan()) {
      if (keys.length === 0) continue;
      n += Number(
        await this.#redis.eval(
          SWEEP,
          keys.length,
          ...keys,
          String(now),
          String(this.#idleMs),
          this.#devKey,
          this.#tokKey,
        ),
      );
    }
    return n;
  }

  async size(): Promise<number> {
    const seen = new Set<string>();
    for await (const keys of this.#scan()) for (const k of keys) seen.add(k);
    return seen.size;
  }

  /** Token keys, a SCAN step at a time (a key may come twice: SCAN's guarantee is at least once). */
  #scan(): AsyncIterable<string[]> {
    return this.#redis.scanStream({ match: `${this.#tokKey}*`, count: SCAN_COUNT, type: 'hash' });
  }
}
