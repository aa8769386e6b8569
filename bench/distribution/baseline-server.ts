/**
 * The baseline: a bare Fastify server that answers what a device asks for during a
 * distribution, from memory, with nothing behind it. `POST /api/device` (any body) gets
 * one fixed page answer: `pageSize` persons with imgUrls, signed as the platform signs a
 * T_UPDATE_DEVICE_PERSON page, built once at start. `GET /dl/photo/:key` sends that
 * photo's bytes from a Map. No request signature, token, task or URL-signature check, no
 * database and no file is touched. The photos are made as the platform's are (photos.ts).
 *
 * Config: BENCH_DISTRIBUTION_BASELINE (JSON, BaselineConfig). Says `ready` with its port.
 */
import { signAnswer } from '@kaoqin/protocol';
import { makePhoto, sha256Hex } from '@kaoqin/testkit';
import Fastify from 'fastify';
import { exitWhenParentGoes } from '../lib/ipc.js';
import type { BaselineConfig, ChildHello } from './messages.js';

/** Photo numbers far from the platform's persons (not that it matters: another server). */
const FIRST_PHOTO = 900_000_000;

function send(m: ChildHello): void {
  if (process.connected) process.send!(m);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_DISTRIBUTION_BASELINE ?? '') as BaselineConfig;
  const photos = new Map<string, Buffer>();
  const keys: string[] = [];
  for (let i = 0; i < cfg.pageSize; i++) {
    const p = await makePhoto(FIRST_PHOTO + i);
    const key = sha256Hex(p);
    photos.set(key, p);
    keys.push(key);
  }

  const app = Fastify({ logger: false });
  // As the platform's device endpoint: every body read as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  let pageAnswer = '';
  app.post('/api/device', async (_req, reply) =>
    reply.code(200).type('application/json; charset=utf-8').send(pageAnswer),
  );
  app.get<{ Params: { key: string } }>('/dl/photo/:key', async (req, reply) => {
    const bytes = photos.get(req.params.key);
    if (!bytes) return reply.code(404).send({ error: 'not_found' });
    return reply
      .header('Content-Type', 'image/jpeg')
      .header('Content-Length', String(bytes.length))
      .send(bytes);
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  // URLs shaped as the platform's: /dl/photo/<sha256>?e=<expiry>&s=<43-character signature>.
  const e = Math.floor(Date.now() / 1000) + 6 * 3600;
  const response = {
    data: keys.map((key, i) => ({
      personId: String(7_000_000_000_000_000_000n + BigInt(i)),
      name: `工人${i}`,
      imgUrls: [`http://127.0.0.1:${port}/dl/photo/${key}?e=${e}&s=${'x'.repeat(43)}`],
    })),
    currentPage: 1,
    totalPage: cfg.totalPage,
  };
  const responseText = JSON.stringify(response);
  const sign = signAnswer(
    'T_UPDATE_DEVICE_PERSON',
    { version: cfg.version, success: true, taskid: cfg.taskid, response: responseText },
    cfg.accessSecret,
  );
  pageAnswer = `{"version":${JSON.stringify(cfg.version)},"success":true,"taskid":${JSON.stringify(cfg.taskid)},"response":${responseText},"sign":"${sign}"}`;

  exitWhenParentGoes(() => app.close());
  send({ type: 'ready', pid: process.pid, tcpPort: 0, httpPort: port });
}

main().catch((e: unknown) => {
  send({ type: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
