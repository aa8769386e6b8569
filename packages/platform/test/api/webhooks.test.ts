/**
 * /api/v1/webhooks over real HTTP on every backend: registration with the secret shown
 * once, reads, merge patches, deletion, the roles that may do each; the test ping and
 * its outcome; deliveries listed page by page and redelivered with the same key; a
 * clock-in through the ingest writer reaching the receiver signed as docs/webhooks.md
 * says, verified by the snippet printed there.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import { type AttendanceWorld, attendanceWorld } from '../helpers/attendance.js';
import { until } from '../helpers/until.js';
import { Receiver } from '../webhooks/receiver.js';

type Verify = (
  secret: string,
  headers: Record<string, unknown>,
  rawBody: string,
  nowSeconds?: number,
) => boolean;

/** The verification snippet of docs/webhooks.md, as printed there (between its markers). */
function documentedVerify(): Verify {
  const doc = readFileSync(join(import.meta.dirname, '../../../../docs/webhooks.md'), 'utf8');
  const m = /<!-- verify:start -->\s*```js\n([\s\S]*?)```\s*<!-- verify:end -->/.exec(doc);
  if (!m) throw new Error('docs/webhooks.md has no verification snippet between its markers');
  const require = createRequire(import.meta.url);
  return new Function('require', `${m[1]}\nreturn verify;`)(require) as Verify;
}

describe.each(BACKENDS)('webhooks API ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let w: AttendanceWorld;
  let receiver: Receiver;
  let operator: ApiClient;

  beforeAll(async () => {
    p = await startApiPlatform({ 'webhook-poll-ms': '50' }, { pg });
    w = await attendanceWorld(p, 'WH');
    receiver = await Receiver.start();
    const r = await p.api.call('POST', '/api/v1/accounts', {
      body: { username: 'wh-operator', role: 'operator' },
    });
    operator = p.api.as(await p.api.login('wh-operator', r.body.password));
  });
  afterAll(async () => {
    await receiver.close();
    await p.stop();
  });

  const create = async (body: Record<string, unknown>, as: ApiClient = p.api): Promise<Json> => {
    const r = await as.call('POST', '/api/v1/webhooks', { body });
    expect(r.status, r.text).toBe(201);
    return r.body;
  };

  it('registers a webhook: 201, Location, the secret once; reads never show it', async () => {
    const h = await create({ url: receiver.url, events: ['attendance.created'], description: '工资系统' });
    expect(h).toMatchObject({
      url: receiver.url,
      events: ['attendance.created'],
      siteIds: null,
      description: '工资系统',
      active: true,
    });
    expect(h.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(h.createdAt).toMatch(/\+08:00$/);
    const one = await p.api.call('GET', `/api/v1/webhooks/${h.webhookId}`);
    expect(one.status).toBe(200);
    const { secret: _s, ...shown } = h;
    expect(one.body).toEqual(shown);
    const list = await p.api.call('GET', '/api/v1/webhooks');
    expect(list.body.items.map((x: Json) => x.webhookId)).toContain(h.webhookId);
    for (const text of [one.text, list.text]) {
      expect(text).not.toContain(h.secret);
      expect(text).not.toMatch(/secret/i);
    }
    await p.api.call('DELETE', `/api/v1/webhooks/${h.webhookId}`);
  });

  it('refuses bad URLs, unknown events and sites, each naming its field', async () => {
    for (const [body, path] of [
      [{ url: 'ftp://example.com/x', events: ['attendance.created'] }, 'body.url'],
      [{ url: 'https://u:p@example.com/x', events: ['attendance.created'] }, 'body.url'],
      [{ url: 'not a url', events: ['attendance.created'] }, 'body.url'],
      [{ url: 'https://example.com/x', events: ['device.online'] }, 'body.events.0'],
      [{ url: 'https://example.com/x', events: [] }, 'body.events'],
      [
        { url: 'https://example.com/x', events: ['attendance.created'], siteIds: [w.siteA, 'nope'] },
        'body.siteIds.1',
      ],
    ] as const) {
      const r = await p.api.call('POST', '/api/v1/webhooks', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors.map((e: Json) => e.path)).toContain(path);
    }
  });

  it('pages the list by cursor, patches with merge semantics, deletes', async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++)
      made.push(
        (await create({ url: `${receiver.url}?n=${i}`, events: ['attendance.daily_summary'], active: false }))
          .webhookId,
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: Json = await p.api.call('GET', `/api/v1/webhooks?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items.map((x: Json) => x.webhookId));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(made));
    expect(new Set(seen).size).toBe(seen.length);

    const id = made[0]!;
    const patched = await p.api.call('PATCH', `/api/v1/webhooks/${id}`, {
      body: { siteIds: [w.siteB], description: '只看二号工地' },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({
      siteIds: [w.siteB],
      description: '只看二号工地',
      events: ['attendance.daily_summary'],
      active: false,
    });
    const back = await p.api.call('PATCH', `/api/v1/webhooks/${id}`, {
      body: { siteIds: null, description: null },
    });
    expect(back.body).toMatchObject({ siteIds: null, description: null });
    for (const h of made) expect((await p.api.call('DELETE', `/api/v1/webhooks/${h}`)).status).toBe(204);
    expect((await p.api.call('GET', `/api/v1/webhooks/${id}`)).status).toBe(404);
    expect((await p.api.call('PATCH', `/api/v1/webhooks/${id}`, { body: { active: true } })).status).toBe(
      404,
    );
  });

  it('admits operators to write, auditors to read, nobody else', async () => {
    const h = await create(
      { url: receiver.url, events: ['attendance.daily_summary'], active: false },
      operator,
    );
    expect(
      (await operator.call('PATCH', `/api/v1/webhooks/${h.webhookId}`, { body: { active: false } })).status,
    ).toBe(200);
    const { auditor, manager, vendor1 } = w.as;
    expect((await auditor.call('GET', '/api/v1/webhooks')).status).toBe(200);
    expect((await auditor.call('GET', `/api/v1/webhooks/${h.webhookId}/deliveries`)).status).toBe(200);
    expect(
      (
        await auditor.call('POST', '/api/v1/webhooks', {
          body: { url: receiver.url, events: ['attendance.created'] },
        })
      ).status,
    ).toBe(403);
    expect((await auditor.call('POST', `/api/v1/webhooks/${h.webhookId}/test`)).status).toBe(403);
    expect((await auditor.call('DELETE', `/api/v1/webhooks/${h.webhookId}`)).status).toBe(403);
    for (const c of [manager, vendor1]) expect((await c.call('GET', '/api/v1/webhooks')).status).toBe(403);
    expect((await operator.call('DELETE', `/api/v1/webhooks/${h.webhookId}`)).status).toBe(204);
  });

  it('test sends a ping now and answers the outcome; deliveries list it; redeliver resends with the same key', async () => {
    const h = await create({ url: receiver.url, events: ['attendance.daily_summary'] });
    const before = receiver.received.length;
    const ok = await p.api.call('POST', `/api/v1/webhooks/${h.webhookId}/test`);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({ delivered: true, httpStatus: 200, error: null });
    expect(receiver.received).toHaveLength(before + 1);
    const ping = receiver.received[before]!;
    expect(ping.headers['x-kaoqin-event']).toBe('ping');
    expect(ping.headers['x-kaoqin-delivery']).toBe(ok.body.deliveryId);
    expect(documentedVerify()(h.secret, ping.headers, ping.body, p.clock.now / 1000)).toBe(true);

    receiver.respond = () => 500;
    const bad = await p.api.call('POST', `/api/v1/webhooks/${h.webhookId}/test`);
    receiver.respond = () => 200;
    expect(bad.body).toMatchObject({ delivered: false, httpStatus: 500, error: 'HTTP 500' });
    expect(bad.body.response.length).toBeLessThanOrEqual(256);

    const list = await p.api.call('GET', `/api/v1/webhooks/${h.webhookId}/deliveries?limit=1`);
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toMatchObject({
      deliveryId: bad.body.deliveryId,
      event: 'ping',
      status: 'failed',
      attempts: 1,
      lastHttpStatus: 500,
      nextAttemptAt: null,
    });
    const next = await p.api.call(
      'GET',
      `/api/v1/webhooks/${h.webhookId}/deliveries?limit=1&cursor=${list.body.nextCursor}`,
    );
    expect(next.body.items[0]).toMatchObject({
      deliveryId: ok.body.deliveryId,
      status: 'delivered',
      lastHttpStatus: 200,
    });
    expect(next.body.items[0].deliveredAt).toMatch(/\+08:00$/);

    const again = await p.api.call(
      'POST',
      `/api/v1/webhooks/${h.webhookId}/deliveries/${bad.body.deliveryId}/redeliver`,
    );
    expect(again.status, again.text).toBe(202);
    expect(again.body).toMatchObject({ status: 'pending', attempts: 0 });
    await until(() => receiver.received.length === before + 3);
    const [failed, resent] = receiver.received.slice(before + 1);
    expect(resent!.headers['idempotency-key']).toBe(failed!.headers['idempotency-key']);
    expect(resent!.headers['x-kaoqin-delivery']).toBe(bad.body.deliveryId);
    await until(async () => {
      const d = await p.api.call('GET', `/api/v1/webhooks/${h.webhookId}/deliveries?limit=1`);
      return d.body.items[0].status === 'delivered';
    });
    expect((await p.api.call('POST', `/api/v1/webhooks/${h.webhookId}/deliveries/1/redeliver`)).status).toBe(
      404,
    );
    await p.api.call('DELETE', `/api/v1/webhooks/${h.webhookId}`);
  });

  it('a clock-in through the ingest writer reaches the receiver, signed, with the name and no ID number', async () => {
    const h = await create({ url: receiver.url, events: ['attendance.created'], siteIds: [w.siteA] });
    const before = receiver.received.length;
    const rec = w.record(w.devA1, { recordTime: p.clock.now - 2000, receivedAt: p.clock.now });
    const outcome = await p.platform.attendance.submit(rec);
    // Another site's clock-in is not for this webhook.
    await p.platform.attendance.submit(
      w.record(w.devB1, { recordTime: p.clock.now - 1000, receivedAt: p.clock.now }),
    );
    await until(() => receiver.received.length > before);
    await new Promise((r) => setTimeout(r, 200));
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(1);
    const r = got[0]!;
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-kaoqin-event']).toBe('attendance.created');
    expect(r.headers['idempotency-key']).toBe(outcome.id);
    expect(documentedVerify()(h.secret, r.headers, r.body, p.clock.now / 1000)).toBe(true);
    expect(documentedVerify()(h.secret, r.headers, r.body.replace('}', ' }'), p.clock.now / 1000)).toBe(
      false,
    );
    // A replay long after its timestamp is refused by the snippet.
    expect(documentedVerify()(h.secret, r.headers, r.body, p.clock.now / 1000 + 3600)).toBe(false);
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({
      id: outcome.id,
      type: 'attendance.created',
      siteId: w.siteA,
      data: {
        id: outcome.id,
        personId: w.persons[0]!.id,
        personName: w.persons[0]!.name,
        deviceSn: w.devA1.sn,
      },
    });
    expect(r.body).not.toMatch(/idNumber|330106/);
    await p.api.call('DELETE', `/api/v1/webhooks/${h.webhookId}`);
  });

  it('rotate-secret answers a new secret once; the next delivery is signed with it', async () => {
    const h = await create({ url: receiver.url, events: ['attendance.daily_summary'] });
    const rot = await p.api.call('POST', `/api/v1/webhooks/${h.webhookId}/rotate-secret`);
    expect(rot.status, rot.text).toBe(200);
    expect(rot.body.secret).toMatch(/^whsec_/);
    expect(rot.body.secret).not.toBe(h.secret);
    const before = receiver.received.length;
    await p.api.call('POST', `/api/v1/webhooks/${h.webhookId}/test`);
    const ping = receiver.received[before]!;
    const verify = documentedVerify();
    expect(verify(rot.body.secret, ping.headers, ping.body, p.clock.now / 1000)).toBe(true);
    expect(verify(h.secret, ping.headers, ping.body, p.clock.now / 1000)).toBe(false);
    await p.api.call('DELETE', `/api/v1/webhooks/${h.webhookId}`);
  });
});
