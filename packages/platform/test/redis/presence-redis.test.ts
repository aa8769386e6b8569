/** The presence registry suite on Redis (KAOQIN_TEST_REDIS_URL), each node on its own connection. */
import { describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/redis/client.js';
import { RedisPresenceRegistry } from '../../src/redis/presence.js';
import { presenceRegistrySuite } from '../domain/presence-registry.suite.js';
import { SERVICES_REQUIRED } from '../helpers/pg.js';
import { REDIS_HOW, REDIS_URL, testRedis } from '../helpers/redis.js';
import { skippedSuite } from '../helpers/skipped-suite.js';

const url = REDIS_URL;
if (url) {
  presenceRegistrySuite('Redis', async () => {
    const t = await testRedis(url);
    const extra: ReturnType<typeof connectRedis>[] = [];
    return {
      open: () => {
        const redis = connectRedis({ url });
        extra.push(redis);
        return new RedisPresenceRegistry(redis, t.prefix);
      },
      dispose: async () => {
        for (const r of extra) r.disconnect();
        await t.dispose();
      },
    };
  });
} else if (SERVICES_REQUIRED) {
  describe('PresenceRegistry: Redis', () => {
    it('requires Redis', () => expect.fail(`the Redis presence suite is required here: ${REDIS_HOW}`));
  });
} else {
  skippedSuite('Redis presence suite', REDIS_HOW);
}
