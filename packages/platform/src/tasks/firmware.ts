/**
 * Firmware images (3.7): copied into dataDir/firmware under an id, with size and SHA-256
 * (K12), and rolled out as T_UPDATE_DEVICE_VERSION tasks. The file is written and
 * fsync'd before its row exists, so a listed image is always servable.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { TimeIds } from '../domain/ids.js';
import type { FirmwareRow, Store } from '../store/index.js';
import type { TaskEngine } from './engine.js';
import { EnrolmentError } from './persons.js';

export class Firmware {
  readonly #store: Store;
  readonly #dir: string;
  readonly #engine: TaskEngine;
  readonly #now: () => number;
  readonly #ids: TimeIds;

  constructor(store: Store, dataDir: string, engine: TaskEngine, now = Date.now) {
    this.#store = store;
    this.#dir = join(dataDir, 'firmware');
    this.#engine = engine;
    this.#now = now;
    this.#ids = new TimeIds(0, now);
  }

  pathOf(id: string): string {
    return join(this.#dir, `${id}.bin`);
  }

  async add(file: string, version: string): Promise<FirmwareRow> {
    if (!version.trim()) throw new EnrolmentError('bad_input', 'a firmware image needs a version');
    if (await this.#store.firmware.byVersion(version)) {
      throw new EnrolmentError('bad_input', `firmware version ${version} exists already`);
    }
    const size = (await stat(file)).size;
    if (size === 0) throw new EnrolmentError('bad_input', `${file} is empty`);
    const id = this.#ids.next();
    await mkdir(this.#dir, { recursive: true });
    const target = this.pathOf(id);
    await copyFile(file, target);
    try {
      const fh = await open(target, 'r+');
      await fh.sync().finally(() => fh.close());
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(target)) hash.update(chunk as Buffer);
      const row = {
        id,
        version,
        size,
        sha256: hash.digest('hex'),
        fileName: basename(file),
        createdAt: this.#now(),
      };
      await this.#store.firmware.insert(row);
      return row;
    } catch (e) {
      await rm(target, { force: true });
      throw e;
    }
  }

  /** One T_UPDATE_DEVICE_VERSION task per device. */
  async rollout(version: string, deviceIds: string[]): Promise<string[]> {
    const fw = await this.#store.firmware.byVersion(version);
    if (!fw) throw new EnrolmentError('bad_input', `no firmware version ${version}`);
    const out: string[] = [];
    for (const d of deviceIds)
      out.push(await this.#engine.enqueueSimple(d, 'T_UPDATE_DEVICE_VERSION', { firmwareId: fw.id }));
    return out;
  }
}
