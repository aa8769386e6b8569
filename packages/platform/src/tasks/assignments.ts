/**
 * Site assignments (§1.1(7) 一次采集，多台设备使用): a person captured once works on any
 * number of sites. Assigning sends the person to every device of the site (the task
 * engine's delta); ending an assignment, on its leave date or by an explicit end, deletes
 * them from that site's devices and no other's. A leave date today or earlier ends the
 * assignment at once; a later one is ended by the periodic job (endDue) when it comes.
 */
import type { TimeIds } from '../ids.js';
import type { AssignmentPatch, AssignmentRow, PersonRow, Store } from '../store/index.js';
import { isUniqueViolation } from '../store/index.js';
import type { Enqueued, TaskEngine } from './engine.js';
import { type AssignmentInput, checkDay, cstDay, EnrolmentError, hasControl } from './person-input.js';

/** Assignments the periodic job ends per round (a round runs again until none is due). */
const DUE_BATCH = 500;
const TEXT_MAX = 128;

function optionalText(v: string | null | undefined, field: string): string | null | undefined {
  if (v === undefined || v === null) return v;
  const t = v.trim();
  if (t.length > TEXT_MAX || hasControl(t))
    throw new EnrolmentError(
      'bad_input',
      `${field} is at most ${TEXT_MAX} characters, without control characters`,
      field,
    );
  return t === '' ? null : t;
}

export class Assignments {
  readonly #store: Store;
  readonly #engine: TaskEngine;
  readonly #endedListeners: ((a: AssignmentRow) => Promise<unknown>)[] = [];
  readonly #now: () => number;
  readonly #ids: TimeIds;

  constructor(store: Store, engine: TaskEngine, now: () => number, ids: TimeIds) {
    this.#store = store;
    this.#engine = engine;
    this.#now = now;
    this.#ids = ids;
  }

  /** Today in China (yyyy-MM-dd): leave dates are compared with it. */
  today(): string {
    return cstDay(this.#now());
  }

  /**
   * Assigns an active person to a site and sends them to the site's devices. A leave date
   * today or earlier records work already over: the assignment is made ended, and nothing
   * is sent. A second active assignment to the same site is refused (already_assigned).
   */
  async assign(
    person: PersonRow,
    input: AssignmentInput,
  ): Promise<{ assignment: AssignmentRow; devices: Map<string, Enqueued> }> {
    if (person.status !== 'active') throw new EnrolmentError('person_not_found', `no person ${person.id}`);
    if (!(await this.#store.sites.get(input.siteId)))
      throw new EnrolmentError('site_not_found', `no site ${input.siteId}`, 'siteId');
    const today = this.today();
    const joinedOn = input.joinedOn === undefined ? today : checkDay(input.joinedOn, 'joinedOn');
    const leftOn = input.leftOn == null ? null : checkDay(input.leftOn, 'leftOn');
    if (leftOn !== null && leftOn < joinedOn)
      throw new EnrolmentError('bad_input', 'leftOn is before joinedOn', 'leftOn');
    const now = this.#now();
    const over = leftOn !== null && leftOn <= today;
    const row: AssignmentRow = {
      id: this.#ids.next(),
      personId: person.id,
      siteId: input.siteId,
      company: optionalText(input.company, 'company') ?? null,
      team: optionalText(input.team, 'team') ?? null,
      trade: optionalText(input.trade, 'trade') ?? null,
      joinedOn,
      leftOn,
      status: over ? 'ended' : 'active',
      createdAt: now,
      updatedAt: now,
      endedAt: over ? now : null,
    };
    try {
      await this.#store.assignments.insert(row);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const existing = (await this.#store.assignments.ofPerson(person.id)).find(
        (a) => a.siteId === input.siteId && a.status === 'active',
      );
      throw new EnrolmentError(
        'already_assigned',
        `person ${person.id} is already assigned to site ${input.siteId}`,
        'siteId',
        existing?.id,
      );
    }
    const devices = over
      ? new Map<string, Enqueued>()
      : await this.#engine.personsChanged(input.siteId, [person]);
    return { assignment: row, devices };
  }

  /**
   * Changes an assignment's company, team, trade or dates. Setting an active assignment's
   * leave date to today or earlier ends it (the site's devices delete the person).
   */
  async update(id: string, patch: AssignmentPatch): Promise<AssignmentRow> {
    const a = await this.get(id);
    const next: AssignmentPatch = {};
    for (const f of ['company', 'team', 'trade'] as const) {
      const v = optionalText(patch[f], f);
      if (v !== undefined) next[f] = v;
    }
    if (patch.joinedOn !== undefined) next.joinedOn = checkDay(patch.joinedOn, 'joinedOn');
    if (patch.leftOn !== undefined)
      next.leftOn = patch.leftOn === null ? null : checkDay(patch.leftOn, 'leftOn');
    const joinedOn = next.joinedOn ?? a.joinedOn;
    const leftOn = next.leftOn === undefined ? a.leftOn : next.leftOn;
    if (leftOn !== null && leftOn < joinedOn)
      throw new EnrolmentError('bad_input', 'leftOn is before joinedOn', 'leftOn');
    if (a.status === 'ended' && next.leftOn === null)
      throw new EnrolmentError(
        'bad_input',
        'an ended assignment keeps its leave date; assign the person again',
        'leftOn',
      );
    const updated = await this.#store.assignments.update(id, next, this.#now());
    if (!updated) throw new EnrolmentError('assignment_not_found', `no assignment ${id}`);
    if (updated.status === 'active' && updated.leftOn !== null && updated.leftOn <= this.today())
      return (await this.#finish(updated, updated.leftOn)) ?? updated;
    return updated;
  }

  /** Ends an active assignment on `leftOn` (default today; a later day is PATCH's leftOn). */
  async end(id: string, leftOn?: string): Promise<AssignmentRow> {
    const a = await this.get(id);
    const today = this.today();
    const day = leftOn === undefined ? today : checkDay(leftOn, 'leftOn');
    if (day > today)
      throw new EnrolmentError(
        'bad_input',
        'leftOn is in the future: set it with PATCH, it ends on that day',
        'leftOn',
      );
    if (day < a.joinedOn) throw new EnrolmentError('bad_input', 'leftOn is before joinedOn', 'leftOn');
    if (a.status === 'ended') return a;
    return (await this.#finish(a, day)) ?? (await this.get(id));
  }

  /** Ends every active assignment of the person today (a person removed from every site). */
  async endAll(personId: string): Promise<AssignmentRow[]> {
    const out: AssignmentRow[] = [];
    const today = this.today();
    for (const a of await this.#store.assignments.ofPerson(personId)) {
      if (a.status !== 'active') continue;
      // biome-ignore lint/complexity/useMathMinMax: ISO dates (strings): Math.max would make them NaN
      const ended = await this.#finish(a, a.joinedOn > today ? a.joinedOn : today);
      if (ended) out.push(ended);
    }
    return out;
  }

  /** The periodic job: ends the assignments whose leave date has come. */
  async endDue(): Promise<number> {
    let n = 0;
    for (;;) {
      const due = await this.#store.assignments.dueToEnd(this.today(), DUE_BATCH);
      for (const a of due) if (await this.#finish(a, a.leftOn ?? this.today())) n++;
      if (due.length < DUE_BATCH) return n;
    }
  }

  async get(id: string): Promise<AssignmentRow> {
    const a = await this.#store.assignments.get(id);
    if (!a) throw new EnrolmentError('assignment_not_found', `no assignment ${id}`);
    return a;
  }

  /** Active assignments of a person: the sites whose devices hold them. */
  async activeOf(personId: string): Promise<AssignmentRow[]> {
    return (await this.#store.assignments.ofPerson(personId)).filter((a) => a.status === 'active');
  }

  /** Called once for every assignment that ends (leaving, a rejected review, erasure). */
  onEnded(listener: (a: AssignmentRow) => Promise<unknown>): void {
    this.#endedListeners.push(listener);
  }

  /** Ends it (once: a concurrent end finds it ended) and deletes the person from the site's devices. */
  async #finish(a: AssignmentRow, leftOn: string): Promise<AssignmentRow | undefined> {
    const ended = await this.#store.assignments.end(a.id, leftOn, this.#now());
    if (ended) {
      await this.#engine.personsRemoved(a.siteId, [a.personId]);
      for (const listener of this.#endedListeners) await listener(ended);
    }
    return ended;
  }
}
