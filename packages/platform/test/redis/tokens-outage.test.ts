/**
 * Redis lost and found again, seen from a device (issue 16, docs/operations.md "Redis"):
 * while the platform cannot reach Redis a request that needs its token is answered
 * 500_01 (the device retries; nothing is acknowledged that was not written), once Redis
 * is back the same token works; and Redis come back empty means 401_01 and a new C_AUTH.
 */
import { TestDevice } from '@kaoqin/testkit';
import { afterEach, describe, expect, it } from 'vitest';
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

describe.runIf(REDIS_URL)('tokens when Redis goes away', () => {
  it('answers 500_01 while Redis is unreachable, and takes the same token once it is back', async () => {
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
    const d = await TestDevice.tcp(tp.platform.tcpPort, 'REDIS-OUTAGE', tp.creds, () => tp.clock.now);
    cleanup.push(async () => d.close());
    expect((await d.auth()).success).toBe(true);
    expect((await d.heartbeat()).success).toBe(true);

    await relay.cut();
    expect((await d.heartbeat()).error?.errorcode).toBe('500_01');
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
});
