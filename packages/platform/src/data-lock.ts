/**
 * One serving process per data directory: the photo log and the presence state assume
 * a single writer. The lock file holds the owner's pid; a lock left by a process that
 * died (kill -9, power loss) is taken over, a live owner's is refused.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class DataDirLocked extends Error {
  override name = 'DataDirLocked';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, 'serve.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(path, { force: true });
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
