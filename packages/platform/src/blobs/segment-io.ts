/** File-system steps of the segment store, each durable where it must be. */
import { type FileHandle, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Entry, encodeSidecar, sidecarName } from './segment-format.js';
import { TEMP_SUFFIX, WRITE_CHUNK_BYTES } from './segment-limits.js';

/**
 * Writes bufs at pos with positional writevs of about WRITE_CHUNK_BYTES each. One writev
 * of a whole 50 MB batch took 60-110 ms into the page cache on the benchmark VM; 1 MiB
 * writevs took 12-15 ms for the same bytes (bigger ones, from 4 MiB, turn slow again), and
 * fifty syscalls cost nothing next to the one fsync that follows.
 */
export async function writevAt(
  fh: FileHandle,
  bufs: Uint8Array[],
  pos: number,
  total: number,
  name: string,
): Promise<void> {
  let run: Uint8Array[] = [];
  let runBytes = 0;
  let written = 0;
  const flush = async (): Promise<void> => {
    // libuv resumes short writes and splits past IOV_MAX; what still comes back short failed.
    const { bytesWritten } = await fh.writev(run, pos + written);
    if (bytesWritten !== runBytes) {
      throw new Error(`short write to ${name}: ${written + bytesWritten} of ${total} bytes`);
    }
    written += runBytes;
    run = [];
    runBytes = 0;
  };
  for (const buf of bufs) {
    for (let at = 0; at < buf.byteLength; ) {
      const n = Math.min(buf.byteLength - at, WRITE_CHUNK_BYTES - runBytes);
      run.push(at === 0 && n === buf.byteLength ? buf : buf.subarray(at, at + n));
      runBytes += n;
      at += n;
      if (runBytes >= WRITE_CHUNK_BYTES) await flush();
    }
  }
  if (runBytes > 0) await flush();
}

/** The sidecar of a sealed segment, via a temp file fsync'd then renamed; the caller fsyncs the directory. */
export async function writeSidecar(dir: string, seg: number, size: number, entries: Entry[]): Promise<void> {
  const final = join(dir, sidecarName(seg));
  const temp = `${final}${TEMP_SUFFIX}`;
  const fh = await open(temp, 'w');
  try {
    await fh.writeFile(encodeSidecar(seg, size, entries));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, final);
}

/** mkdir -p, then fsync the parent of every directory it made, so the new path is durable. */
export async function mkdirDurable(path: string): Promise<void> {
  const first = await mkdir(path, { recursive: true });
  if (first === undefined) return;
  for (let p = path; ; p = dirname(p)) {
    await fsyncDir(dirname(p));
    if (p === first || dirname(p) === p) break;
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function unlinkIfThere(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

export function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}
