/**
 * The embedded BlobStore: content-addressed files under one root directory,
 * root/ab/cd/<sha256 hex>.<ext>. A put resolves only once the bytes survive a power cut:
 * they go to a temp file in the final directory, which is fsync'd, renamed into place,
 * and then the directory is fsync'd (and its parents when they were just created). A
 * final file is therefore always complete, so finding one means the write can be
 * skipped: storing the same bytes twice, or retrying, costs no second copy.
 *
 * putMany is the group commit for photos: the fsyncs of a batch overlap and share the
 * disk's flushes (bench/blobs measures it). One process owns a root: opening a store
 * removes every temp file under it, including those of another process writing there.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ErasableBlobStore } from './types.js';

/**
 * How many files a batch writes, renames or fsyncs at once, by default. fsyncs that
 * overlap share the disk's journal commits; libuv's thread pool (UV_THREADPOOL_SIZE, 4
 * by default) caps the real overlap.
 */
const DEFAULT_CONCURRENCY = 8;
/** Temp files start with a dot, so they never match `<key>.` and are easy to sweep. */
const TEMP_PREFIX = '.tmp-';
const KEY = /^[0-9a-f]{64}$/;
const EXT = /^[a-z0-9]{1,10}$/;
const BUCKET = /^[0-9a-f]{2}$/;

export interface LocalBlobStoreOptions {
  /** Filesystem operations a batch keeps in flight; default 8. */
  concurrency?: number;
}

export async function openLocalBlobStore(
  root: string,
  opts: LocalBlobStoreOptions = {},
): Promise<ErasableBlobStore> {
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  // Absolute and normalized, so that walking up with dirname() meets it exactly.
  root = resolve(root);
  await mkdirDurable(root);
  await sweepTempFiles(root, concurrency);
  return new LocalBlobStore(root, concurrency);
}

type Item = { bytes: Uint8Array; ext: string };

class LocalBlobStore implements ErasableBlobStore {
  readonly #root: string;
  readonly #concurrency: number;
  /** Batches in progress by key: storing bytes already on their way waits for that batch. */
  readonly #inflight = new Map<string, Promise<void>>();
  /** Bucket directories made or found, by path: whether this process made it. */
  readonly #made = new Map<string, Promise<boolean>>();
  /** Bucket directories whose own name is durable in their parent, by path. */
  readonly #named = new Map<string, Promise<void>>();
  #closed = false;

  constructor(root: string, concurrency: number) {
    this.#root = root;
    this.#concurrency = concurrency;
  }

  async put(bytes: Uint8Array, ext: string): Promise<string> {
    const [key] = await this.putMany([{ bytes, ext }]);
    return key!;
  }

  /**
   * Group commit: every temp file is written and fsync'd, then all are renamed, then each
   * directory touched is fsync'd once. The directory fsyncs come after all the renames, so
   * the first commits the journal for the whole batch and the rest find little to do.
   */
  async putMany(items: Item[]): Promise<string[]> {
    this.#checkOpen();
    for (const { ext } of items) {
      if (!EXT.test(ext)) throw new TypeError(`blob ext must match ${EXT}, got ${ext}`);
    }
    const keys = items.map(({ bytes }) => createHash('sha256').update(bytes).digest('hex'));
    // Nothing above awaits, so two batches with the same bytes cannot both miss the map.
    const waits = new Set<Promise<void>>();
    const mine = new Map<string, Item>();
    for (const [i, key] of keys.entries()) {
      const pending = this.#inflight.get(key);
      if (pending) waits.add(pending);
      else if (!mine.has(key)) mine.set(key, items[i]!);
    }
    if (mine.size > 0) {
      const batch = this.#commit(mine);
      const done = (): void => {
        for (const key of mine.keys()) if (this.#inflight.get(key) === batch) this.#inflight.delete(key);
      };
      batch.then(done, done);
      for (const key of mine.keys()) this.#inflight.set(key, batch);
      waits.add(batch);
    }
    await Promise.all(waits);
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

  /**
   * Unlinks every file of the key (whatever its ext) and fsyncs the directory, so the
   * name does not come back after a power cut. A put of the same bytes still in flight is
   * waited for first, so it cannot land after the delete.
   */
  async delete(key: string): Promise<boolean> {
    this.#checkOpen();
    if (!KEY.test(key)) return false;
    await this.#inflight.get(key)?.catch(() => {});
    const dir = this.#dir(key);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.startsWith(`${key}.`));
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
    let removed = false;
    for (const name of names) {
      try {
        await unlink(join(dir, name));
        removed = true;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    if (removed) await fsyncDir(dir);
    return removed;
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

  /**
   * Stores distinct keys durably. An item that fails does not stop the others: they are
   * still made durable, and then the batch rejects with the first error.
   */
  async #commit(batch: Map<string, Item>): Promise<void> {
    const errors: unknown[] = [];
    const settle = <T>(results: PromiseSettledResult<T>[]): T[] => {
      const ok: T[] = [];
      for (const r of results) {
        if (r.status === 'fulfilled') ok.push(r.value);
        else errors.push(r.reason);
      }
      return ok;
    };

    // 1. Each new blob into a temp file of its bucket, fsync'd. A blob already stored is
    // complete (its data was fsync'd before its rename), so it is only fsync'd below
    // with its directory, in case a crashed process left its name not yet durable.
    const staged = settle(
      await eachBounded(this.#concurrency, [...batch], async ([key, { bytes, ext }]) => {
        const dir = this.#dir(key);
        if ((await this.#find(key)) !== undefined) return { dir };
        await this.#makeDir(dir);
        const temp = join(dir, `${TEMP_PREFIX}${key}-${randomBytes(6).toString('hex')}`);
        try {
          const fh = await open(temp, 'wx');
          try {
            await fh.writeFile(bytes);
            await fh.datasync();
          } finally {
            await fh.close();
          }
        } catch (e) {
          await unlink(temp).catch(() => {});
          throw e;
        }
        return { dir, temp, final: join(dir, `${key}.${ext}`) };
      }),
    );

    // 2. Into place. Another process storing the same bytes may win the rename: same bytes.
    const placed = settle(
      await eachBounded(this.#concurrency, staged, async ({ dir, temp, final }) => {
        if (temp !== undefined && final !== undefined) {
          try {
            await rename(temp, final);
          } catch (e) {
            await unlink(temp).catch(() => {});
            throw e;
          }
        }
        return dir;
      }),
    );

    // 3. Each directory once, and the names of buckets this process made.
    settle(
      await eachBounded(this.#concurrency, [...new Set(placed)], (dir) =>
        Promise.all([fsyncDir(dir), this.#nameDurable(dir)]),
      ),
    );
    if (errors.length > 0) throw errors[0];
  }

  /** Makes root/ab and root/ab/cd as needed; once per directory and process. */
  #makeDir(dir: string): Promise<boolean> {
    let made = this.#made.get(dir);
    if (!made) {
      const parent = dirname(dir);
      made = (parent === this.#root ? Promise.resolve(false) : this.#makeDir(parent)).then(() =>
        mkdirOnce(dir),
      );
      this.#made.set(dir, made);
      // A failure (disk full, permissions) is not remembered: the next put tries again.
      made.catch(() => this.#made.delete(dir));
    }
    return made;
  }

  /**
   * Once the directory's name is durable in its parent: the parent is fsync'd if this
   * process made the directory, after the parent's own name, up to the root. A bucket
   * found existing is taken as durable; its maker fsync'd it before storing in it.
   */
  #nameDurable(dir: string): Promise<void> {
    if (dir === this.#root) return Promise.resolve();
    let named = this.#named.get(dir);
    if (!named) {
      const parent = dirname(dir);
      named = (this.#made.get(dir) ?? Promise.resolve(false)).then(async (madeHere) => {
        if (madeHere) await Promise.all([fsyncDir(parent), this.#nameDurable(parent)]);
      });
      this.#named.set(dir, named);
      named.catch(() => this.#named.delete(dir));
    }
    return named;
  }
}

/** Runs fn over items, at most `concurrency` at once, and waits for every one to settle. */
async function eachBounded<T, R>(
  concurrency: number,
  items: T[],
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]!) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** mkdir without recursion: true when this call made it, false when it was there. */
async function mkdirOnce(dir: string): Promise<boolean> {
  try {
    await mkdir(dir);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
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
async function sweepTempFiles(root: string, concurrency: number): Promise<void> {
  const outer = (await readdir(root)).filter((n) => BUCKET.test(n));
  const leaves: string[] = [];
  for (const a of outer) {
    for (const b of await readdirOrEmpty(join(root, a))) if (BUCKET.test(b)) leaves.push(join(root, a, b));
  }
  const results = await eachBounded(concurrency, leaves, async (dir) => {
    for (const name of await readdirOrEmpty(dir)) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      await unlink(join(dir, name)).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    }
  });
  for (const r of results) if (r.status === 'rejected') throw r.reason;
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
