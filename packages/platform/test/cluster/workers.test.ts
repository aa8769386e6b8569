/**
 * kaoqin serve --workers (cli/workers.ts): several platform processes sharing the ports.
 * - Refused with a reason where processes could not share everything (SQLite); 'auto'
 *   there is one process.
 * - On PostgreSQL + Redis, two workers behind one TCP and one HTTP port: connections
 *   spread over both (their node numbers are in the ids they mint), a token from one
 *   works on the other, and SIGTERM to the primary stops them all, cleanly.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDevice } from '@kaoqin/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshSchema, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { kaoqin, type Served, serve } from '../helpers/process.js';
import { REDIS_HOW, REDIS_URL, testRedis } from '../helpers/redis.js';

const dirs: string[] = [];
const children: Served[] = [];
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of children) c.child.kill('SIGKILL');
  for (const c of cleanup) await c();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'kaoqin-workers-'));
  dirs.push(d);
  return d;
};

describe('serve --workers', () => {
  it('refuses several workers on SQLite, saying what they need', async () => {
    const r = await kaoqin(['serve', '--workers', '2', '--data-dir', await tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--database-url');
    expect(r.stderr).toContain('--redis-url');
    // 'auto' there is one process: the embedded default serves as ever.
    const one = await serve(['--workers', 'auto', '--data-dir', await tempDir()]);
    children.push(one);
    one.child.kill('SIGTERM');
    expect(await one.exited).toBe(0);
  });

  const ready = Boolean(PG_URL && REDIS_URL);
  if (!ready) {
    if (SERVICES_REQUIRED) it('requires Redis and PostgreSQL', () => expect.fail(`${REDIS_HOW}; ${PG_HOW}`));
    else console.warn(`serve --workers on PostgreSQL skipped: ${REDIS_HOW}; ${PG_HOW}`);
  }

  it.runIf(ready)(
    'runs two workers behind one port each: both take devices, share tokens, and stop together',
    { timeout: 120_000 },
    async () => {
      const redis = await testRedis(REDIS_URL!);
      cleanup.push(() => redis.dispose());
      const schema = await freshSchema(PG_URL!);
      cleanup.push(() => schema.drop());
      const env = {
        KAOQIN_DATABASE_URL: inSchema(PG_URL!, schema.schema),
        KAOQIN_REDIS_URL: REDIS_URL!,
        KAOQIN_REDIS_PREFIX: redis.prefix,
        KAOQIN_MASTER_KEY: randomBytes(32).toString('base64'),
      };
      const dataDir = await tempDir();
      const made = await kaoqin(
        ['vendor', 'create', '--name', 'workers', '--json', '--data-dir', dataDir],
        env,
      );
      expect(made.code, made.stderr).toBe(0);
      const creds = JSON.parse(made.stdout);
      const s = await serve(['--data-dir', dataDir, '--workers', '2', '--node-id', '10'], env);
      children.push(s);

      // Connections are handed round-robin: eight devices land on both workers.
      const t0 = Date.now() - 60_000;
      const devices: TestDevice[] = [];
      for (let i = 0; i < 8; i++) {
        const d = await TestDevice.tcp(s.tcpPort, `WK-${i}`, creds);
        expect((await d.auth()).success).toBe(true);
        expect((await d.signIn({ personId: 'w1', type: 1, recordTime: String(t0 + i) })).success).toBe(true);
        devices.push(d);
      }
      const client = new pg.Client({ connectionString: env.KAOQIN_DATABASE_URL });
      await client.connect();
      try {
        const r = await client.query<{ id: string }>('select id from attendance');
        expect(r.rows).toHaveLength(8);
        // Ids are 13 digits of time, the node number, then a sequence (ids.ts).
        expect(new Set(r.rows.map((x) => x.id.slice(13, 15)))).toEqual(new Set(['10', '11']));
      } finally {
        await client.end();
      }

      // A token issued by one worker is taken by whichever worker the next connection reaches.
      for (const d of devices) {
        d.close();
        const again = await TestDevice.tcp(s.tcpPort, d.sn, creds);
        again.token = d.token;
        expect((await again.heartbeat()).success).toBe(true);
        again.close();
      }

      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    },
  );
});
