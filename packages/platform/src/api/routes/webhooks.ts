/**
 * /api/v1/webhooks: outbound webhooks (issue 12 item 8, docs/webhooks.md). Operators
 * register, change, test and remove them; auditors read them and their deliveries. The
 * signing secret is shown once: in the answer to the POST that made it and to
 * rotate-secret, never in a read (it is stored sealed).
 */
import { z } from 'zod';
import type { DeliveryRow, WebhookRow } from '../../store/index.js';
import { WEBHOOK_EVENTS } from '../../store/index.js';
import type { AttemptReport } from '../../webhooks/sender.js';
import { urlProblem } from '../../webhooks/url.js';
import { cursorId, pageOf, pageQuery } from '../pagination.js';
import { invalid, notFound } from '../problems.js';
import { isoCst, isoOrNull } from '../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';
import { ID, plainText } from './device-common.js';

const READERS = ['admin', 'operator', 'auditor'] as const;

const view = (w: WebhookRow) => ({
  webhookId: w.id,
  url: w.url,
  events: w.events,
  /** null = every site. */
  siteIds: w.siteIds,
  description: w.description,
  active: w.active,
  createdAt: isoCst(w.createdAt),
  updatedAt: isoCst(w.updatedAt),
});

const deliveryView = (d: DeliveryRow) => ({
  deliveryId: d.id,
  webhookId: d.webhookId,
  event: d.eventType,
  /** The Idempotency-Key header: the same for every attempt and redelivery of the event. */
  idempotencyKey: d.eventId,
  siteId: d.siteId,
  status: d.status,
  attempts: d.attempts,
  maxAttempts: d.maxAttempts,
  nextAttemptAt: d.status === 'pending' ? isoOrNull(d.nextAttemptAt) : null,
  lastHttpStatus: d.lastStatus,
  lastError: d.lastError,
  /** At most the first 256 characters of the last answer's body. */
  lastResponse: d.lastResponse,
  createdAt: isoCst(d.createdAt),
  updatedAt: isoCst(d.updatedAt),
  deliveredAt: isoOrNull(d.deliveredAt),
});

const testView = (r: AttemptReport) => ({
  delivered: r.ok,
  deliveryId: r.deliveryId,
  httpStatus: r.status,
  error: r.error,
  response: r.excerpt,
  durationMs: r.durationMs,
});

const description = z
  .string()
  .trim()
  .max(500)
  .regex(/^\P{Cc}*$/u, 'no control characters')
  .nullable();
const events = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1)
  .max(WEBHOOK_EVENTS.length)
  .refine((e) => new Set(e).size === e.length, 'each event once');
const siteIds = z.array(ID).max(1000).nullable();
const fields = {
  url: z.string().trim().min(1).max(4096),
  events,
  siteIds: siteIds.optional(),
  description: description.optional(),
  active: z.boolean().optional(),
};

export function webhookRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['webhooks'];
  const hooks = deps.data.webhooks;
  const byId = { params: z.strictObject({ webhookId: ID }) };

  async function found(id: string): Promise<WebhookRow> {
    const row = await hooks.get(id);
    if (!row) throw notFound({ en: `no webhook ${id}`, zh: '回调不存在' });
    return row;
  }

  function checkUrl(url: string): void {
    const problem = urlProblem(url, hooks.allowPrivate);
    if (problem) throw invalid('body.url', problem);
  }

  async function checkSites(ids: readonly string[] | null | undefined): Promise<string[] | null | undefined> {
    if (ids === undefined || ids === null) return ids;
    const unique = [...new Set(ids)];
    const names = await deps.data.store.attendance.siteNames(unique);
    const missing = unique.findIndex((id) => !names.has(id));
    if (missing >= 0) throw invalid(`body.siteIds.${ids.indexOf(unique[missing]!)}`, 'no such site');
    return unique;
  }

  api.get(
    '/webhooks',
    {
      config: { roles: READERS },
      schema: {
        tags,
        summary: 'List webhooks (never their secrets)',
        querystring: z.strictObject(pageQuery),
      },
    },
    async (req) => {
      const { limit, cursor } = req.query;
      return pageOf(await hooks.page(cursorId(cursor), limit + 1), limit, (w) => [w.id], view);
    },
  );

  api.post(
    '/webhooks',
    {
      config: { roles: R.operators },
      schema: {
        tags,
        summary: 'Register a webhook; its signing secret is in this answer only',
        body: z.strictObject(fields),
      },
    },
    async (req, reply) => {
      const b = req.body;
      checkUrl(b.url);
      const { webhook, secret } = await hooks.create({
        url: b.url,
        events: b.events,
        siteIds: (await checkSites(b.siteIds)) ?? null,
        description: b.description || null,
        active: b.active ?? true,
      });
      await deps.audit.record({
        by: principalOf(req),
        action: 'webhook.create',
        resource: 'webhook',
        resourceId: webhook.id,
        detail: { url: webhook.url, events: webhook.events, siteIds: webhook.siteIds },
      });
      reply.code(201).header('location', `/api/v1/webhooks/${webhook.id}`);
      return { ...view(webhook), secret };
    },
  );

  api.get(
    '/webhooks/:webhookId',
    { config: { roles: READERS }, schema: { tags, summary: 'One webhook', ...byId } },
    async (req) => view(await found(req.params.webhookId)),
  );

  api.patch(
    '/webhooks/:webhookId',
    {
      config: { roles: R.operators },
      schema: {
        tags,
        summary: 'Change a webhook (JSON merge): url, events, siteIds (null = all), description, active',
        ...byId,
        body: z.strictObject({ ...fields, url: fields.url.optional(), events: events.optional() }),
      },
    },
    async (req) => {
      await found(req.params.webhookId);
      const b = req.body;
      if (b.url !== undefined) checkUrl(b.url);
      const sites = await checkSites(b.siteIds);
      const row = await hooks.update(req.params.webhookId, {
        ...(b.url !== undefined ? { url: b.url } : {}),
        ...(b.events !== undefined ? { events: b.events } : {}),
        ...(sites !== undefined ? { siteIds: sites } : {}),
        ...(b.description !== undefined ? { description: b.description || null } : {}),
        ...(b.active !== undefined ? { active: b.active } : {}),
      });
      if (!row) throw notFound({ en: `no webhook ${req.params.webhookId}`, zh: '回调不存在' });
      await deps.audit.record({
        by: principalOf(req),
        action: 'webhook.update',
        resource: 'webhook',
        resourceId: row.id,
        detail: { changed: Object.keys(b) },
      });
      return view(row);
    },
  );

  api.delete(
    '/webhooks/:webhookId',
    {
      config: { roles: R.operators },
      schema: { tags, summary: 'Remove a webhook and its deliveries (pending ones are not sent)', ...byId },
    },
    async (req, reply) => {
      const row = await found(req.params.webhookId);
      await hooks.remove(row.id);
      await deps.audit.record({
        by: principalOf(req),
        action: 'webhook.delete',
        resource: 'webhook',
        resourceId: row.id,
        detail: { url: row.url },
      });
      return reply.code(204).send();
    },
  );

  api.post(
    '/webhooks/:webhookId/rotate-secret',
    {
      config: { roles: R.operators },
      schema: {
        tags,
        summary: 'Issue a new signing secret (in this answer only); the old one stops at once',
        ...byId,
      },
    },
    async (req) => {
      const rotated = await hooks.rotateSecret((await found(req.params.webhookId)).id);
      if (!rotated) throw notFound({ en: `no webhook ${req.params.webhookId}`, zh: '回调不存在' });
      await deps.audit.record({
        by: principalOf(req),
        action: 'webhook.rotate_secret',
        resource: 'webhook',
        resourceId: rotated.webhook.id,
        detail: {},
      });
      return { ...view(rotated.webhook), secret: rotated.secret };
    },
  );

  api.post(
    '/webhooks/:webhookId/test',
    {
      config: { roles: R.operators },
      schema: {
        tags,
        summary: 'Send a ping now and answer what the receiver said (recorded, not retried)',
        ...byId,
      },
    },
    async (req) => {
      const report = await hooks.test((await found(req.params.webhookId)).id);
      if (!report) throw notFound({ en: `no webhook ${req.params.webhookId}`, zh: '回调不存在' });
      return testView(report);
    },
  );

  api.get(
    '/webhooks/:webhookId/deliveries',
    {
      config: { roles: READERS },
      schema: {
        tags,
        summary: 'Deliveries of a webhook, newest first: status, attempts, last answer, next attempt',
        ...byId,
        querystring: z.strictObject(pageQuery),
      },
    },
    async (req) => {
      const hook = await found(req.params.webhookId);
      const { limit, cursor } = req.query;
      const before = cursorId(cursor);
      if (before !== undefined && !/^\d{1,32}$/.test(before))
        throw invalid('query.cursor', 'not a cursor this list gave out');
      return pageOf(await hooks.deliveries(hook.id, before, limit + 1), limit, (d) => [d.id], deliveryView);
    },
  );

  api.post(
    '/webhooks/:webhookId/deliveries/:deliveryId/redeliver',
    {
      config: { roles: R.operators },
      schema: {
        tags,
        summary: 'Send a delivery again (same delivery id and Idempotency-Key), its attempts counted afresh',
        params: z.strictObject({ webhookId: ID, deliveryId: plainText(64) }),
      },
    },
    async (req, reply) => {
      const hook = await found(req.params.webhookId);
      const d = await hooks.redeliver(hook.id, req.params.deliveryId);
      if (!d) throw notFound({ en: `no delivery ${req.params.deliveryId}`, zh: '投递记录不存在' });
      await deps.audit.record({
        by: principalOf(req),
        action: 'webhook.redeliver',
        resource: 'webhook',
        resourceId: hook.id,
        detail: { deliveryId: d.id, event: d.eventType, idempotencyKey: d.eventId },
      });
      reply.code(202);
      return deliveryView(d);
    },
  );
}
