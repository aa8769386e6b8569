/**
 * The token suite on Redis (KAOQIN_TEST_REDIS_URL), two stores on their own connections
 * standing for two nodes; plus what only Redis does: keys that expire by themselves.
 */
import { describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/redis/client.js';
import { RedisTokenStore } from '../../src/redis/tokens.js';
import { IDLE_MS, tokenSuite } from '../domain/tokens.suite.js';
import { SERVICES_REQUIRED } from '../helpers/pg.js';
import { REDIS_HOW, REDIS_URL, testRedis } from '../helpers/redis.js';
import { skippedSuite } from '../helpers/skipped-suite.js';

const url = REDIS_URL;
if (url) {
  tokenSuite(
    'Redis',
    async () => {
      const t = await testRedis(url);
      const extra: ReturnType<typeof connectRedis>[] = [];
      return {
        open: () => {
          const redis = connectRedis({ url });
          extra.push(redis);
          return new RedisTokenStore(redis, t.prefix, IDLE_MS);
        },
        dispose: async () => {
          for (const r of extra) r.disconnect();
          await t.dispose();
        },
      };
    },
    { shared: true },
  );

  describe('TokenStore: Redis keys', () => {
    it('expire on their own a minute after the idle time, with no sweep', async () => {
      const t = await testRedis(url);
      try {
        const store = new RedisTokenStore(t.redis, t.prefix, IDLE_MS);
        await store.issue({
          token: 'ab'.repeat(16),
          deviceId: 'd1',
          vendorId: 'v',
          sn: 's',
          secretVersion: 1,
          lastUsedAt: Date.now(),
        });
        const ttl = await t.redis.pttl(`${t.prefix}tok:${'ab'.repeat(16)}`);
        const devTtl = await t.redis.pttl(`${t.prefix}tokdev:d1`);
        for (const v of [ttl, devTtl]) {
          expect(v).toBeGreaterThan(IDLE_MS);
          expect(v).toBeLessThanOrEqual(IDLE_MS + 60_000);
        }
      } finally {
        await t.dispose();
      }
    });
  });
} else if (SERVICES_REQUIRED) {
  describe('TokenStore: Redis', () => {
    it('requires Redis', () => expect.fail(`the Redis token suite is required here: ${REDIS_HOW}`));
  });
} else {
  skippedSuite('Redis token suite', REDIS_HOW);
}
