/**
 * What Redis holds per device, for sizing (docs/operations.md "Sizing"): BENCH_DEVICES
 * (default 100,000) devices each with a token (redis/tokens.ts) and a presence entry
 * (redis/presence.ts), written through the platform's own stores under a fresh prefix;
 * Redis's used_memory before and after, per device, beside the baseline of the same
 * number of bare SET keys of 32 bytes written the same way. The keys are deleted after.
 *
 *   BENCH_REDIS_URL=redis://127.0.0.1:6379 node --conditions=source --import tsx bench/cluster/redis-memory.ts
 */
import { randomBytes } from 'node:crypto';
import { connectRedis } from '../../packages/platform/src/redis/client.js';
import { RedisPresenceRegistry } from '../../packages/platform/src/redis/presence.js';
import { RedisTokenStore } from '../../packages/platform/src/redis/tokens.js';

const url = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const devices = Number(process.env.BENCH_DEVICES ?? 100_000);
const redis = connectRedis({ url });
const prefix = `kq_bench_mem_${process.pid}:`;

const used = async (): Promise<number> => {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
};

async function inChunks(n: number, work: (from: number, to: number) => Promise<unknown>): Promise<void> {
  for (let at = 0; at < n; at += 1000) await work(at, Math.min(n, at + 1000));
}

async function dropPrefix(): Promise<void> {
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<
    string[]
  >) {
    if (keys.length > 0) await redis.del(...keys);
  }
}

try {
  const rows: [string, number][] = [];
  // Baseline: one 32-byte value per device under a key like a token's.
  let before = await used();
  await inChunks(devices, async (from, to) => {
    const p = redis.pipeline();
    for (let i = from; i < to; i++)
      p.set(`${prefix}base:${randomBytes(16).toString('hex')}`, randomBytes(16).toString('hex'));
    await p.exec();
  });
  rows.push(['baseline: SET of 32 bytes under a 40-byte key', (await used()) - before]);
  await dropPrefix();

  const tokens = new RedisTokenStore(redis, prefix, 30 * 60_000);
  before = await used();
  const now = Date.now();
  await inChunks(devices, (from, to) =>
    Promise.all(
      Array.from({ length: to - from }, (_, k) =>
        tokens.issue({
          token: randomBytes(16).toString('hex'),
          deviceId: crypto.randomUUID(),
          vendorId: crypto.randomUUID(),
          sn: `SN${from + k}`,
          secretVersion: 1,
          lastUsedAt: now,
        }),
      ),
    ),
  );
  rows.push(['tokens (hash + device key)', (await used()) - before]);

  const presence = new RedisPresenceRegistry(redis, prefix);
  before = await used();
  await inChunks(devices, (from, to) =>
    Promise.all(
      Array.from({ length: to - from }, (_, k) =>
        presence.arrive(`dev-${from + k}-${crypto.randomUUID()}`, now),
      ),
    ),
  );
  rows.push(['presence (sorted set + spell start)', (await used()) - before]);

  console.log(`Redis at ${url}, ${devices.toLocaleString('en')} devices; used_memory growth`);
  console.log(`${'what'.padEnd(48)}  ${'MB'.padStart(8)}  ${'bytes/device'.padStart(12)}  vs baseline`);
  for (const [what, bytes] of rows) {
    console.log(
      `${what.padEnd(48)}  ${(bytes / 1e6).toFixed(1).padStart(8)}  ${(bytes / devices).toFixed(0).padStart(12)}  ${(bytes / rows[0]![1]).toFixed(2)}×`,
    );
  }
} finally {
  await dropPrefix();
  redis.disconnect();
}
