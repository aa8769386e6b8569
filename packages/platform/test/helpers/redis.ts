/**
 * Redis for tests: the server named by KAOQIN_TEST_REDIS_URL, each use under a key
 * prefix of its own (kq_test_<random>:), so parallel test files never see each other's
 * keys; `dispose` deletes that prefix's keys.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/redis/client.js';

export const REDIS_URL = process.env.KAOQIN_TEST_REDIS_URL;
export const REDIS_HOW = 'set KAOQIN_TEST_REDIS_URL=redis://127.0.0.1:6379 to run them';

export interface TestRedis {
  redis: Redis;
  prefix: string;
  dispose(): Promise<void>;
}

export async function testRedis(url: string): Promise<TestRedis> {
  const redis = connectRedis({ url });
  const prefix = `kq_test_${randomBytes(6).toString('hex')}:`;
  return {
    redis,
    prefix,
    dispose: async () => {
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<
        string[]
      >) {
        if (keys.length > 0) await redis.del(...keys);
      }
      redis.disconnect();
    },
  };
}
