/**
 * Firmware images (3.7): stored under an id (firmware-images/: dataDir/firmware, or the
 * database a cluster shares), with size and SHA-256 (K12), and rolled out as
 * T_UPDATE_DEVICE_VERSION tasks. An image is hashed and counted as it streams in (a
 * 256 MiB upload never sits in memory) and is durable before its row exists, so a listed
 * image is always servable. An image may belong to a vendor (their devices only) or be
 * platform-wide.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { FirmwareImages } from '../firmware-images/index.js';
import type { TimeIds } from '../ids.js';
import type { FirmwareRow, Store } from '../store/index.js';
import { isUniqueViolation } from '../store/index.js';
import type { TaskEngine } from './engine.js';

/** A refusal the caller can act on; `code` is stable for scripts and the API. */
export class FirmwareError extends Error {
  constructor(
    readonly code: 'bad_input' | 'version_exists' | 'too_large' | 'not_found' | 'wrong_vendor',
    message: string,
  ) {
    super(message);
  }
}

export interface NewImage {
  version: string;
  fileName: string;
  /** The vendor whose devices it is for; null/undefined = platform-wide. */
  vendorId?: string | null;
  /** Refused (and nothing kept) beyond this many bytes. */
  maxBytes?: number;
}

const VERSION = /^[\x21-\x7e]{1,64}$/;

export class Firmware {
  readonly #store: Store;
  readonly images: FirmwareImages;
  readonly #engine: TaskEngine;
  readonly #now: () => number;
  readonly #ids: TimeIds;

  constructor(store: Store, images: FirmwareImages, engine: TaskEngine, now: () => number, ids: TimeIds) {
    this.#store = store;
    this.images = images;
    this.#engine = engine;
    this.#now = now;
    this.#ids = ids;
  }

  /** An image from a file on this machine (the CLI). */
  add(file: string, version: string, opts: { vendorId?: string | null } = {}): Promise<FirmwareRow> {
    return this.addStream(createReadStream(file), { version, fileName: basename(file), ...opts });
  }

  /** An image from a stream (an upload): hashed and written as it arrives. */
  async addStream(source: AsyncIterable<Uint8Array>, image: NewImage): Promise<FirmwareRow> {
    const version = image.version.trim();
    if (!VERSION.test(version))
      throw new FirmwareError('bad_input', 'a firmware version is 1 to 64 printable characters, no spaces');
    const fileName = basename(image.fileName.trim());
    if (!fileName || fileName.length > 255)
      throw new FirmwareError('bad_input', 'a file name is 1 to 255 characters');
    if (await this.#store.firmware.byVersion(version))
      throw new FirmwareError('version_exists', `firmware version ${version} exists already`);
    const id = this.#ids.next();
    const max = image.maxBytes ?? Number.POSITIVE_INFINITY;
    const hash = createHash('sha256');
    let size = 0;
    let written = false;
    try {
      await this.images.write(id, source, (chunk) => {
        size += chunk.byteLength;
        if (size > max) throw new FirmwareError('too_large', `a firmware image is at most ${max} bytes`);
        hash.update(chunk);
      });
      written = true;
      if (size === 0) throw new FirmwareError('bad_input', `${fileName} is empty`);
      const row: FirmwareRow = {
        id,
        version,
        size,
        sha256: hash.digest('hex'),
        fileName,
        createdAt: this.#now(),
        vendorId: image.vendorId ?? null,
      };
      await this.#store.firmware.insert(row);
      return row;
    } catch (e) {
      if (written) await this.images.discard(id);
      // Two uploads of one version at once: the second loses at the unique key.
      if (isUniqueViolation(e))
        throw new FirmwareError('version_exists', `firmware version ${version} exists already`);
      throw e;
    }
  }

  /** One T_UPDATE_DEVICE_VERSION task per device (the CLI names the image by version). */
  async rollout(version: string, deviceIds: string[]): Promise<string[]> {
    const fw = await this.#store.firmware.byVersion(version);
    if (!fw) throw new FirmwareError('not_found', `no firmware version ${version}`);
    return this.rolloutImage(fw, deviceIds);
  }

  /**
   * One T_UPDATE_DEVICE_VERSION task per device, recorded as the image's rollout (what
   * progress reads). A vendor's image goes only to that vendor's devices: installing
   * one brand's firmware on another's device would brick it.
   */
  async rolloutImage(fw: FirmwareRow, deviceIds: readonly string[]): Promise<string[]> {
    if (fw.vendorId !== null) {
      for (const id of deviceIds) {
        const d = await this.#store.devices.byId(id);
        if (d?.vendorId !== fw.vendorId)
          throw new FirmwareError(
            'wrong_vendor',
            `device ${d?.sn ?? id} is not a device of the image's vendor`,
          );
      }
    }
    const out: string[] = [];
    for (const d of deviceIds)
      out.push(await this.#engine.enqueueSimple(d, 'T_UPDATE_DEVICE_VERSION', { firmwareId: fw.id }));
    await this.#store.firmwareApi.recordRollout(
      fw.id,
      deviceIds.map((deviceId, i) => ({ deviceId, taskId: out[i]! })),
      this.#now(),
    );
    return out;
  }
}
