/**
 * One serving process per data directory: the photo log and the presence state assume
 * a single writer. The lock file holds the owner's pid; a lock left by a process that
 * died (kill -9, power loss) is taken over, a live owner's is refused.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export class DataDirLocked extends Error {
  override name = 'DataDirLocked';
}

/**
 * Lock files this process holds. The file's pid alone cannot tell a second platform in
 * this process (tests, an embedding) from a file left by an earlier process that had the
 * same pid (pid 1 in every container): the first is refused, the second taken over.
 */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = resolve(join(dataDir, 'serve.lock'));
  if (held.has(path)) throw new DataDirLocked(`this process already serves ${dataDir}`);
  held.add(path); // before any await: two starts in this process must not both get past here
  try {
    await take(dataDir, path);
  } catch (e) {
    held.delete(path);
    throw e;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await rm(path, { force: true });
    held.delete(path);
  };
}

async function take(dataDir: string, path: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new DataDirLocked(`another kaoqin serve (pid ${owner}) is using ${dataDir}`);
    }
    await rm(path, { force: true }); // the owner is gone: take the lock over
  }
  throw new DataDirLocked(`could not lock ${dataDir}`);
}
