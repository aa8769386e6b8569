/**
 * The task runner's owed bookkeeping (runner.ts): ids offered but left unrun for a later
 * offer, why, and what they hold back in the batch running.
 */
import { compareTaskIds } from './ids.js';

/**
 * Why an id is owed: 'person' a fetched person task left unrun; 'unknown' one whose
 * apicode is not known (in a T_GET_TASKS that failed, or left unfetched behind one).
 */
export type Owed = 'person' | 'unknown';

/**
 * Ids offered but left unrun for a later offer: person tasks abandoned or held back
 * behind one, and ids whose apicode is unknown (a T_GET_TASKS that failed, and the ids
 * left unfetched behind it). Each new batch asks for them again; a batch that does not
 * run one of them runs no person task ordered after it, nor, after an unknown one, any
 * task. Other tasks abandoned are never owed.
 */
export class OwedTasks {
  readonly #owed = new Map<string, Owed>();

  /** The ids owed, to ask for again. */
  ids(): IterableIterator<string> {
    return this.#owed.keys();
  }

  /** The cut-offs of a batch that asks for the ids `mine` (owed ones included). */
  batch(mine: ReadonlySet<string>): OwedBatch {
    return new OwedBatch(this.#owed, mine);
  }
}

/**
 * One batch's view of the owed ids, with two floors, each the earliest task left unrun
 * that this batch does not run itself (another batch left it after this one was queued),
 * then the earliest this batch leaves: no person task at or after `persons` runs (left by
 * a person task or an unknown one), and no task at all at or after `all` (left by an
 * unknown one, which may be a person task). persons <= all. Only this batch changes the
 * owed ids while it runs.
 */
export class OwedBatch {
  readonly #owed: Map<string, Owed>;
  #persons: string | undefined;
  #all: string | undefined;
  /** Tasks held back (left, for the next offer, behind a task left unrun). */
  held = 0;

  constructor(owed: Map<string, Owed>, mine: ReadonlySet<string>) {
    this.#owed = owed;
    for (const [id, why] of owed) if (!mine.has(id)) this.#lower(id, why);
  }

  /** The person cut-off: the earliest task left unrun that any person task waits behind. */
  get personFloor(): string | undefined {
    return this.#persons;
  }

  /** Whether `id` is behind an unknown task: whatever it is, it waits, not even fetched. */
  behindUnknown(id: string): boolean {
    return after(id, this.#all);
  }

  /** Whether a person task `id` waits behind a person task (or an unknown one) left unrun. */
  behindPerson(id: string): boolean {
    return after(id, this.#persons);
  }

  /** `id` is left unrun, owed for the next offer; the tasks after it wait. */
  leave(id: string, why: Owed): void {
    this.#owed.set(id, why);
    this.#lower(id, why);
  }

  /** `id` waits behind a task left unrun: left, and counted in `held`. */
  holdBack(id: string, why: Owed): void {
    this.leave(id, why);
    this.held++;
  }

  /** `id` is owed no more: done, dropped, abandoned to the platform's re-offer, or not returned. */
  forget(id: string): void {
    this.#owed.delete(id);
  }

  #lower(id: string, why: Owed): void {
    if (this.#persons === undefined || compareTaskIds(id, this.#persons) < 0) this.#persons = id;
    if (why === 'unknown' && (this.#all === undefined || compareTaskIds(id, this.#all) < 0)) this.#all = id;
  }
}

function after(id: string, floor: string | undefined): boolean {
  return floor !== undefined && compareTaskIds(id, floor) >= 0;
}
