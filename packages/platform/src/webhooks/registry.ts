/**
 * The active webhooks, in memory: the follower routes every clock-in through them and
 * must not ask the database which webhooks exist for each batch, nor run at all when
 * none is registered. Reloaded from the store after every change made through the
 * service (this process is the only writer of registrations).
 */
import type { SecretBox } from '../domain/secrets.js';
import type { WebhookEventType, WebhookRow } from '../store/webhook-types.js';

export interface HookTarget {
  id: string;
  url: string;
  /** The signing secret, opened once per load. */
  secret: string;
  siteIds: ReadonlySet<string> | null;
  events: ReadonlySet<WebhookEventType>;
}

/** A registration as the sender uses it (its secret opened). */
export function targetOf(box: SecretBox, r: WebhookRow): HookTarget {
  return {
    id: r.id,
    url: r.url,
    secret: box.open(r.secretEnc),
    siteIds: r.siteIds === null ? null : new Set(r.siteIds),
    events: new Set<WebhookEventType>(r.events),
  };
}

export class HookRegistry {
  readonly #box: SecretBox;
  #hooks = new Map<string, HookTarget>();
  #attendance: HookTarget[] = [];

  constructor(box: SecretBox) {
    this.#box = box;
  }

  set(rows: readonly WebhookRow[]): void {
    this.#hooks = new Map(rows.filter((r) => r.active).map((r) => [r.id, targetOf(this.#box, r)]));
    this.#attendance = [...this.#hooks.values()].filter((h) => h.events.has('attendance.created'));
  }

  get size(): number {
    return this.#hooks.size;
  }

  get(id: string): HookTarget | undefined {
    return this.#hooks.get(id);
  }

  /** Whether any active webhook wants clock-ins: when none does, the follower does nothing. */
  get wantsAttendance(): boolean {
    return this.#attendance.length > 0;
  }

  /** Whether any active webhook takes this event type, for any of its sites. */
  anyWants(type: WebhookEventType): boolean {
    for (const h of this.#hooks.values()) if (h.events.has(type)) return true;
    return false;
  }

  /** The active webhooks an event of this type and site goes to. */
  forEvent(type: WebhookEventType, siteId: string | null): HookTarget[] {
    const pool = type === 'attendance.created' ? this.#attendance : [...this.#hooks.values()];
    return pool.filter(
      (h) => h.events.has(type) && (h.siteIds === null || (siteId !== null && h.siteIds.has(siteId))),
    );
  }

  /** The follower's router: webhook ids for a clock-in of this site. */
  readonly attendanceRoute = (siteId: string | null): string[] =>
    this.forEvent('attendance.created', siteId).map((h) => h.id);
}
