/**
 * Outbound webhooks (issue 12 item 8, docs/webhooks.md): registrations with a sealed
 * signing secret, a durable outbox of deliveries, the attendance follower that fills it
 * from committed clock-ins, publish() for events other parts raise (daily summaries),
 * and the sender that empties it. Every event is written to the outbox (committed)
 * before it is sent, so it is delivered at least once whatever crashes when.
 */
import { randomUUID } from 'node:crypto';
import type { BackgroundBudget } from '../domain/background-budget.js';
import type { SecretBox } from '../domain/secrets.js';
import type { TimeIds } from '../ids.js';
import type { Logger } from '../log.js';
import type {
  DeliveryRow,
  NewDelivery,
  WebhookEvent,
  WebhookEventType,
  WebhookRepo,
  WebhookRow,
} from '../store/webhook-types.js';
import { AttendanceFollower } from './follower.js';
import { HookRegistry, targetOf } from './registry.js';
import { type AttemptReport, DeliverySender } from './sender.js';
import { newWebhookSecret } from './signature.js';

export interface WebhookOptions {
  /** config.webhooks: whether clock-ins become deliveries (off for the sign-in benchmark). */
  follow: boolean;
  allowPrivate: boolean;
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  /** Finished deliveries are forgotten this long after they were created (0 = kept for ever). */
  retentionMs: number;
}

/** Finished deliveries looked for at most this often, and forgotten this many at a time. */
const PURGE_EVERY_MS = 60 * 60_000;
const PURGE_BATCH = 5_000;

/**
 * The `data` of an attendance.created event: the record as the attendance API shows it,
 * read when sent (so an erased person's name is not kept in the outbox); undefined
 * when the record no longer exists. Given by the composition (the API renders it).
 */
export type AttendanceRenderer = (attendanceId: string) => Promise<unknown>;

export interface WebhookDeps {
  repo: WebhookRepo;
  box: SecretBox;
  renderAttendance: AttendanceRenderer;
  ids: TimeIds;
  now: () => number;
  log?: Logger;
  /** The share of a busy loop the follower and sender take together with the other followers (absent: no pacing). */
  budget?: BackgroundBudget;
  /**
   * Whether this process follows clock-ins and sends (cluster/leader.ts: one process of a
   * cluster does, or two would send each delivery); absent: it does. Deliveries written by
   * any process are sent by the leader at its next tick.
   */
  leading?: () => boolean;
}

export interface WebhookInput {
  url: string;
  events: WebhookEvent[];
  siteIds: string[] | null;
  description: string | null;
  active: boolean;
}

/** An event another part raises: delivered to every active webhook subscribed to its type and site. */
export interface PublishedEvent {
  type: WebhookEvent;
  siteId: string | null;
  /** The idempotency key: publishing the same id again adds no delivery. */
  id: string;
  data: unknown;
}

export class Webhooks {
  readonly #d: WebhookDeps;
  readonly #o: WebhookOptions;
  readonly #hooks: HookRegistry;
  readonly sender: DeliverySender;
  readonly follower: AttendanceFollower;
  #purgedAt = Number.NEGATIVE_INFINITY;

  constructor(deps: WebhookDeps, opts: WebhookOptions) {
    this.#d = deps;
    this.#o = opts;
    this.#hooks = new HookRegistry(deps.box);
    this.sender = new DeliverySender(
      deps.repo,
      this.#hooks,
      (row) => this.#data(row),
      {
        baseMs: opts.retryBaseMs,
        maxMs: opts.retryMaxMs,
        timeoutMs: opts.timeoutMs,
        allowPrivate: opts.allowPrivate,
        ...(deps.budget ? { budget: deps.budget } : {}),
        ...(deps.leading ? { leading: deps.leading } : {}),
      },
      deps.now,
      deps.log,
    );
    this.follower = new AttendanceFollower({
      repo: deps.repo,
      hooks: this.#hooks,
      newDelivery: (webhookId, attendanceId, siteId) =>
        this.#newDelivery(webhookId, 'attendance.created', attendanceId, siteId, null),
      wrote: () => this.sender.pump(),
      now: deps.now,
      ...(deps.log ? { log: deps.log } : {}),
      ...(deps.budget ? { budget: deps.budget } : {}),
    });
  }

  get allowPrivate(): boolean {
    return this.#o.allowPrivate;
  }

  /** Reads the active webhooks; call once before the first wake. */
  async load(): Promise<void> {
    this.#hooks.set(await this.#d.repo.active());
  }

  /** After an ingest batch is durable (synchronous, cheap, never awaited by the writer). */
  wake(): void {
    if (this.#o.follow && this.#leads()) this.follower.wake();
  }

  #leads(): boolean {
    return this.#d.leading?.() ?? true;
  }

  /** The timer: catches up on clock-ins and on retries that came due; now and then forgets old deliveries. */
  async tick(): Promise<void> {
    if (!this.#leads()) return;
    if (this.#o.follow) await this.follower.run();
    this.sender.pump();
    const now = this.#d.now();
    if (this.#hooks.size > 0 && this.#o.retentionMs > 0 && now - this.#purgedAt >= PURGE_EVERY_MS) {
      this.#purgedAt = now;
      await this.purge();
    }
  }

  /**
   * Forgets delivered and failed deliveries older than the retention (pending ones stay
   * whatever their age); answers how many went. A batch at a time, so a long backlog
   * never holds one big transaction.
   */
  async purge(): Promise<number> {
    if (this.#o.retentionMs <= 0) return 0;
    // Delivery ids start with their creation time (ids.ts): the cutoff as the smallest id of that millisecond.
    const cutoff = `${String(Math.max(0, this.#d.now() - this.#o.retentionMs)).padStart(13, '0')}000000`;
    let total = 0;
    for (;;) {
      const gone = await this.#d.repo.purgeFinished(cutoff, PURGE_BATCH);
      total += gone;
      if (gone < PURGE_BATCH) return total;
    }
  }

  async create(input: WebhookInput): Promise<{ webhook: WebhookRow; secret: string }> {
    const now = this.#d.now();
    const secret = newWebhookSecret();
    const webhook: WebhookRow = {
      id: randomUUID(),
      ...input,
      secretEnc: this.#d.box.seal(secret),
      createdAt: now,
      updatedAt: now,
    };
    await this.#startFromNow(webhook);
    await this.#d.repo.insert(webhook);
    await this.load();
    return { webhook, secret };
  }

  get(id: string): Promise<WebhookRow | undefined> {
    return this.#d.repo.get(id);
  }

  page(after: string | undefined, limit: number): Promise<WebhookRow[]> {
    return this.#d.repo.page(after, limit);
  }

  async update(id: string, patch: Partial<WebhookInput>): Promise<WebhookRow | undefined> {
    const before = await this.#d.repo.get(id);
    if (!before) return undefined;
    const after: WebhookRow = { ...before, ...patch, updatedAt: this.#d.now() };
    await this.#startFromNow(after);
    await this.#d.repo.update(id, { ...patch, updatedAt: after.updatedAt });
    await this.load();
    this.sender.pump(); // deliveries held while it was inactive go now
    return after;
  }

  async remove(id: string): Promise<boolean> {
    const gone = await this.#d.repo.remove(id);
    await this.load();
    return gone;
  }

  async rotateSecret(id: string): Promise<{ webhook: WebhookRow; secret: string } | undefined> {
    const before = await this.#d.repo.get(id);
    if (!before) return undefined;
    const secret = newWebhookSecret();
    const webhook = { ...before, secretEnc: this.#d.box.seal(secret), updatedAt: this.#d.now() };
    await this.#d.repo.update(id, { secretEnc: webhook.secretEnc, updatedAt: webhook.updatedAt });
    await this.load();
    return { webhook, secret };
  }

  /** Whether any active webhook takes this event type for this site (null: for any site). */
  wants(type: WebhookEvent, siteId: string | null): boolean {
    return siteId === null ? this.#hooks.anyWants(type) : this.#hooks.forEvent(type, siteId).length > 0;
  }

  /**
   * Writes a delivery per matching active webhook, durably, before answering; sends
   * follow. Answers how many deliveries were written (0 when no webhook wants it: no SQL).
   */
  async publish(event: PublishedEvent): Promise<number> {
    const targets = this.#hooks.forEvent(event.type, event.siteId);
    if (targets.length === 0) return 0;
    const data = JSON.stringify(event.data);
    const written = await this.#d.repo.enqueue(
      targets.map((h) => this.#newDelivery(h.id, event.type, event.id, event.siteId, data)),
    );
    this.sender.pump();
    return written;
  }

  /** Sends a `ping` now (active or not) and answers what came back; recorded as a delivery, not retried. */
  async test(id: string): Promise<AttemptReport | undefined> {
    const row = await this.#d.repo.get(id);
    if (!row) return undefined;
    const d = this.#newDelivery(
      id,
      'ping',
      `ping-${randomUUID()}`,
      null,
      JSON.stringify({ webhookId: id, message: 'ping' }),
    );
    d.maxAttempts = 1;
    const release = this.sender.reserve(d.id);
    try {
      await this.#d.repo.enqueue([d]);
      const stored = await this.#d.repo.delivery(id, d.id);
      if (!stored) throw new Error(`ping delivery ${d.id} vanished`);
      return await this.sender.attempt(stored, targetOf(this.#d.box, row));
    } finally {
      release();
    }
  }

  deliveries(webhookId: string, before: string | undefined, limit: number): Promise<DeliveryRow[]> {
    return this.#d.repo.deliveries(webhookId, before, limit);
  }

  delivery(webhookId: string, id: string): Promise<DeliveryRow | undefined> {
    return this.#d.repo.delivery(webhookId, id);
  }

  /** The delivery pending again, due now, attempts counted afresh; same delivery id and idempotency key. */
  async redeliver(webhookId: string, id: string): Promise<DeliveryRow | undefined> {
    const before = await this.#d.repo.delivery(webhookId, id);
    if (!before) return undefined;
    await this.#d.repo.redeliver(id, this.#d.now());
    // Read as queued, before the sender is woken: on a fast machine it had already
    // delivered by the time of a read after, and the 202 showed a finished delivery.
    const queued = await this.#d.repo.delivery(webhookId, id);
    this.sender.pump();
    return queued;
  }

  /** Stops following and sending; what is in flight finishes and is recorded. */
  async close(): Promise<void> {
    await this.follower.close();
    await this.sender.close();
  }

  /**
   * The first active webhook for clock-ins starts from the newest row: the past is
   * owed to no one (no webhook wanted it), and a new webhook is not flooded with it.
   */
  async #startFromNow(hook: WebhookRow): Promise<void> {
    if (this.#hooks.wantsAttendance || !hook.active || !hook.events.includes('attendance.created')) return;
    await this.#d.repo.markAttendanceNow(this.#d.now());
  }

  #newDelivery(
    webhookId: string,
    eventType: WebhookEventType,
    eventId: string,
    siteId: string | null,
    data: string | null,
  ): NewDelivery {
    const now = this.#d.now();
    return {
      id: this.#d.ids.next(),
      webhookId,
      eventType,
      eventId,
      siteId,
      data,
      maxAttempts: this.#o.maxAttempts,
      nextAttemptAt: now,
      createdAt: now,
    };
  }

  async #data(row: DeliveryRow): Promise<unknown> {
    if (row.eventType === 'attendance.created') return this.#d.renderAttendance(row.eventId);
    return row.data === null ? null : (JSON.parse(row.data) as unknown);
  }
}
