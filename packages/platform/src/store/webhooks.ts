/**
 * Outbound webhooks' registrations, outbox and follower mark (migration 0020). The
 * tables are this file's own: the shared schema types do not name them (withTables).
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Capabilities } from './dialect.js';
import type { Database } from './schema-types.js';
import { chunk, rowsPerStatement } from './util.js';
import type {
  DeliveryRow,
  NewDelivery,
  WebhookDeliveriesTable,
  WebhookEvent,
  WebhookMarksTable,
  WebhookRepo,
  WebhookRow,
  WebhooksTable,
} from './webhook-types.js';

export * from './webhook-types.js';

type HookDb = Database & {
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_marks: WebhookMarksTable;
};

const ATTENDANCE_MARK = 'attendance.created';

const hookRow = (r: Selectable<WebhooksTable>): WebhookRow => ({
  id: r.id,
  url: r.url,
  events: JSON.parse(r.events) as WebhookEvent[],
  siteIds: r.site_ids === null ? null : (JSON.parse(r.site_ids) as string[]),
  description: r.description,
  active: Number(r.active) === 1,
  secretEnc: r.secret_enc,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const num = (v: number | null): number | null => (v === null ? null : Number(v));

const deliveryRow = (r: Selectable<WebhookDeliveriesTable>): DeliveryRow => ({
  id: r.id,
  webhookId: r.webhook_id,
  eventType: r.event_type,
  eventId: r.event_id,
  siteId: r.site_id,
  data: r.data,
  status: r.status,
  attempts: Number(r.attempts),
  maxAttempts: Number(r.max_attempts),
  nextAttemptAt: num(r.next_attempt_at),
  lastStatus: num(r.last_status),
  lastError: r.last_error,
  lastResponse: r.last_response,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  deliveredAt: num(r.delivered_at),
});

const toDelivery = (d: NewDelivery): WebhookDeliveriesTable => ({
  id: d.id,
  webhook_id: d.webhookId,
  event_type: d.eventType,
  event_id: d.eventId,
  site_id: d.siteId,
  data: d.data,
  status: 'pending',
  attempts: 0,
  max_attempts: d.maxAttempts,
  next_attempt_at: d.nextAttemptAt,
  last_status: null,
  last_error: null,
  last_response: null,
  created_at: d.createdAt,
  updated_at: d.createdAt,
  delivered_at: null,
});

export function webhookRepo(base: Kysely<Database>, caps: Capabilities): WebhookRepo {
  const db = base.withTables<{
    webhooks: WebhooksTable;
    webhook_deliveries: WebhookDeliveriesTable;
    webhook_marks: WebhookMarksTable;
  }>() as Kysely<HookDb>;
  const perInsert = rowsPerStatement(caps.maxBindParams, 16);

  async function insertDeliveries(trx: Transaction<HookDb>, rows: readonly NewDelivery[]): Promise<number> {
    let written = 0;
    for (const part of chunk(rows, perInsert)) {
      const done = await trx
        .insertInto('webhook_deliveries')
        .values(part.map(toDelivery))
        .onConflict((oc) => oc.columns(['webhook_id', 'event_type', 'event_id']).doNothing())
        .returning('id')
        .execute();
      written += done.length;
    }
    return written;
  }

  async function setMark(trx: Transaction<HookDb>, lastId: string, at: number): Promise<void> {
    await trx
      .insertInto('webhook_marks')
      .values({ name: ATTENDANCE_MARK, last_id: lastId, updated_at: at })
      .onConflict((oc) => oc.column('name').doUpdateSet({ last_id: lastId, updated_at: at }))
      .execute();
  }

  async function markOf(q: Kysely<HookDb> | Transaction<HookDb>): Promise<string> {
    const r = await q
      .selectFrom('webhook_marks')
      .select('last_id')
      .where('name', '=', ATTENDANCE_MARK)
      .executeTakeFirst();
    return r?.last_id ?? '';
  }

  return {
    async insert(w) {
      await db
        .insertInto('webhooks')
        .values({
          id: w.id,
          url: w.url,
          events: JSON.stringify(w.events),
          site_ids: w.siteIds === null ? null : JSON.stringify(w.siteIds),
          description: w.description,
          active: w.active ? 1 : 0,
          secret_enc: w.secretEnc,
          created_at: w.createdAt,
          updated_at: w.updatedAt,
        })
        .execute();
    },
    async get(id) {
      const r = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
      return r && hookRow(r);
    },
    async page(after, limit) {
      let q = db.selectFrom('webhooks').selectAll().orderBy('id').limit(limit);
      if (after !== undefined) q = q.where('id', '>', after);
      return (await q.execute()).map(hookRow);
    },
    async active() {
      return (await db.selectFrom('webhooks').selectAll().where('active', '=', 1).execute()).map(hookRow);
    },
    async update(id, p) {
      await db
        .updateTable('webhooks')
        .set({
          ...(p.url !== undefined ? { url: p.url } : {}),
          ...(p.events !== undefined ? { events: JSON.stringify(p.events) } : {}),
          ...(p.siteIds !== undefined
            ? { site_ids: p.siteIds === null ? null : JSON.stringify(p.siteIds) }
            : {}),
          ...(p.description !== undefined ? { description: p.description } : {}),
          ...(p.active !== undefined ? { active: p.active ? 1 : 0 } : {}),
          ...(p.secretEnc !== undefined ? { secret_enc: p.secretEnc } : {}),
          ...(p.updatedAt !== undefined ? { updated_at: p.updatedAt } : {}),
        })
        .where('id', '=', id)
        .execute();
    },
    async remove(id) {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
        const r = await trx.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      });
    },

    async enqueue(rows) {
      if (rows.length === 0) return 0;
      return db.transaction().execute((trx) => insertDeliveries(trx, rows));
    },
    async followAttendance(limit, route, newDelivery, at) {
      return db.transaction().execute(async (trx) => {
        const mark = await markOf(trx);
        const rows = await trx
          .selectFrom('attendance')
          .select(['id', 'site_id'])
          .where('id', '>', mark)
          .orderBy('id')
          .limit(limit)
          .execute();
        if (rows.length === 0) return 0;
        const out: NewDelivery[] = [];
        for (const r of rows)
          for (const hook of route(r.site_id)) out.push(newDelivery(hook, r.id, r.site_id));
        await insertDeliveries(trx, out);
        await setMark(trx, rows[rows.length - 1]!.id, at);
        return rows.length;
      });
    },
    async markAttendanceNow(at) {
      await db.transaction().execute(async (trx) => {
        const newest = await trx
          .selectFrom('attendance')
          .select('id')
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst();
        const mark = await markOf(trx);
        const target = newest && newest.id > mark ? newest.id : mark;
        await setMark(trx, target, at);
      });
    },
    attendanceMark: () => markOf(db),

    async due(now, limit, busy) {
      // An inactive webhook's deliveries wait: they go again once it is active.
      const rows = await db
        .selectFrom('webhook_deliveries')
        .innerJoin('webhooks', 'webhooks.id', 'webhook_deliveries.webhook_id')
        .selectAll('webhook_deliveries')
        .where('webhook_deliveries.status', '=', 'pending')
        .where('webhook_deliveries.next_attempt_at', '<=', now)
        .where('webhooks.active', '=', 1)
        .orderBy('webhook_deliveries.next_attempt_at')
        .orderBy('webhook_deliveries.id')
        .limit(limit + busy.size)
        .execute();
      return rows
        .filter((r) => !busy.has(r.id))
        .slice(0, limit)
        .map(deliveryRow);
    },
    async delivery(webhookId, id) {
      const r = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('webhook_id', '=', webhookId)
        .where('id', '=', id)
        .executeTakeFirst();
      return r && deliveryRow(r);
    },
    async deliveries(webhookId, before, limit) {
      let q = db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('webhook_id', '=', webhookId)
        .orderBy('id', 'desc')
        .limit(limit);
      if (before !== undefined) q = q.where('id', '<', before);
      return (await q.execute()).map(deliveryRow);
    },
    async recordAttempts(outcomes) {
      if (outcomes.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const { id, outcome: o } of outcomes)
          await trx
            .updateTable('webhook_deliveries')
            .set({
              status: o.status,
              attempts: o.attempts,
              next_attempt_at: o.nextAttemptAt,
              last_status: o.lastStatus,
              last_error: o.lastError,
              last_response: o.lastResponse,
              updated_at: o.at,
              ...(o.status === 'delivered' ? { delivered_at: o.at } : {}),
            })
            .where('id', '=', id)
            .execute();
      });
    },
    async purgeFinished(beforeId, limit) {
      const ids = await db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('id', '<', beforeId)
        .where('status', '!=', 'pending')
        .orderBy('id')
        .limit(limit)
        .execute();
      if (ids.length === 0) return 0;
      let gone = 0;
      for (const part of chunk(ids, rowsPerStatement(caps.maxBindParams, 1))) {
        const r = await db
          .deleteFrom('webhook_deliveries')
          .where(
            'id',
            'in',
            part.map((x) => x.id),
          )
          .executeTakeFirst();
        gone += Number(r.numDeletedRows);
      }
      return gone;
    },
    async redeliver(id, now) {
      await db
        .updateTable('webhook_deliveries')
        .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })
        .where('id', '=', id)
        .execute();
    },
  };
}
