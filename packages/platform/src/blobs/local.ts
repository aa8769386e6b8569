/**
 * The embedded BlobStore: content-addressed files under one root directory,
 * root/ab/cd/<sha256 hex>.<ext>. A put resolves only once the bytes survive a power cut:
 * they go to a temp file in the final directory, which is fsync'd, renamed into place,
 * and then the directory is fsync'd (and its parents when they were just created). A
 * final file is therefore always complete, so finding one means the write can be
 * skipped: storing the same bytes twice, or retrying, costs no second copy.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BlobStore } from './types.js';

/** How many writes putMany keeps in flight; fsyncs overlap, so the disk commits them together. */
const PUT_MANY_CONCURRENCY = 8;
/** Temp files start with a dot, so they never match `<key>.` and are easy to sweep. */
const TEMP_PREFIX = '.tmp-';
const KEY = /^[0-9a-f]{64}$/;
const EXT = /^[a-z0-9]{1,10}$/;
const BUCKET = /^[0-9a-f]{2}$/;

export async function openLocalBlobStore(root: string): Promise<BlobStore> {
  await mkdirDurable(root);
  await sweepTempFiles(root);
  return new LocalBlobStore(root);
}

class LocalBlobStore implements BlobStore {
  readonly #root: string;
  /** Writes in progress by key: a second put of the same bytes waits for the first. */
  readonly #inflight = new Map<string, Promise<string>>();
  /** Bucket directories known to exist durably (or being made so), by path. */
  readonly #dirs = new Map<string, Promise<void>>();
  #closed = false;

  constructor(root: string) {
    this.#root = root;
  }

  async put(bytes: Uint8Array, ext: string): Promise<string> {
    this.#checkOpen();
    if (!EXT.test(ext)) throw new TypeError(`blob ext must match ${EXT}, got ${ext}`);
    const key = createHash('sha256').update(bytes).digest('hex');
    // Nothing above awaits, so two puts of the same bytes cannot both miss the map.
    let write = this.#inflight.get(key);
    if (!write) {
      write = this.#store(key, bytes, ext).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, write);
    }
    return write;
  }

  async putMany(items: { bytes: Uint8Array; ext: string }[]): Promise<string[]> {
    const keys = new Array<string>(items.length);
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (!failed && next < items.length) {
        const i = next++;
        const item = items[i]!;
        try {
          keys[i] = await this.put(item.bytes, item.ext);
        } catch (e) {
          failed = true;
          throw e;
        }
      }
    };
    const workers = Array.from({ length: Math.min(PUT_MANY_CONCURRENCY, items.length) }, worker);
    // allSettled first: when one fails, the others' writes still finish before we reject,
    // so nothing is left writing behind the caller's back.
    const results = await Promise.allSettled(workers);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    return keys;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    if (!KEY.test(key)) return undefined;
    const name = await this.#find(key);
    if (name === undefined) return undefined;
    try {
      return await readFile(join(this.#dir(key), name));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async has(key: string): Promise<boolean> {
    this.#checkOpen();
    if (!KEY.test(key)) return false;
    return (await this.#find(key)) !== undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#inflight.values()]);
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('blob store is closed');
  }

  #dir(key: string): string {
    return join(this.#root, key.slice(0, 2), key.slice(2, 4));
  }

  /** The stored file's name for key (any ext: the first one stored wins), if there is one. */
  async #find(key: string): Promise<string | undefined> {
    let names: string[];
    try {
      names = await readdir(this.#dir(key));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    const prefix = `${key}.`;
    return names.find((n) => n.startsWith(prefix));
  }

  async #store(key: string, bytes: Uint8Array, ext: string): Promise<string> {
    const dir = this.#dir(key);
    if ((await this.#find(key)) !== undefined) {
      // Complete (data is fsync'd before the rename), but a process that crashed between
      // its rename and its directory fsync leaves the name itself not yet durable.
      await fsyncDir(dir);
      return key;
    }
    await this.#ensureDir(dir);
    const temp = join(dir, `${TEMP_PREFIX}${key}-${randomBytes(6).toString('hex')}`);
    try {
      const fh = await open(temp, 'wx');
      try {
        await fh.writeFile(bytes);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(temp, join(dir, `${key}.${ext}`));
    } catch (e) {
      await unlink(temp).catch(() => {});
      throw e;
    }
    await fsyncDir(dir);
    return key;
  }

  /** Makes root/ab and root/ab/cd, fsyncing each parent that gains an entry; once per process. */
  #ensureDir(dir: string): Promise<void> {
    let made = this.#dirs.get(dir);
    if (!made) {
      const parent = dirname(dir);
      const parentMade = parent === this.#root ? Promise.resolve() : this.#ensureDir(parent);
      made = parentMade.then(() => mkdirOnce(dir));
      this.#dirs.set(dir, made);
      // A failure (disk full, permissions) is not remembered: the next put tries again.
      made.catch(() => this.#dirs.delete(dir));
    }
    return made;
  }
}

/** mkdir without recursion; when this call made the directory, its parent is fsync'd. */
async function mkdirOnce(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  await fsyncDir(dirname(dir));
}

/** mkdir -p, then fsync the parent of every directory it made, so the new path is durable. */
async function mkdirDurable(path: string): Promise<void> {
  const first = await mkdir(path, { recursive: true });
  if (first === undefined) return;
  for (let p = path; ; p = dirname(p)) {
    await fsyncDir(dirname(p));
    if (p === first || dirname(p) === p) break;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Removes temp files that a crash left behind. It lists every bucket, so opening a store
 * costs time in proportion to the number of stored files.
 */
async function sweepTempFiles(root: string): Promise<void> {
  const outer = (await readdir(root)).filter((n) => BUCKET.test(n));
  const leaves: string[] = [];
  for (const a of outer) {
    for (const b of await readdirOrEmpty(join(root, a))) if (BUCKET.test(b)) leaves.push(join(root, a, b));
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < leaves.length) {
      const dir = leaves[next++]!;
      for (const name of await readdirOrEmpty(dir)) {
        if (!name.startsWith(TEMP_PREFIX)) continue;
        await unlink(join(dir, name)).catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
      }
    }
  };
  await Promise.all(Array.from({ length: PUT_MANY_CONCURRENCY }, worker));
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    // ENOTDIR: a stray file named like a bucket is not ours to judge.
    if (isNotFound(e) || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}
