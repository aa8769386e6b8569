/**
 * Device tokens with Redis configured (issue 16), seen from a device: a token outlives
 * the platform's restart (without Redis the device must authenticate again: 401_01), and
 * a token issued by node A is accepted by node B on the same database, for a vendor and
 * a device B had never seen.
 */
import { randomBytes } from 'node:crypto';
import { TestDevice } from '@kaoqin/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { freshSchema, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { REDIS_HOW, REDIS_URL, type TestRedis, testRedis } from '../helpers/redis.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function redisPrefix(url: string): Promise<TestRedis> {
  const t = await testRedis(url);
  cleanup.push(() => t.dispose());
  return t;
}

if (!REDIS_URL) {
  if (SERVICES_REQUIRED)
    it('requires Redis', () => expect.fail(`the Redis token tests are required here: ${REDIS_HOW}`));
  else console.warn(`Redis token tests skipped: ${REDIS_HOW}`);
}

describe.runIf(REDIS_URL)('tokens in Redis, seen from a device', () => {
  it('outlive a restart of the platform; without Redis the device must authenticate again', async () => {
    const { prefix } = await redisPrefix(REDIS_URL!);
    const withRedis = { 'redis-url': REDIS_URL!, 'redis-prefix': prefix };
    // First life: authenticate, then the platform stops (its data dir is kept).
    const first = await startTestPlatform(withRedis);
    const d = await TestDevice.tcp(
      first.platform.tcpPort,
      'REDIS-RESTART',
      first.creds,
      () => first.clock.now,
    );
    expect((await d.auth()).success).toBe(true);
    const token = d.token;
    d.close();
    await first.platform.stop();

    // Second life on the same data and the same Redis: the old token still works.
    const second = await startTestPlatform({ ...withRedis, 'data-dir': first.dataDir });
    cleanup.push(() => second.stop());
    const again = await TestDevice.tcp(
      second.platform.tcpPort,
      'REDIS-RESTART',
      first.creds,
      () => second.clock.now,
    );
    again.token = token;
    expect(await again.heartbeat()).toMatchObject({ success: true });
    again.close();

    // The same restart without Redis: the token died with the process.
    await second.platform.stop();
    const third = await startTestPlatform({ 'data-dir': first.dataDir });
    cleanup.push(() => third.stop());
    const lost = await TestDevice.tcp(
      third.platform.tcpPort,
      'REDIS-RESTART',
      first.creds,
      () => third.clock.now,
    );
    lost.token = token;
    expect((await lost.heartbeat()).error?.errorcode).toBe('401_01');
    lost.close();
  });

  it.runIf(PG_URL)('issued on node A, accepted on node B for a vendor and device B never saw', async () => {
    const { prefix } = await redisPrefix(REDIS_URL!);
    const schema = await freshSchema(PG_URL!);
    cleanup.push(() => schema.drop());
    // Nodes on one database share its master key (secrets at rest), and Redis.
    const shared = {
      'redis-url': REDIS_URL!,
      'redis-prefix': prefix,
      'master-key': randomBytes(32).toString('base64'),
    };
    const databaseUrl = inSchema(PG_URL!, schema.schema);
    const a: TestPlatform = await startTestPlatform({ ...shared, 'node-id': '1' }, { databaseUrl });
    cleanup.push(() => a.stop());
    const b: TestPlatform = await startTestPlatform({ ...shared, 'node-id': '2' }, { databaseUrl });
    cleanup.push(() => b.stop());
    // A vendor B has not loaded: created on A after B started.
    const vendor = await a.platform.data.vendors.create('只在A节点创建的厂商');
    const onA = await TestDevice.tcp(a.platform.tcpPort, 'REDIS-NODES', vendor, () => a.clock.now);
    expect((await onA.auth()).success).toBe(true);
    onA.close();
    const onB = await TestDevice.tcp(b.platform.tcpPort, 'REDIS-NODES', vendor, () => b.clock.now);
    onB.token = onA.token;
    expect(await onB.heartbeat()).toMatchObject({ success: true });
    // and a new C_AUTH on B replaces A's token everywhere (D7)
    expect((await onB.auth()).success).toBe(true);
    const stale = await TestDevice.tcp(a.platform.tcpPort, 'REDIS-NODES', vendor, () => a.clock.now);
    stale.token = onA.token;
    expect((await stale.heartbeat()).error?.errorcode).toBe('401_01');
    onB.close();
    stale.close();
  });
});

if (!PG_URL) console.warn(`tokens across two nodes on PostgreSQL skipped: ${PG_HOW}`);
