/**
 * Redis lost and found again, seen from a device (issue 16, docs/operations.md "Redis"):
 * while the platform cannot reach Redis, a device whose token this node served keeps
 * going (domain/tokens-fallback.ts) and a token it never saw is answered 500_01 (the
 * device retries); once Redis is back its tokens are the truth again, and Redis come
 * back empty means 401_01 and a new C_AUTH. A device streaming sign-ins through a Redis
 * restart loses no acknowledged record and none counts twice.
 */
import { TestDevice } from '@kaoqin/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisTokenStore } from '../../src/redis/tokens.js';
import { SERVICES_REQUIRED } from '../helpers/pg.js';
import { startTestPlatform } from '../helpers/platform.js';
import { REDIS_HOW, REDIS_URL, testRedis } from '../helpers/redis.js';
import { tcpCut } from '../helpers/tcp-cut.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

if (!REDIS_URL) {
  if (SERVICES_REQUIRED)
    it('requires Redis', () => expect.fail(`the Redis outage tests are required here: ${REDIS_HOW}`));
  else console.warn(`Redis outage tests skipped: ${REDIS_HOW}`);
}

/** A platform whose Redis is reached through a relay the test can cut (its keys under a prefix of their own). */
async function behindRelay() {
  const t = await testRedis(REDIS_URL!);
  cleanup.push(() => t.dispose());
  const target = new URL(REDIS_URL!);
  const relay = await tcpCut(target.hostname, Number(target.port || 6379));
  cleanup.push(() => relay.close());
  const tp = await startTestPlatform({
    'redis-url': `redis://127.0.0.1:${relay.port}`,
    'redis-prefix': t.prefix,
    'redis-timeout-ms': '500',
  });
  cleanup.push(() => tp.stop());
  return { t, relay, tp };
}

describe.runIf(REDIS_URL)('tokens when Redis goes away', () => {
  it('serves tokens it knows while Redis is unreachable, answers 500_01 for others, and takes Redis’s word once back', async () => {
    const { t, relay, tp } = await behindRelay();
    const d = await TestDevice.tcp(tp.platform.tcpPort, 'REDIS-OUTAGE', tp.creds, () => tp.clock.now);
    cleanup.push(async () => d.close());
    expect((await d.auth()).success).toBe(true);
    expect((await d.heartbeat()).success).toBe(true);
    // A second device whose token another node issued: this node has never seen it.
    const other = await TestDevice.tcp(tp.platform.tcpPort, 'REDIS-OUTAGE-2', tp.creds, () => tp.clock.now);
    cleanup.push(async () => other.close());
    expect((await other.auth()).success).toBe(true);
    const elsewhere = 'e1'.repeat(16);
    const rec = await tp.platform.tokens.use(other.token, tp.clock.now);
    await new RedisTokenStore(t.redis, t.prefix, 30 * 60_000).issue({ ...rec!, token: elsewhere });
    other.token = elsewhere;

    await relay.cut();
    expect((await d.heartbeat()).success).toBe(true);
    expect((await other.heartbeat()).error?.errorcode).toBe('500_01');
    // The device's connection and the platform are fine: only the token could not be read.
    await relay.restore();
    let answer = await d.heartbeat();
    for (let i = 0; i < 20 && !answer.success; i++) {
      await new Promise((r) => setTimeout(r, 250)); // ioredis reconnects within 1 s
      answer = await d.heartbeat();
    }
    expect(answer.success).toBe(true);
  }, 30_000);

  it('asks for a new C_AUTH (401_01) when Redis comes back without the tokens', async () => {
    const t = await testRedis(REDIS_URL!);
    cleanup.push(() => t.dispose());
    const tp = await startTestPlatform({ 'redis-url': REDIS_URL!, 'redis-prefix': t.prefix });
    cleanup.push(() => tp.stop());
    const d = await TestDevice.tcp(tp.platform.tcpPort, 'REDIS-EMPTY', tp.creds, () => tp.clock.now);
    cleanup.push(async () => d.close());
    expect((await d.auth()).success).toBe(true);
    // Redis restarted without persistence: this platform's keys are gone.
    const keys = await t.redis.keys(`${t.prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    await t.redis.del(...keys);
    expect((await d.heartbeat()).error?.errorcode).toBe('401_01');
    expect((await d.auth()).success).toBe(true);
    expect((await d.heartbeat()).success).toBe(true);
  });

  it('keeps a stream of sign-ins through a Redis restart: nothing acknowledged lost, nothing twice', async () => {
    const { t, relay, tp } = await behindRelay();
    let d = await TestDevice.tcp(tp.platform.tcpPort, 'REDIS-RESTART', tp.creds, () => tp.clock.now);
    cleanup.push(async () => d.close());
    expect((await d.auth()).success).toBe(true);

    const base = tp.clock.now - 600_000;
    const acked = new Set<number>();
    const codes = new Map<string, number>();
    let restarted = false;
    for (let k = 0; k < 400; ) {
      if (k === 150 && !restarted) {
        restarted = true;
        await relay.cut(); // Redis stops…
        for (let i = 0; i < 20; i++) {
          const a = await d.signIn({ personId: 'w1', type: 1, recordTime: String(base + k) });
          expect(a.success, 'a token this node served works while Redis is down').toBe(true);
          acked.add(k++);
        }
        const keys = await t.redis.keys(`${t.prefix}*`);
        if (keys.length > 0) await t.redis.del(...keys); // …and comes back empty
        await relay.restore();
        // Once the platform reaches Redis again (and its one-second pause after a
        // failure is over), Redis's word counts: the lost token is unknown.
        for (let ok = false; !ok; )
          ok = await tp.platform.tokens.size().then(
            () => true,
            () => false,
          );
        await new Promise((r) => setTimeout(r, 1_100));
      }
      const a = await d.signIn({ personId: 'w1', type: 1, recordTime: String(base + k) });
      if (a.success) {
        acked.add(k++);
        continue;
      }
      const code = a.error?.errorcode ?? '?';
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (code === '401_01') {
        // The token was lost with Redis: authenticate again, as the standard asks.
        d.close();
        d = await TestDevice.tcp(tp.platform.tcpPort, 'REDIS-RESTART', tp.creds, () => tp.clock.now);
        expect((await d.auth()).success).toBe(true);
      } else {
        expect(code).toBe('500_01'); // Redis not reconnected yet: retry shortly
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(codes.get('401_01')).toBe(1);
    const rows = await tp.platform.data.store.attendance.list({ sn: 'REDIS-RESTART', limit: 1_000 });
    expect(rows).toHaveLength(400);
    expect(new Set(rows.map((r) => r.recordTime)).size).toBe(400);
    expect(acked.size).toBe(400);
  }, 60_000);
});
