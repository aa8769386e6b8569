import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, open, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeHeader, HEADER_BYTES } from '../../src/blobs/segment-format.js';
import { openSegmentBlobStore, type SegmentStoreLogger } from '../../src/blobs/segments.js';
import type { BlobStore } from '../../src/blobs/types.js';
import { blobStoreSuite } from './blob-store.suite.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'kaoqin-segments-'));
}

blobStoreSuite('segment log', async () => {
  const dir = await tempDir();
  const root = join(dir, 'data', 'blobs');
  return {
    open: () => openSegmentBlobStore(root),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

blobStoreSuite('segment log, 8 KiB segments', async () => {
  const dir = await tempDir();
  const root = join(dir, 'data', 'blobs');
  return {
    open: () => openSegmentBlobStore(root, { segmentBytes: 8 * 1024 }),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

/** A whole record as the store writes it, for planting in files by hand. */
function record(bytes: Buffer, ext = 'jpg'): Buffer {
  const out = Buffer.alloc(HEADER_BYTES + bytes.length);
  encodeHeader(out, 0, createHash('sha256').update(bytes).digest(), ext, bytes.length, crc32(bytes));
  bytes.copy(out, HEADER_BYTES);
  return out;
}

/** A logger that keeps what it is told. */
function recorder(): SegmentStoreLogger & { lines: { obj: object; msg?: string }[]; text(): string } {
  const lines: { obj: object; msg?: string }[] = [];
  return {
    lines,
    warn(obj, msg) {
      lines.push(msg === undefined ? { obj } : { obj, msg });
    },
    text() {
      return lines.map((l) => `${l.msg} ${JSON.stringify(l.obj)}`).join('\n');
    },
  };
}

/** Flips one byte of a file in place. */
async function flipByte(path: string, at: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, at);
    b[0] = b[0]! ^ 0x5a;
    await fh.write(b, 0, 1, at);
  } finally {
    await fh.close();
  }
}

describe('openSegmentBlobStore', () => {
  let dir: string;
  let root: string;
  let segs: string;
  const opened: BlobStore[] = [];
  const openStore = async (opts?: Parameters<typeof openSegmentBlobStore>[1]): Promise<BlobStore> => {
    const s = await openSegmentBlobStore(root, opts);
    opened.push(s);
    return s;
  };
  const seg = (n: number): string => join(segs, `${String(n).padStart(8, '0')}.seg`);
  const idx = (n: number): string => join(segs, `${String(n).padStart(8, '0')}.idx`);
  const files = async (): Promise<string[]> => (await readdir(segs)).sort();

  beforeEach(async () => {
    dir = await tempDir();
    root = join(dir, 'blobs');
    segs = join(root, 'segments');
  });

  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one record per distinct blob, however often and however concurrently it is put', async () => {
    const store = await openStore();
    const bytes = randomBytes(5000);
    const other = randomBytes(700);
    const keys = await Promise.all([
      ...Array.from({ length: 10 }, () => store.put(bytes, 'jpg')),
      store.putMany([
        { bytes, ext: 'jpg' },
        { bytes: Buffer.from(bytes), ext: 'png' },
        { bytes: other, ext: 'bin' },
        { bytes, ext: 'jpg' },
      ]),
      store.put(bytes, 'bin'),
    ]);
    expect(new Set(keys.flat())).toEqual(new Set([sha256(bytes), sha256(other)]));
    await store.put(bytes, 'jpg');
    await store.close();
    expect(await files()).toEqual(['00000001.seg']);
    expect((await stat(seg(1))).size).toBe(2 * HEADER_BYTES + bytes.length + other.length);
    const again = await openStore();
    expect(same(await again.get(sha256(bytes)), bytes)).toBe(true);
    expect(same(await again.get(sha256(other)), other)).toBe(true);
  });

  it('rolls over past segmentBytes, seals each segment with a sidecar, and reads every blob back', async () => {
    const store = await openStore({ segmentBytes: 10_000 });
    const photos = Array.from({ length: 40 }, () => randomBytes(3000));
    const big = randomBytes(25_000);
    for (const bytes of photos.slice(0, 10)) await store.put(bytes, 'jpg');
    await store.put(big, 'bin');
    // one batch spanning several segments
    await store.putMany(photos.slice(10).map((bytes) => ({ bytes, ext: 'jpg' })));
    for (const bytes of [...photos, big]) expect(same(await store.get(sha256(bytes)), bytes)).toBe(true);
    await store.close();

    const names = await files();
    const segNames = names.filter((n) => n.endsWith('.seg'));
    expect(segNames.length).toBeGreaterThan(10);
    expect(names.filter((n) => n.endsWith('.idx'))).toEqual(
      segNames.slice(0, -1).map((n) => n.replace('.seg', '.idx')),
    );
    let total = 0;
    for (const name of segNames) {
      const { size } = await stat(join(segs, name));
      total += size;
      // every segment within bounds, but for the one record larger than a segment
      if (size !== HEADER_BYTES + big.length) expect(size).toBeLessThanOrEqual(10_000);
    }
    expect(total).toBe(photos.length * (HEADER_BYTES + 3000) + HEADER_BYTES + big.length);
  });

  it('reads through a bounded set of open segment files', async () => {
    const store = await openStore({ segmentBytes: 4096, maxOpenSegments: 2 });
    const photos = Array.from({ length: 30 }, () => randomBytes(3000));
    await store.putMany(photos.map((bytes) => ({ bytes, ext: 'jpg' })));
    const got = await Promise.all(photos.map((bytes) => store.get(sha256(bytes))));
    for (const [i, bytes] of photos.entries()) expect(same(got[i], bytes)).toBe(true);
  });

  it('reopens from the sidecars, without reading the sealed segments, plus a read of the active one', async () => {
    const first = await openStore({ segmentBytes: 10_000 });
    const photos = Array.from({ length: 20 }, () => randomBytes(3000));
    await first.putMany(photos.map((bytes) => ({ bytes, ext: 'jpg' })));
    await first.close();
    // Damage the first photo's payload in a sealed segment: only a read of the segment would see it.
    await flipByte(seg(1), HEADER_BYTES + 10);

    const log = recorder();
    const store = await openStore({ segmentBytes: 10_000, logger: log });
    expect(log.lines).toEqual([]);
    const damaged = sha256(photos[0]!);
    expect(await store.has(damaged)).toBe(true);
    for (const bytes of photos.slice(1)) expect(same(await store.get(sha256(bytes)), bytes)).toBe(true);

    // ... which get does, on every read: never served, and forgotten until stored again.
    expect(await store.get(damaged)).toBeUndefined();
    expect(log.text()).toContain('payload checksum mismatch');
    expect(log.text()).toContain(damaged);
    expect(await store.has(damaged)).toBe(false);
    expect(await store.put(photos[0]!, 'jpg')).toBe(damaged);
    expect(same(await store.get(damaged), photos[0]!)).toBe(true);
    await store.close();

    // The fresh copy, later in the log, wins over the damaged one.
    const again = await openStore({ segmentBytes: 10_000, logger: log });
    for (const bytes of photos) expect(same(await again.get(sha256(bytes)), bytes)).toBe(true);
  });

  it('rebuilds a missing, damaged or stale sidecar by reading its segment', async () => {
    const first = await openStore({ segmentBytes: 10_000 });
    const photos = Array.from({ length: 20 }, () => randomBytes(3000));
    await first.putMany(photos.map((bytes) => ({ bytes, ext: 'jpg' })));
    await first.close();
    const original = [await readFile(idx(1)), await readFile(idx(2)), await readFile(idx(3))];

    await unlink(idx(1));
    await flipByte(idx(2), 30);
    await writeFile(idx(3), original[0]!);

    const log = recorder();
    const store = await openStore({ segmentBytes: 10_000, logger: log });
    expect(log.text()).toContain('no sidecar');
    expect(log.text()).toContain('sidecar checksum mismatch');
    expect(log.text()).toContain('sidecar names another segment');
    for (const bytes of photos) expect(same(await store.get(sha256(bytes)), bytes)).toBe(true);
    expect([await readFile(idx(1)), await readFile(idx(2)), await readFile(idx(3))]).toEqual(original);
    expect((await files()).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  describe('cuts a torn tail off the active segment on open, and what came before still reads', () => {
    const torn = randomBytes(4000);
    const whole = record(torn);
    const flipped = (b: Buffer, at: number): Buffer => {
      const c = Buffer.from(b);
      c[at] = c[at]! ^ 1;
      return c;
    };
    const tails: [string, Buffer][] = [
      ['half a header', whole.subarray(0, 30)],
      ['a header without all its payload', whole.subarray(0, whole.length - 100)],
      ['a whole record but for one payload byte', flipped(whole, HEADER_BYTES + 2000)],
      ['a whole record but for one header byte', flipped(whole, 9)],
      ['a good record, then half of one', Buffer.concat([record(randomBytes(100)), whole.subarray(0, 500)])],
      ['blocks of zeros', Buffer.alloc(8192)],
      ['random bytes', randomBytes(3000)],
    ];
    for (const [name, tail] of tails) {
      it(name, async () => {
        const a = randomBytes(2000);
        const b = randomBytes(3000);
        const first = await openStore();
        await first.put(a, 'jpg');
        await first.put(b, 'png');
        await first.close();
        const good = (await stat(seg(1))).size;
        await appendFile(seg(1), tail);

        const log = recorder();
        const store = await openStore({ logger: log });
        const size = (await stat(seg(1))).size;
        if (name.startsWith('a good record')) {
          // the whole record in the tail is real bytes, written whole: kept
          expect(size).toBe(good + 100 + HEADER_BYTES);
        } else {
          expect(size).toBe(good);
        }
        expect(log.text()).toContain('cutting an unacknowledged tail');
        expect(same(await store.get(sha256(a)), a)).toBe(true);
        expect(same(await store.get(sha256(b)), b)).toBe(true);
        expect(await store.has(sha256(torn))).toBe(false);
        await store.put(torn, 'jpg');
        await store.close();

        const quiet = recorder();
        const again = await openStore({ logger: quiet });
        for (const bytes of [a, b, torn]) expect(same(await again.get(sha256(bytes)), bytes)).toBe(true);
        expect(quiet.lines).toEqual([]);
      });
    }
  });

  it('keeps the records after a damaged one in the middle of the active segment', async () => {
    const photos = Array.from({ length: 4 }, () => randomBytes(3000));
    const first = await openStore();
    for (const bytes of photos) await first.put(bytes, 'jpg');
    await first.close();
    const size = (await stat(seg(1))).size;
    const rec = HEADER_BYTES + 3000;
    await flipByte(seg(1), rec + HEADER_BYTES + 5); // payload of the second
    await flipByte(seg(1), 2 * rec + 20); // header of the third

    const log = recorder();
    const store = await openStore({ logger: log });
    expect(log.text()).toContain('damaged records');
    expect(log.text()).not.toContain('cutting');
    expect((await stat(seg(1))).size).toBe(size);
    expect(same(await store.get(sha256(photos[0]!)), photos[0]!)).toBe(true);
    expect(await store.has(sha256(photos[1]!))).toBe(false);
    expect(await store.has(sha256(photos[2]!))).toBe(false);
    expect(same(await store.get(sha256(photos[3]!)), photos[3]!)).toBe(true);
    await store.putMany(photos.map((bytes) => ({ bytes, ext: 'jpg' })));
    await store.close();
    const again = await openStore({ logger: recorder() });
    for (const bytes of photos) expect(same(await again.get(sha256(bytes)), bytes)).toBe(true);
  });

  it('takes no record planted inside a payload for a real one when it searches past damage', async () => {
    // A photo whose bytes hold a well-formed record claiming the key of other bytes.
    const victim = randomBytes(1000);
    const forged = record(randomBytes(1000));
    createHash('sha256').update(victim).digest().copy(forged, 16);
    forged.writeUInt32BE(crc32(forged.subarray(0, 60)), 60);
    const carrier = Buffer.concat([randomBytes(500), forged, randomBytes(500)]);
    const after = randomBytes(800);
    const first = await openStore();
    await first.put(carrier, 'jpg');
    await first.put(after, 'jpg');
    await first.close();
    await flipByte(seg(1), 20); // the carrier's header: the scan must search for the next record

    const store = await openStore({ logger: recorder() });
    expect(await store.has(sha256(victim))).toBe(false);
    expect(await store.has(sha256(carrier))).toBe(false);
    expect(same(await store.get(sha256(after)), after)).toBe(true);
  });

  it('never serves a corrupted byte: get warns and returns undefined, and the bytes can be stored again', async () => {
    const log = recorder();
    const store = await openStore({ logger: log });
    const a = randomBytes(2000);
    const b = randomBytes(2000);
    await store.putMany([
      { bytes: a, ext: 'jpg' },
      { bytes: b, ext: 'jpg' },
    ]);
    await flipByte(seg(1), HEADER_BYTES + 1999); // last byte of a, behind the open store's back
    expect(await store.get(sha256(a))).toBeUndefined();
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]!.obj).toMatchObject({ key: sha256(a), problem: 'payload checksum mismatch' });
    expect(await store.has(sha256(a))).toBe(false);
    expect(same(await store.get(sha256(b)), b)).toBe(true);
    await store.put(a, 'jpg');
    expect(same(await store.get(sha256(a)), a)).toBe(true);
  });

  it('shares one store between openings of the same root in one process, until the last is closed', async () => {
    const a = await openStore();
    const b = await openSegmentBlobStore(`${join(dir, 'x', '..', 'blobs')}/`);
    opened.push(b);
    const bytes = randomBytes(1000);
    const key = await a.put(bytes, 'jpg');
    expect(await b.has(key)).toBe(true);
    await a.close();
    await expect(a.get(key)).rejects.toThrow('closed');
    expect(same(await b.get(key), bytes)).toBe(true);
    expect(await b.put(randomBytes(10), 'bin')).toMatch(/^[0-9a-f]{64}$/);
    await b.close();
    const c = await openStore();
    expect(same(await c.get(key), bytes)).toBe(true);
  });

  it('refuses a segmentBytes or maxOpenSegments that is not a positive integer', async () => {
    for (const opts of [
      { segmentBytes: 0 },
      { segmentBytes: 1.5 },
      { maxOpenSegments: 0 },
      { maxOpenSegments: -1 },
    ]) {
      await expect(openSegmentBlobStore(root, opts)).rejects.toThrow(RangeError);
    }
  });

  it('keeps every acknowledged blob when the process is killed (SIGKILL) mid-append, again and again', async () => {
    const repo = resolve(fileURLToPath(new URL('../../../..', import.meta.url)));
    const module = pathToFileURL(fileURLToPath(new URL('../../src/blobs/segments.ts', import.meta.url))).href;
    // Three writers at once, in batches of varied size: acknowledged keys go to stdout. A
    // kill mid-writev is rare (the child spends its time in fsync), so torn tails are the
    // business of the tests above; this one checks the promise end to end.
    const child = `
      const { randomBytes } = await import('node:crypto');
      const { openSegmentBlobStore } = await import(process.env.SEG_MODULE);
      const store = await openSegmentBlobStore(process.env.SEG_ROOT, { segmentBytes: 1 << 20 });
      const writer = async () => {
        for (;;) {
          const n = 1 + Math.floor(Math.random() * 60);
          const items = Array.from({ length: n }, () => ({ bytes: randomBytes(1000 + Math.floor(Math.random() * 60000)), ext: 'jpg' }));
          const keys = await store.putMany(items);
          process.stdout.write(keys.join('\\n') + '\\n');
        }
      };
      await Promise.all([writer(), writer(), writer()]);
    `;
    const acked: string[] = [];
    for (const killAfter of [150, 400, 700]) {
      const proc = spawn(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', child],
        {
          cwd: repo,
          env: { ...process.env, SEG_ROOT: root, SEG_MODULE: module },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      // A child that hangs is killed too, and fails the count below.
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      try {
        let out = '';
        let err = '';
        proc.stderr.on('data', (c: Buffer) => {
          err += c.toString();
        });
        const exited = new Promise<void>((done) => proc.once('exit', () => done()));
        const start = acked.length;
        proc.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const lines = out.split('\n');
          out = lines.pop()!;
          acked.push(...lines);
          if (acked.length - start >= killAfter) proc.kill('SIGKILL');
        });
        await exited;
        expect(proc.signalCode, err).toBe('SIGKILL');
        expect(acked.length - start, err).toBeGreaterThanOrEqual(killAfter);
      } finally {
        clearTimeout(timer);
        // never left running, whatever went wrong above
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      }

      const log = recorder();
      const store = await openSegmentBlobStore(root, { logger: log, segmentBytes: 1 << 20 });
      try {
        for (const key of acked) {
          const bytes = await store.get(key);
          expect(bytes && sha256(bytes), key).toBe(key);
        }
        // only a torn tail, never damage in the middle
        expect(log.text()).not.toContain('damaged');
      } finally {
        await store.close();
      }
    }
  }, 60_000);
});
