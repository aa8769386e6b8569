/**
 * Live events across processes (issue 16, redis/live-bus.ts): a clock-in on node A
 * reaches an event stream open on node B, once, within a second; a stream on A gets it
 * once too (its own event is not echoed back through Redis).
 */
import { randomBytes } from 'node:crypto';
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiClient } from '../helpers/api.js';
import { freshSchema, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { REDIS_HOW, REDIS_URL, type TestRedis, testRedis } from '../helpers/redis.js';
import { openSse, type SseFrame } from '../helpers/sse.js';

const ready = Boolean(REDIS_URL && PG_URL);
if (!ready) {
  if (SERVICES_REQUIRED) it('requires Redis and PostgreSQL', () => expect.fail(`${REDIS_HOW}; ${PG_HOW}`));
  else console.warn(`live events across nodes skipped: ${REDIS_HOW}; ${PG_HOW}`);
}

describe.runIf(ready)('live events across two nodes (Redis)', () => {
  let a: TestPlatform;
  let b: TestPlatform;
  let redis: TestRedis;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    redis = await testRedis(REDIS_URL!);
    const schema = await freshSchema(PG_URL!);
    drop = schema.drop;
    const shared = {
      'redis-url': REDIS_URL!,
      'redis-prefix': redis.prefix,
      'master-key': randomBytes(32).toString('base64'),
      'admin-password': ADMIN_PASSWORD,
    };
    const databaseUrl = inSchema(PG_URL!, schema.schema);
    a = await startTestPlatform({ ...shared, 'node-id': '1' }, { databaseUrl });
    b = await startTestPlatform({ ...shared, 'node-id': '2' }, { databaseUrl });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await drop?.();
    await redis?.dispose();
  });

  const stream = async (tp: TestPlatform) => {
    const base = `http://127.0.0.1:${tp.platform.httpPort}`;
    const token = await apiClient(base, '').login('admin', ADMIN_PASSWORD);
    return openSse(`${base}/api/v1/events?types=attendance.created`, { token });
  };

  it('a clock-in on A reaches a stream on B within a second, and each stream once', async () => {
    const onB = await stream(b);
    const onA = await stream(a);
    try {
      const d = await TestDevice.tcp(a.platform.tcpPort, 'LIVE-NODES', a.creds, () => a.clock.now);
      expect((await d.auth()).success).toBe(true);
      const personId = '4508004291609636864';
      const started = Date.now();
      expect((await d.signIn({ personId, type: 1, recordTime: String(a.clock.now - 500) })).success).toBe(
        true,
      );
      const mine = (f: SseFrame) => f.event === 'attendance.created' && f.data.sn === 'LIVE-NODES';
      const onBFrame = await onB.next(mine, 1_000);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(onBFrame.data).toMatchObject({ personId, sn: 'LIVE-NODES' });
      await onA.next(mine, 1_000);
      // Nothing more of it: not echoed back to A, not delivered twice to B.
      const later = [...(await onA.drain(300)), ...(await onB.drain(0))];
      expect(later.filter(mine)).toEqual([]);
      d.close();
    } finally {
      onA.close();
      onB.close();
    }
  });
});
