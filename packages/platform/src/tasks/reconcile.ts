/**
 * Reconciliation (数据校对, 3.8): a device uploads every person it holds; when it reports
 * the T_POST_DEVICE_PERSON task done, the upload is compared with what the platform
 * believes is on the device. Missing: on_device here, absent there. Extra: there, but
 * neither on_device nor pending here. Differences are recorded; `repair` (an operator,
 * or autoRepair) turns them into an update task for the missing and a delete for the extra.
 */
import type { TimeIds } from '../ids.js';
import type { RosterDiffRow, Store, TaskRow } from '../store/index.js';
import type { TaskEngine } from './engine.js';

export class Reconciler {
  readonly #store: Store;
  readonly #engine: TaskEngine;
  readonly #autoRepair: boolean;
  readonly #ids: TimeIds;

  constructor(store: Store, engine: TaskEngine, autoRepair: boolean, ids: TimeIds) {
    this.#store = store;
    this.#ids = ids;
    this.#engine = engine;
    this.#autoRepair = autoRepair;
  }

  /** Asks the device for its roster; img left out unless asked, to spare the link. */
  request(deviceId: string, excludeFields = 'img'): Promise<string> {
    return this.#engine.enqueueSimple(deviceId, 'T_POST_DEVICE_PERSON', { excludeFields });
  }

  async compare(t: TaskRow, now: number): Promise<RosterDiffRow[]> {
    const uploaded = new Set(await this.#store.roster.uploadedIds(t.id));
    const dist = await this.#store.distribution.forDevice(t.deviceId);
    const onDevice = new Set(dist.filter((d) => d.state === 'on_device').map((d) => d.personId));
    const expected = new Set(
      dist.filter((d) => d.state === 'on_device' || d.state === 'pending').map((d) => d.personId),
    );
    const diffs: RosterDiffRow[] = [];
    const add = (personId: string, kind: 'missing' | 'extra') =>
      diffs.push({
        id: this.#ids.next(),
        deviceId: t.deviceId,
        taskId: t.id,
        personId,
        kind,
        foundAt: now,
        repairedBy: null,
      });
    for (const p of onDevice) if (!uploaded.has(p)) add(p, 'missing');
    for (const p of uploaded) if (!expected.has(p)) add(p, 'extra');
    await this.#store.roster.addDiffs(diffs);
    if (this.#autoRepair && diffs.length) await this.repair(t.deviceId);
    return diffs;
  }

  /** Corrective tasks for the device's open differences; returns how many were acted on. */
  async repair(deviceId: string): Promise<{ missing: number; extra: number }> {
    const diffs = await this.#store.roster.openDiffs(deviceId);
    const missing = diffs.filter((d) => d.kind === 'missing');
    const extra = diffs.filter((d) => d.kind === 'extra');
    const persons = [];
    for (const d of missing) {
      const p = await this.#store.persons.get(d.personId);
      if (p && p.status === 'active') persons.push(p);
    }
    let task: string | undefined;
    if (persons.length)
      task = (await this.#engine.enqueuePersons(deviceId, 'T_UPDATE_DEVICE_PERSON', persons)).taskId;
    if (extra.length)
      task = await this.#engine.deleteFrom(
        deviceId,
        extra.map((d) => d.personId),
      );
    await this.#store.roster.markRepaired(
      diffs.map((d) => d.id),
      task ?? 'none',
    );
    return { missing: missing.length, extra: extra.length };
  }
}
