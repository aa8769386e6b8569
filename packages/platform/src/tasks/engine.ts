/**
 * The task engine (chapter 3, D11): one queue per device, in the database. Operators'
 * changes (a person added, changed or removed, a device bound, firmware rolled out, a
 * reconciliation asked for) become tasks for every device concerned; heartbeats offer
 * their ids (2.2.3) and a push (D3) offers them at once to an online device.
 *
 * Coalescing: a change for a device that already has a queued task of the same kind (not
 * yet offered) joins that task, so a burst of 10,000 enrolments is one paged task per
 * device, not 10,000. Pushes are debounced (pushDelayMs) for the same reason. A full
 * sync (clear, then send the whole roster) supersedes every open person task of the
 * device: their deltas are moot.
 */
import { DEFAULT_PAGE_SIZE, type PersonPageApicode } from '@kaoqin/protocol';
import type { LiveSink } from '../domain/live/types.js';
import type { TimeIds } from '../ids.js';
import type { DistributionRow, PersonRow, Store, TaskItem, TaskRow } from '../store/index.js';

/** Delivers task ids to a connected device (D3); false when it is not connected here. */
export interface TaskPusher {
  push(deviceId: string, taskids: string[]): boolean;
  /** Whether the device has a connection to this process. */
  connected(deviceId: string): boolean;
}

/**
 * Where a task queued for a device connected to another process goes (cluster/push-route.ts):
 * that process pushes it (D3) without waiting for its poll of the store.
 */
export interface TaskRoute {
  notify(deviceId: string): void;
}

export interface EngineOptions {
  reofferAfterMs: number;
  expireAfterMs: number;
  defaultFaceCapacity: number;
  /** Wait before pushing, so changes made together travel as one task (default 50 ms). */
  pushDelayMs?: number;
}

const PERSON_TASKS = [
  'T_SEND_PERSON',
  'T_UPDATE_DEVICE_PERSON',
  'T_DEL_DEVICE_PERSON',
  'T_CLEAR_DEVICE_PERSON',
];

export const pagingHint = (total: number): string =>
  JSON.stringify({ totalPage: Math.ceil(total / DEFAULT_PAGE_SIZE), size: DEFAULT_PAGE_SIZE, total });

const itemOf = (p: PersonRow): TaskItem => ({ personId: p.id, name: p.name, photoKeys: p.photoKeys });

export interface Enqueued {
  taskId: string | undefined;
  /** Persons not sent because the device would exceed its face capacity. */
  refused: string[];
}

export class TaskEngine {
  readonly #store: Store;
  readonly #opts: Required<EngineOptions>;
  readonly #now: () => number;
  readonly #ids: TimeIds;
  #pusher: TaskPusher | undefined;
  #route: TaskRoute | undefined;
  #live: LiveSink | undefined;
  readonly #pushTimers = new Map<string, NodeJS.Timeout>();
  /** Devices that may have open tasks: heartbeats of the others skip the database. */
  readonly #open = new Set<string>();

  constructor(store: Store, opts: EngineOptions, now: () => number, ids: TimeIds) {
    this.#store = store;
    this.#opts = { pushDelayMs: 50, ...opts };
    this.#now = now;
    this.#ids = ids;
  }

  setPusher(p: TaskPusher): void {
    this.#pusher = p;
  }

  setRoute(r: TaskRoute): void {
    this.#route = r;
  }

  /** Devices another process queued tasks for (through the route): pushed if connected here. */
  queuedElsewhere(deviceIds: readonly string[]): void {
    for (const deviceId of deviceIds) {
      this.#open.add(deviceId);
      if (this.#pusher?.connected(deviceId)) this.#schedulePush(deviceId);
    }
  }

  /** Where finished tasks and distribution changes are announced (live events). */
  setLive(live: LiveSink): void {
    this.#live = live;
  }

  async load(): Promise<void> {
    for (const id of await this.#store.tasks.devicesWithOpenTasks()) this.#open.add(id);
  }

  /**
   * Tasks queued by another process (the operator CLI on the same database, another
   * platform node): their devices join the open set and connected ones get a push. Run
   * every few hundred milliseconds; cheap, since queued tasks leave that state once offered.
   */
  async pollQueued(): Promise<void> {
    for (const deviceId of await this.#store.tasks.devicesWithQueued()) {
      this.#open.add(deviceId);
      if (this.#pusher?.connected(deviceId)) this.#schedulePush(deviceId);
    }
  }

  /** Heartbeat (2.2.3): ids to offer. Marks queued ones offered. */
  async pendingTaskIds(deviceId: string): Promise<string[]> {
    if (!this.#open.has(deviceId)) return [];
    const now = this.#now();
    const ids = await this.#store.tasks.pendingIds(deviceId, now - this.#opts.reofferAfterMs);
    if (ids.length) await this.#store.tasks.markOffered(ids, now);
    return ids;
  }

  /** Persons added to (or changed on) a site: a delta for every device of the site. */
  async personsChanged(siteId: string, persons: PersonRow[]): Promise<Map<string, Enqueued>> {
    const out = new Map<string, Enqueued>();
    for (const deviceId of await this.#store.deviceTasks.idsOfSite(siteId, { rosterHolders: true })) {
      out.set(deviceId, await this.enqueuePersons(deviceId, 'T_UPDATE_DEVICE_PERSON', persons));
    }
    return out;
  }

  /** Persons removed from a site: a delete for every device that has (or was sent) them. */
  async personsRemoved(siteId: string, personIds: string[]): Promise<void> {
    const now = this.#now();
    for (const deviceId of await this.#store.deviceTasks.idsOfSite(siteId, { rosterHolders: true })) {
      const items: TaskItem[] = personIds.map((personId) => ({ personId, name: null, photoKeys: null }));
      await this.#enqueue(deviceId, 'T_DEL_DEVICE_PERSON', items, () => '{}', 'removing', now);
    }
  }

  /** A delete for one device (reconciliation's extra persons). */
  deleteFrom(deviceId: string, personIds: string[]): Promise<string> {
    const items: TaskItem[] = personIds.map((personId) => ({ personId, name: null, photoKeys: null }));
    return this.#enqueue(deviceId, 'T_DEL_DEVICE_PERSON', items, () => '{}', 'removing', this.#now());
  }

  /**
   * A person task for one device, within its face capacity (§3(11)): persons beyond it
   * are not sent and their distribution says why, instead of failing on the device.
   */
  async enqueuePersons(
    deviceId: string,
    apicode: PersonPageApicode,
    persons: PersonRow[],
  ): Promise<Enqueued> {
    const now = this.#now();
    const fields = await this.#store.deviceTasks.taskFields(deviceId);
    const capacity = fields?.faceCapacity ?? this.#opts.defaultFaceCapacity;
    // Only counts and the persons in question are read, never the device's whole roster:
    // an enrolment touches every device of the site.
    const full = apicode === 'T_SEND_PERSON';
    const already = new Set(
      full
        ? []
        : await this.#store.distribution.expectedAmong(
            deviceId,
            persons.map((p) => p.id),
          ),
    );
    let expected = full ? 0 : await this.#store.distribution.expectedCount(deviceId);
    const send: PersonRow[] = [];
    const refused: string[] = [];
    for (const p of persons) {
      const counted = apicode !== 'T_SEND_PERSON' && already.has(p.id);
      if (counted || expected < capacity) {
        send.push(p);
        if (!counted) expected++;
      } else refused.push(p.id);
    }
    if (refused.length) {
      await this.#store.distribution.upsert(
        refused.map((personId) => ({
          personId,
          deviceId,
          state: 'refused',
          reason: `capacity: the device holds at most ${capacity} faces`,
          taskId: null,
          updatedAt: now,
        })),
      );
      this.#live?.distributionChanged(
        deviceId,
        null,
        refused.map((personId) => ({ personId, state: 'refused' })),
        now,
      );
    }
    if (send.length === 0 && apicode !== 'T_SEND_PERSON') return { taskId: undefined, refused };
    const taskId = await this.#enqueue(deviceId, apicode, send.map(itemOf), pagingHint, 'pending', now);
    return { taskId, refused };
  }

  /** Clear, then send the site's whole roster: what a newly bound device (or a resync) needs. */
  async fullSync(deviceId: string, siteId: string): Promise<Enqueued> {
    // A phone holds no roster (issue 14): its one worker's selfie is checked here, 1:1.
    if ((await this.#store.deviceTasks.taskFields(deviceId))?.kind === 'mobile')
      return { taskId: undefined, refused: [] };
    await this.#clear(deviceId, 'superseded by a full sync');
    const roster = await this.#store.persons.activeOfSite(siteId);
    const sent = await this.enqueuePersons(deviceId, 'T_SEND_PERSON', roster);
    this.#schedulePush(deviceId);
    return sent;
  }

  /**
   * T_CLEAR_DEVICE_PERSON (3.6): every person leaves the device (an unbound device must
   * not keep a site's workers); open person tasks are superseded, since a clear makes
   * them moot. Returns the clear task's id.
   */
  async clear(deviceId: string, reason = 'superseded by a clear'): Promise<string> {
    const id = await this.#clear(deviceId, reason);
    this.#schedulePush(deviceId);
    return id;
  }

  /** The clear without its push: a full sync pushes once, the clear and the send together. */
  async #clear(deviceId: string, reason: string): Promise<string> {
    const now = this.#now();
    await this.#superseded(
      deviceId,
      await this.#store.tasks.supersede(deviceId, PERSON_TASKS, reason, now),
      reason,
      now,
    );
    const clearId = this.#ids.next();
    const stale = (
      await this.#store.distribution.forDevice(deviceId, ['pending', 'on_device', 'failed', 'removing'])
    ).map((d) => d.personId);
    await this.#store.tasks.create(
      {
        id: clearId,
        deviceId,
        apicode: 'T_CLEAR_DEVICE_PERSON',
        param: '{}',
        createdAt: now,
        expiresAt: now + this.#opts.expireAfterMs,
        items: [],
      },
      stale.map((personId) => this.#dist(personId, deviceId, 'removing', clearId, now)),
    );
    this.#live?.distributionChanged(
      deviceId,
      clearId,
      stale.map((personId) => ({ personId, state: 'removing' })),
      now,
    );
    this.#open.add(deviceId);
    return clearId;
  }

  /**
   * An operator withdraws an open task: it becomes `cancelled` (the device gets 490_07
   * if it asks for it, as for any finished task) and the persons it carried are failed
   * with the reason, as an expired task's are. False when it was already final.
   */
  async cancel(taskId: string, reason: string): Promise<boolean> {
    const now = this.#now();
    const t = await this.#store.tasks.get(taskId);
    if (!t || !(await this.#store.tasks.finish(taskId, 'cancelled', reason, now))) return false;
    this.#live?.taskFinished(t, 'cancelled', reason, now);
    const mine = await this.#store.distribution.forTask(t.deviceId, t.id);
    const failed = mine.map((d) => ({ ...d, state: 'failed' as const, reason, updatedAt: now }));
    await this.#store.distribution.upsert(failed);
    this.#live?.distributionChanged(t.deviceId, t.id, failed, now);
    return true;
  }

  /** A task with no persons: firmware (param {firmwareId}) or reconciliation (param {excludeFields}). */
  async enqueueSimple(
    deviceId: string,
    apicode: 'T_UPDATE_DEVICE_VERSION' | 'T_POST_DEVICE_PERSON',
    param: object,
  ): Promise<string> {
    const now = this.#now();
    const id = this.#ids.next();
    // A device offered an older rollout later (after a network failure) must not install
    // it over the newer one: only the latest firmware task stays open.
    if (apicode === 'T_UPDATE_DEVICE_VERSION') {
      const reason = 'superseded by a newer firmware rollout';
      await this.#superseded(
        deviceId,
        await this.#store.tasks.supersede(deviceId, [apicode], reason, now),
        reason,
        now,
      );
    }
    await this.#store.tasks.create(
      {
        id,
        deviceId,
        apicode,
        param: JSON.stringify(param),
        createdAt: now,
        expiresAt: now + this.#opts.expireAfterMs,
        items: [],
      },
      [],
    );
    this.#open.add(deviceId);
    this.#schedulePush(deviceId);
    return id;
  }

  /** Expires overdue tasks; their persons' distribution becomes failed ("expired"). */
  async expireDue(): Promise<TaskRow[]> {
    const now = this.#now();
    const expired = await this.#store.tasks.expire(now);
    for (const t of expired) {
      this.#live?.taskFinished(t, 'expired', t.reason, now);
      const ids = (await this.#store.tasks.allItems(t.id)).map((i) => i.personId);
      await this.#failItems(t, ids, 'task expired before the device reported it', now);
    }
    // Re-derive which devices still have open tasks (also drops devices whose queue emptied).
    const still = new Set(await this.#store.tasks.devicesWithOpenTasks());
    for (const d of [...this.#open]) if (!still.has(d)) this.#open.delete(d);
    for (const d of still) this.#open.add(d);
    return expired;
  }

  async #failItems(t: TaskRow, personIds: string[], reason: string, now: number): Promise<void> {
    const ids = new Set(personIds);
    const mine = (await this.#store.distribution.forTask(t.deviceId, t.id)).filter((d) =>
      ids.has(d.personId),
    );
    const failed = mine.map((d) => ({ ...d, state: 'failed' as const, reason, updatedAt: now }));
    await this.#store.distribution.upsert(failed);
    this.#live?.distributionChanged(t.deviceId, t.id, failed, now);
  }

  /** Announces superseded tasks (their apicodes read back only when someone listens). */
  async #superseded(deviceId: string, ids: string[], reason: string, now: number): Promise<void> {
    const live = this.#live;
    if (!live || ids.length === 0) return;
    for (const t of await this.#store.tasks.getMany(deviceId, ids))
      live.taskFinished(t, 'superseded', reason, now);
  }

  async #enqueue(
    deviceId: string,
    apicode: string,
    items: TaskItem[],
    param: (total: number) => string,
    state: 'pending' | 'removing',
    now: number,
  ): Promise<string> {
    const queued = await this.#store.tasks.queuedOf(deviceId, apicode);
    if (queued) {
      const dist = items.map((i) => this.#dist(i.personId, deviceId, state, queued.id, now));
      if (await this.#store.tasks.append(queued.id, items, param(queued.total + items.length), dist)) {
        this.#live?.distributionChanged(deviceId, queued.id, dist, now);
        this.#schedulePush(deviceId);
        return queued.id;
      }
    }
    const id = this.#ids.next();
    const dist = items.map((i) => this.#dist(i.personId, deviceId, state, id, now));
    await this.#store.tasks.create(
      {
        id,
        deviceId,
        apicode,
        param: param(items.length),
        createdAt: now,
        expiresAt: now + this.#opts.expireAfterMs,
        items,
      },
      dist,
    );
    this.#live?.distributionChanged(deviceId, id, dist, now);
    this.#open.add(deviceId);
    this.#schedulePush(deviceId);
    return id;
  }

  #dist(
    personId: string,
    deviceId: string,
    state: DistributionRow['state'],
    taskId: string,
    now: number,
  ): DistributionRow {
    return { personId, deviceId, state, reason: null, taskId, updatedAt: now };
  }

  #schedulePush(deviceId: string): void {
    if (!this.#pusher || this.#pushTimers.has(deviceId)) return;
    if (this.#route && !this.#pusher.connected(deviceId)) {
      this.#route.notify(deviceId);
      return;
    }
    const t = setTimeout(() => {
      this.#pushTimers.delete(deviceId);
      void this.pushNow(deviceId).catch(() => {
        // The next heartbeat offers the same ids (D3): a failed push loses nothing.
      });
    }, this.#opts.pushDelayMs);
    t.unref();
    this.#pushTimers.set(deviceId, t);
  }

  /** Pushes the device's pending ids now; true when a connection took them. */
  async pushNow(deviceId: string): Promise<boolean> {
    if (!this.#pusher) return false;
    const now = this.#now();
    if (!this.#pusher.connected(deviceId)) return false;
    const ids = await this.#store.tasks.pendingIds(deviceId, now - this.#opts.reofferAfterMs);
    if (ids.length === 0) return false;
    // Marked before the write, so that whoever sees the push (the device, then an operator
    // listing tasks) finds them `offered`. Should the connection drop in between, the ids
    // stay pending in that state and the next heartbeat offers them again (D3).
    await this.#store.tasks.markOffered(ids, now);
    return this.#pusher.push(deviceId, ids);
  }

  close(): void {
    for (const t of this.#pushTimers.values()) clearTimeout(t);
    this.#pushTimers.clear();
  }
}
