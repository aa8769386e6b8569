/**
 * kaoqin serve --workers (cli/workers.ts): several platform processes sharing the ports.
 * - Refused with a reason where processes could not share everything (SQLite); 'auto'
 *   there is one process.
 * - On PostgreSQL + Redis, two workers behind one TCP and one HTTP port: connections
 *   spread over both (their node numbers are in the ids they mint), a token from one
 *   works on the other, and SIGTERM to the primary stops them all, cleanly.
 * - On PostgreSQL without Redis, the primary holds tokens and presence and relays the
 *   bus (cluster/ipc-hub.ts): tokens work on either worker, a device that reconnects to
 *   the other stays online, a task queued by one worker is pushed by the other at once,
 *   and one event stream sees every worker's clock-ins.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idNumber, realFacePhoto, TestDevice } from '@kaoqin/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiClient } from '../helpers/api.js';
import { freshSchema, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { kaoqin, type Served, serve } from '../helpers/process.js';
import { REDIS_HOW, REDIS_URL, testRedis } from '../helpers/redis.js';
import { openSse, type SseFrame } from '../helpers/sse.js';
import { until } from '../helpers/until.js';

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

/** A fresh PostgreSQL schema (dropped after the file) and a master key, plus `extra`. */
async function pgEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const schema = await freshSchema(PG_URL!);
  cleanup.push(() => schema.drop());
  return {
    KAOQIN_DATABASE_URL: inSchema(PG_URL!, schema.schema),
    KAOQIN_MASTER_KEY: randomBytes(32).toString('base64'),
    ...extra,
  };
}

/** A vendor made with the CLI, as an operator does: its credentials. */
async function createVendor(
  name: string,
  dataDir: string,
  env: Record<string, string>,
): Promise<{ accessId: string; accessKey: string; accessSecret: string }> {
  const made = await kaoqin(['vendor', 'create', '--name', name, '--json', '--data-dir', dataDir], env);
  expect(made.code, made.stderr).toBe(0);
  return JSON.parse(made.stdout);
}

describe('serve --workers', () => {
  it('refuses several workers on SQLite, saying what they need', async () => {
    const r = await kaoqin(['serve', '--workers', '2', '--data-dir', await tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--database-url');
    expect(r.stderr).toContain('SQLite has one writer');
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
      const env = await pgEnv({ KAOQIN_REDIS_URL: REDIS_URL!, KAOQIN_REDIS_PREFIX: redis.prefix });
      const dataDir = await tempDir();
      const creds = await createVendor('workers', dataDir, env);
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

  it.runIf(Boolean(PG_URL))(
    'without Redis, the primary shares tokens, presence, pushes and live events between two workers',
    { timeout: 120_000 },
    async () => {
      const env = await pgEnv({
        KAOQIN_ADMIN_PASSWORD: ADMIN_PASSWORD,
        // Pushes must travel the bus: the store's poll for queued tasks would be a minute late.
        KAOQIN_TASK_QUEUE_POLL_MS: '60000',
      });
      const dataDir = await tempDir();
      const creds = await createVendor('ipc', dataDir, env);
      const s = await serve(['--data-dir', dataDir, '--workers', '2', '--node-id', '30'], env);
      children.push(s);
      let log = '';
      s.child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
      const base = `http://127.0.0.1:${s.httpPort}`;
      const api = apiClient(base, await apiClient(base, '').login('admin', ADMIN_PASSWORD));
      const stream = await openSse(
        `${base}/api/v1/events?types=attendance.created,device.online,device.offline`,
        {
          token: await apiClient(base, '').login('admin', ADMIN_PASSWORD),
        },
      );
      try {
        // Six devices, handed to the two workers in turn.
        const t0 = Date.now() - 60_000;
        const devices: TestDevice[] = [];
        for (let i = 0; i < 6; i++) {
          const d = await TestDevice.tcp(s.tcpPort, `IPC-${i}`, creds);
          expect((await d.auth()).success).toBe(true);
          expect((await d.signIn({ personId: 'w1', type: 1, recordTime: String(t0 + i) })).success).toBe(
            true,
          );
          devices.push(d);
        }
        const sns = devices.map((d) => d.sn).sort();
        // One stream, on one of the workers, sees all six clock-ins: half crossed the bus.
        const seen = new Set<string>();
        const created = (f: SseFrame) => f.event === 'attendance.created';
        while (seen.size < 6) seen.add((await stream.next(created, 5_000)).data.sn as string);
        expect([...seen].sort()).toEqual(sns);
        const ids = await api.call('GET', '/api/v1/attendance?limit=100');
        expect(ids.status, ids.text).toBe(200);
        expect(new Set((ids.body.items as { id: string }[]).map((x) => x.id.slice(13, 15)))).toEqual(
          new Set(['30', '31']),
        );

        // Each device reconnects (and so lands on the other worker): its token holds, and
        // it stays online without an offline/online pair.
        for (const [i, d] of devices.entries()) {
          d.close();
          const again = await TestDevice.tcp(s.tcpPort, d.sn, creds);
          again.token = d.token;
          expect((await again.heartbeat()).success).toBe(true);
          devices[i] = again;
        }
        // A worker reads another's devices from the store, written at its presence sweep
        // (every 5 s); API calls reach the workers in turn: four answers in a row agree.
        const onlineSet = async () => {
          const r = await api.call('GET', '/api/v1/devices?online=true&limit=100');
          return (r.body.items as { sn: string }[]).map((d) => d.sn).sort();
        };
        let agreeing = 0;
        await until(
          async () => {
            agreeing = (await onlineSet()).join() === sns.join() ? agreeing + 1 : 0;
            return agreeing === 4;
          },
          12_000,
          'six devices online on both workers',
        );
        const flaps = (await stream.drain(1_500)).filter((f) => f.event === 'device.offline');
        expect(flaps).toEqual([]);

        // A bind queues tasks on whichever worker takes the API call; each device's own
        // worker pushes them at once, for devices on both workers.
        const site = await api.call('POST', '/api/v1/sites', { body: { name: 'IPC 工地' } });
        expect(site.status, site.text).toBe(201);
        for (const d of devices) {
          const bound = await api.call('POST', `/api/v1/devices/${d.sn}/bind`, {
            body: { siteId: site.body.id },
          });
          expect(bound.status, bound.text).toBe(200);
          const push = await d.next(2_000).catch((err: Error) => {
            throw new Error(`${d.sn}: ${err.message}\n${log}`);
          });
          expect(push.raw.apicode).toBe('C_HEARTBEAT');
          expect((push.response as { taskids: string[] }).taskids.length).toBeGreaterThan(0);
        }
        for (const d of devices) d.close();
      } finally {
        stream.close();
      }
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    },
  );

  it.runIf(Boolean(PG_URL))(
    "runs one face model, the primary's, for every worker's enrolment checks",
    { timeout: 120_000 },
    async () => {
      const env = await pgEnv({ KAOQIN_ADMIN_PASSWORD: ADMIN_PASSWORD, KAOQIN_FACE_DETECTOR: 'human' });
      const s = await serve(['--data-dir', await tempDir(), '--workers', '2', '--node-id', '40'], env);
      children.push(s);
      const base = `http://127.0.0.1:${s.httpPort}`;
      const token = await apiClient(base, '').login('admin', ADMIN_PASSWORD);
      // A connection each: the primary hands them to the workers in turn, so both check photos.
      const enrol = (photo: Buffer) =>
        fetch(`${base}/api/v1/persons`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            connection: 'close',
          },
          body: JSON.stringify({ name: '人脸', idNumber: idNumber(), photos: [photo.toString('base64')] }),
        });
      for (let i = 0; i < 2; i++) {
        const ok = await enrol(await realFacePhoto('manSelected'));
        expect(ok.status, await ok.clone().text()).toBe(201);
        const none = await enrol(await realFacePhoto('noFace'));
        expect(none.status).toBe(400);
        const body = (await none.json()) as { errors: { code: string; value: string }[] };
        expect(body.errors.find((e) => e.code === 'face_count')?.value).toBe('no face');
      }
      // The model lives in the primary: its workers hold none of it.
      const rss = (pid: number) =>
        Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
      const workers = readFileSync(`/proc/${s.child.pid}/task/${s.child.pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .map(Number);
      expect(workers).toHaveLength(2);
      expect(rss(s.child.pid!)).toBeGreaterThan(Math.max(...workers.map(rss)));
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    },
  );
});
