/**
 * Outbound webhooks (migration 0020): the tables, the rows and the repo's contract.
 * Apart from the repo (webhooks.ts) so the Store's contract can name it without an
 * import cycle through the schema types. Times are epoch milliseconds.
 */

/** Events a webhook may subscribe to; `ping` is only ever sent by the test action. */
export const WEBHOOK_EVENTS = ['attendance.created', 'attendance.daily_summary'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export type WebhookEventType = WebhookEvent | 'ping';

/** pending: to send (again) at nextAttemptAt; delivered: a 2xx came back; failed: gave up. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhooksTable {
  id: string;
  url: string;
  /** JSON array of WebhookEvent. */
  events: string;
  /** JSON array of site ids; null = every site. */
  site_ids: string | null;
  description: string | null;
  active: 0 | 1;
  secret_enc: string;
  created_at: number;
  updated_at: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event_type: WebhookEventType;
  event_id: string;
  site_id: string | null;
  data: string | null;
  status: DeliveryStatus;
  attempts: number;
  max_attempts: number;
  next_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  last_response: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

export interface WebhookMarksTable {
  name: string;
  last_id: string;
  updated_at: number;
}

export interface WebhookRow {
  id: string;
  url: string;
  events: WebhookEvent[];
  /** null = every site. */
  siteIds: string[] | null;
  description: string | null;
  active: boolean;
  /** The signing secret, sealed (domain/secrets.ts). */
  secretEnc: string;
  createdAt: number;
  updatedAt: number;
}

export interface DeliveryRow {
  id: string;
  webhookId: string;
  eventType: WebhookEventType;
  /** The idempotency key: the same event delivered again carries the same one. */
  eventId: string;
  siteId: string | null;
  /** The event's data (JSON text); null for attendance.created (the record is read at send time). */
  data: string | null;
  status: DeliveryStatus;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  /** A short excerpt of the last response body, never more. */
  lastResponse: string | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
}

/** A delivery to write: the outbox row before any send. */
export interface NewDelivery {
  id: string;
  webhookId: string;
  eventType: WebhookEventType;
  eventId: string;
  siteId: string | null;
  data: string | null;
  maxAttempts: number;
  nextAttemptAt: number;
  createdAt: number;
}

/** What one attempt came to. */
export interface AttemptOutcome {
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  lastResponse: string | null;
  at: number;
}

/** The follower's routing: which webhooks an attendance row of this site goes to. */
export type AttendanceRouter = (siteId: string | null) => readonly string[];

export interface WebhookRepo {
  insert(row: WebhookRow): Promise<void>;
  get(id: string): Promise<WebhookRow | undefined>;
  /** Up to `limit` webhooks with id > `after`, by id. */
  page(after: string | undefined, limit: number): Promise<WebhookRow[]>;
  /** Every active webhook: the process keeps them in memory to route events. */
  active(): Promise<WebhookRow[]>;
  update(id: string, patch: Partial<Omit<WebhookRow, 'id' | 'createdAt'>>): Promise<void>;
  /** Removes the webhook and its deliveries. */
  remove(id: string): Promise<boolean>;

  /** Writes deliveries in one transaction; an event a webhook already has is skipped. */
  enqueue(rows: readonly NewDelivery[]): Promise<number>;
  /**
   * One step of the attendance follower, in one transaction: reads up to `limit`
   * attendance rows after the mark (id order), writes a delivery per row and routed
   * webhook, and moves the mark to the last row read. Answers the rows read.
   */
  followAttendance(
    limit: number,
    route: AttendanceRouter,
    newDelivery: (webhookId: string, attendanceId: string, siteId: string | null) => NewDelivery,
    at: number,
  ): Promise<number>;
  /** Moves the mark to the newest attendance row (never back): nothing before now is owed to anyone. */
  markAttendanceNow(at: number): Promise<void>;
  /** The mark (an attendance id, '' before any). */
  attendanceMark(): Promise<string>;

  /** Pending deliveries due at `now`, earliest first, leaving out `busy` ids. */
  due(now: number, limit: number, busy: ReadonlySet<string>): Promise<DeliveryRow[]>;
  delivery(webhookId: string, id: string): Promise<DeliveryRow | undefined>;
  /** A webhook's deliveries, newest first, strictly older than `before`. */
  deliveries(webhookId: string, before: string | undefined, limit: number): Promise<DeliveryRow[]>;
  /** Attempts' outcomes, many in one transaction (the sender group-commits them). */
  recordAttempts(outcomes: readonly { id: string; outcome: AttemptOutcome }[]): Promise<void>;
  /**
   * Forgets up to `limit` finished (delivered or failed) deliveries created before
   * `beforeId` (delivery ids are time-ordered, so this is a primary-key range); answers
   * how many went.
   */
  purgeFinished(beforeId: string, limit: number): Promise<number>;
  /** Makes a delivery pending again, due now, with its attempts counted afresh. */
  redeliver(id: string, now: number): Promise<void>;
}
