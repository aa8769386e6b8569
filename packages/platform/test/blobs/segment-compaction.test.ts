/**
 * Removal from the segment log by compaction (blobs/segment-compact.ts): removed bytes
 * are gone from every file, kept ones survive every step of a crash, reads go on during
 * a swap, and a put of the same bytes during a removal survives it.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CompactionStep,
  openSegmentBlobStore,
  type SegmentBlobStore,
  type SegmentBlobStoreOptions,
  type SegmentStoreLogger,
} from '../../src/blobs/segments.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const same = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined && Buffer.from(a).equals(Buffer.from(b));

/** Every file under dir, read whole. */
async function allFiles(dir: string): Promise<{ name: string; bytes: Buffer }[]> {
  const out: { name: string; bytes: Buffer }[] = [];
  for (const ent of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!ent.isFile()) continue;
    const path = join(ent.parentPath, ent.name);
    out.push({ name: path, bytes: await readFile(path) });
  }
  return out;
}

/** Whether any file under dir still holds a recognisable piece of the photo's bytes. */
async function onDisk(dir: string, photo: Buffer): Promise<boolean> {
  const needle = photo.subarray(200, 264); // 64 random bytes: found only where the photo is
  return (await allFiles(dir)).some((f) => f.bytes.includes(needle));
}

function quiet(): SegmentStoreLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (obj, msg) => lines.push(`${msg} ${JSON.stringify(obj)}`) };
}

describe('segment log removal (compaction)', () => {
  let dir: string;
  let root: string;
  const opened: SegmentBlobStore[] = [];
  const openStore = async (opts: SegmentBlobStoreOptions = {}): Promise<SegmentBlobStore> => {
    const s = await openSegmentBlobStore(root, { segmentBytes: 20_000, ...opts });
    opened.push(s);
    return s;
  };
  const photos = (n: number): Buffer[] => Array.from({ length: n }, () => randomBytes(3000));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaoqin-compact-'));
    root = join(dir, 'photos');
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('removes keys from sealed and active segments: the bytes are gone, the rest reads, before and after reopening', async () => {
    const log = quiet();
    const store = await openStore({ logger: log });
    const all = photos(30);
    await store.putMany(all.map((bytes) => ({ bytes, ext: 'jpg' })));
    // one from the first segment, one from the middle, the last (in the active segment)
    const doomed = [all[0]!, all[14]!, all[29]!];
    const kept = all.filter((p) => !doomed.includes(p));
    const before = (await readdir(join(root, 'segments'))).length;

    const r = await store.remove(doomed.map(sha256));
    expect(r.removed).toBe(3);
    expect(r.segmentsRewritten).toBeGreaterThanOrEqual(3);
    expect(r.bytesFreed).toBe(3 * (64 + 3000));
    for (const p of doomed) {
      expect(await store.has(sha256(p))).toBe(false);
      expect(await store.get(sha256(p))).toBeUndefined();
      expect(await onDisk(root, p)).toBe(false);
    }
    for (const p of kept) expect(same(await store.get(sha256(p)), p)).toBe(true);
    // the active segment was sealed to be compacted: one more file
    expect((await readdir(join(root, 'segments'))).length).toBe(before + 2);
    await store.close();

    const again = await openStore({ logger: log });
    for (const p of kept) expect(same(await again.get(sha256(p)), p)).toBe(true);
    for (const p of doomed) expect(await again.has(sha256(p))).toBe(false);
    // every sidecar was rewritten for its new segment: nothing had to be read again
    expect(log.lines).toEqual([]);
    // removing again, or removing what never was, is a no-op
    expect(await again.remove([...doomed.map(sha256), 'f'.repeat(64), 'not a key'])).toEqual({
      removed: 0,
      segmentsRewritten: 0,
      bytesFreed: 0,
    });
    expect(await again.delete(sha256(kept[0]!))).toBe(true);
    expect(await onDisk(root, kept[0]!)).toBe(false);
  });

  it('deletes a segment left empty, and its sidecar; an orphaned sidecar is removed on open', async () => {
    const store = await openStore();
    const all = photos(12);
    await store.putMany(all.map((bytes) => ({ bytes, ext: 'jpg' })));
    const segs = join(root, 'segments');
    const firstSix = all.slice(0, 6); // the whole of segment 1 (6 × 3064 bytes ≤ 20,000)
    await store.remove(firstSix.map(sha256));
    const names = await readdir(segs);
    expect(names).not.toContain('00000001.seg');
    expect(names).not.toContain('00000001.idx');
    for (const p of all.slice(6)) expect(same(await store.get(sha256(p)), p)).toBe(true);
    await store.close();
    await writeFile(join(segs, '00000001.idx'), 'left by a crash between the two unlinks');
    const again = await openStore();
    expect(await readdir(segs)).not.toContain('00000001.idx');
    for (const p of all.slice(6)) expect(same(await again.get(sha256(p)), p)).toBe(true);
  });

  it('removes every copy of a key: one that failed its check and the fresh copy put after it', async () => {
    const log = quiet();
    const store = await openStore({ logger: log });
    const all = photos(10);
    await store.putMany(all.map((bytes) => ({ bytes, ext: 'jpg' })));
    const victim = all[1]!;
    // rot one byte of its payload in segment 1, read it (forgotten), store it again
    const fh = await open(join(root, 'segments', '00000001.seg'), 'r+');
    const at = 64 + 3000 + 64 + 10;
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, at);
    await fh.write(Buffer.from([b[0]! ^ 0xff]), 0, 1, at);
    await fh.close();
    expect(await store.get(sha256(victim))).toBeUndefined();
    await store.put(victim, 'jpg');
    await store.remove([sha256(victim)]);
    expect(await onDisk(root, victim)).toBe(false);
    for (const p of all.filter((p) => p !== victim)) expect(same(await store.get(sha256(p)), p)).toBe(true);
  });

  it('keeps serving reads while a segment is swapped, and a put of the same bytes during a removal survives it', async () => {
    const log = quiet();
    let reading: Promise<void> | undefined;
    const all = photos(40);
    const doomed = all.slice(0, 20);
    const kept = all.slice(20);
    let store!: SegmentBlobStore;
    let stop = false;
    let reads = 0;
    const readLoop = async (): Promise<void> => {
      while (!stop) {
        for (const p of kept) {
          expect(same(await store.get(sha256(p)), p)).toBe(true);
          reads++;
        }
      }
    };
    store = await openStore({
      logger: log,
      compactionFaults: async (step) => {
        if (step === 'copied' && !reading) reading = readLoop();
        // let reads run into each swap and out of it
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    await store.putMany(all.map((bytes) => ({ bytes, ext: 'jpg' })));
    const again = doomed[3]!;
    const removal = store.remove(doomed.map(sha256));
    // while the removal runs: a put of one of the doomed photos
    await new Promise((r) => setTimeout(r, 1));
    await store.put(again, 'jpg');
    await removal;
    stop = true;
    await reading;
    expect(reads).toBeGreaterThan(kept.length);
    expect(log.lines).toEqual([]);
    expect(same(await store.get(sha256(again)), again)).toBe(true);
    for (const p of doomed.filter((p) => p !== again)) expect(await onDisk(root, p)).toBe(false);
  });

  describe.each<CompactionStep>(['copied', 'swapped', 'indexed'])('a failure at "%s"', (step) => {
    it('loses no kept photo, in the running store or after reopening; removing again finishes the job', async () => {
      const log = quiet();
      const all = photos(30);
      const doomed = [all[2]!, all[9]!, all[16]!];
      const kept = all.filter((p) => !doomed.includes(p));
      let failed = false;
      const store = await openStore({
        logger: log,
        compactionFaults: (s) => {
          if (s === step && !failed) {
            failed = true;
            throw new Error(`injected at ${s}`);
          }
        },
      });
      await store.putMany(all.map((bytes) => ({ bytes, ext: 'jpg' })));
      await expect(store.remove(doomed.map(sha256))).rejects.toThrow(`injected at ${step}`);
      for (const p of kept) expect(same(await store.get(sha256(p)), p)).toBe(true);
      await store.close();

      const again = await openStore({ logger: log });
      for (const p of kept) expect(same(await again.get(sha256(p)), p)).toBe(true);
      expect((await readdir(join(root, 'segments'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      await again.remove(doomed.map(sha256));
      for (const p of doomed) expect(await onDisk(root, p)).toBe(false);
      for (const p of kept) expect(same(await again.get(sha256(p)), p)).toBe(true);
      await again.close();
      const third = await openStore();
      for (const p of kept) expect(same(await third.get(sha256(p)), p)).toBe(true);
    });
  });

  it.each<CompactionStep>(['copied', 'swapped', 'indexed'])(
    'survives the process killed (SIGKILL) at "%s"',
    async (step) => {
      const all = photos(30);
      const doomed = [all[0]!, all[12]!, all[25]!];
      const kept = all.filter((p) => !doomed.includes(p));
      const store = await openStore();
      await store.putMany(all.map((bytes) => ({ bytes, ext: 'jpg' })));
      await store.close();
      opened.length = 0;

      const repo = resolve(fileURLToPath(new URL('../../../..', import.meta.url)));
      const module = pathToFileURL(
        fileURLToPath(new URL('../../src/blobs/segments.ts', import.meta.url)),
      ).href;
      const child = `
        const { openSegmentBlobStore } = await import(${JSON.stringify(module)});
        const store = await openSegmentBlobStore(${JSON.stringify(root)}, {
          segmentBytes: 20000,
          compactionFaults: (s) => { if (s === ${JSON.stringify(step)}) process.kill(process.pid, 'SIGKILL'); },
        });
        await store.remove(${JSON.stringify(doomed.map(sha256))});
        process.exit(3);
      `;
      const code = await new Promise<string>((done) => {
        const proc = spawn(
          process.execPath,
          ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', child],
          { cwd: repo, stdio: 'ignore' },
        );
        proc.on('exit', (c, sig) => done(sig ?? String(c)));
      });
      expect(code).toBe('SIGKILL');

      const again = await openStore({ logger: quiet() });
      for (const p of kept) expect(same(await again.get(sha256(p)), p)).toBe(true);
      await again.remove(doomed.map(sha256));
      for (const p of doomed) expect(await onDisk(root, p)).toBe(false);
      for (const p of kept) expect(same(await again.get(sha256(p)), p)).toBe(true);
      expect((await stat(join(root, 'segments'))).isDirectory()).toBe(true);
    },
    30_000,
  );
});
