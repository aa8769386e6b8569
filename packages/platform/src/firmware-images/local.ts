/**
 * Firmware images as files in dataDir/firmware (the single-machine default): streamed
 * to `<id>.part` while inspected, fsync'd, then renamed to `<id>.bin`, so a file under
 * its final name is always whole.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FirmwareImages, OpenImage } from './types.js';

export class LocalFirmwareImages implements FirmwareImages {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  pathOf(id: string): string {
    return join(this.#dir, `${id}.bin`);
  }

  async write(
    id: string,
    source: AsyncIterable<Uint8Array>,
    inspect: (chunk: Uint8Array) => void,
  ): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const part = join(this.#dir, `${id}.part`);
    try {
      const fh = await open(part, 'wx');
      try {
        for await (const chunk of source) {
          inspect(chunk);
          await fh.write(chunk);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(part, this.pathOf(id));
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
  }

  open(id: string): Promise<OpenImage | undefined> {
    return openImageFile(this.pathOf(id));
  }

  async discard(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }

  async close(): Promise<void> {}
}

/** A regular file opened as an image; undefined when it is missing or not a file. */
export async function openImageFile(path: string): Promise<OpenImage | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    // Gone between the catalogue and the disk: the same answer as an unknown id.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  // The open file's own size, not the catalogue's: it is what a read will stream.
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    return undefined;
  }
  return {
    size: stat.size,
    storedAt: Math.floor(stat.mtimeMs),
    // The stream closes the handle when it ends, fails, or is destroyed (client gone).
    read: (start, end) => handle.createReadStream({ start, end }),
    close: () => handle.close(),
  };
}
