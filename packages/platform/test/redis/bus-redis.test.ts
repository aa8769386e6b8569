/** The bus suite on Redis pub/sub (KAOQIN_TEST_REDIS_URL), each process on its own connections. */
import { describe, expect, it } from 'vitest';
import { RedisBus } from '../../src/redis/bus.js';
import { connectRedis } from '../../src/redis/client.js';
import { busSuite } from '../cluster/bus.suite.js';
import { SERVICES_REQUIRED } from '../helpers/pg.js';
import { REDIS_HOW, REDIS_URL, testRedis } from '../helpers/redis.js';
import { skippedSuite } from '../helpers/skipped-suite.js';

const url = REDIS_URL;
if (url) {
  busSuite('Redis', async () => {
    const t = await testRedis(url);
    const opened: ReturnType<typeof connectRedis>[] = [];
    return {
      open: () => {
        const redis = connectRedis({ url });
        opened.push(redis);
        return new RedisBus(redis);
      },
      prefix: t.prefix,
      dispose: async () => {
        for (const r of opened) r.disconnect();
        await t.dispose();
      },
    };
  });
} else if (SERVICES_REQUIRED) {
  describe('Bus: Redis', () => {
    it('requires Redis', () => expect.fail(`the Redis bus suite is required here: ${REDIS_HOW}`));
  });
} else {
  skippedSuite('Redis bus suite', REDIS_HOW);
}
