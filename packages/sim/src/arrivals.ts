/**
 * Persons on their way to devices (enrol-burst, capture): for each person enrolled, the
 * devices that should come to hold them; `see` checks a device's person store and, when
 * the last device of a person holds them, records the time since the enrolment.
 */
import type { SimDevice } from './fleet.js';
import { Histogram } from './histogram.js';

export class Arrivals {
  /** Enrolment to the last device holding the person, ms. */
  readonly untilAll = new Histogram();
  /** Per device index: persons expected and not yet seen in its store. */
  readonly #waiting = new Map<number, Set<string>>();
  /** Per person: enrolment time, devices still without them. */
  readonly #persons = new Map<string, { at: number; remaining: number }>();
  #pairsLeft = 0;

  /** (person, device) pairs not yet seen. */
  get pairsLeft(): number {
    return this.#pairsLeft;
  }

  has(personId: string): boolean {
    return this.#persons.has(personId);
  }

  /** Expects the person on every one of `devices` from `at` (performance.now()). */
  expect(personId: string, devices: readonly SimDevice[], at: number): void {
    this.#persons.set(personId, { at, remaining: devices.length });
    this.#pairsLeft += devices.length;
    for (const d of devices) {
      const set = this.#waiting.get(d.index) ?? new Set<string>();
      this.#waiting.set(d.index, set);
      set.add(personId);
    }
    if (devices.length === 0) this.untilAll.record(0);
  }

  see(d: SimDevice, now: number): void {
    const set = this.#waiting.get(d.index);
    const store = d.runner?.persons;
    if (!set || !store) return;
    for (const pid of set) {
      if (!store.has(pid)) continue;
      set.delete(pid);
      this.#pairsLeft--;
      const p = this.#persons.get(pid);
      if (p && --p.remaining === 0) this.untilAll.record(now - p.at);
    }
  }
}
