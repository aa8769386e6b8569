import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type HeapNode, summariseHeap } from './heapprofile.js';

const node = (functionName: string, selfSize: number, children: HeapNode[] = []): HeapNode => ({
  callFrame: { functionName, url: '', lineNumber: 0 },
  selfSize,
  children,
});

describe('heap profile summary', () => {
  it('sums self bytes by function and subtree bytes once per function on a path', () => {
    const s = summariseHeap({
      head: node('(root)', 0, [
        node('serve', 10, [node('handler', 100, [node('serve', 5)]), node('parse', 40)]),
        node('parse', 1),
      ]),
    });
    expect(s.totalBytes).toBe(156);
    expect(new Map(s.self)).toEqual(
      new Map([
        ['handler', 100],
        ['parse', 41],
        ['serve', 15],
      ]),
    );
    const incl = new Map(s.inclusive);
    expect(incl.get('(root)')).toBe(156);
    expect(incl.get('serve')).toBe(155); // the inner serve is inside the outer one's subtree
    expect(incl.get('handler')).toBe(105);
    expect(incl.get('parse')).toBe(41);
  });
});

/** Runs a process that allocates for ~0.4 s between the preload's two signals; returns its profile's summary. */
async function profileChild(mode: 'all' | 'survivors'): Promise<Map<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'kaoqin-alloc-'));
  // keep(): 64-byte-ish objects that stay reachable; drop(): as many that die at once.
  const script = `
    const kept = [];
    function keep() { for (let i = 0; i < 2000; i++) kept.push({ a: i, b: 'k' + i, c: [i] }); }
    function drop() { let x; for (let i = 0; i < 2000; i++) x = { a: i, b: 'd' + i, c: [i] }; return x; }
    setInterval(() => { keep(); drop(); }, 5);
  `;
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', join(import.meta.dirname, 'alloc-sample.mjs'), '-e', script],
    {
      env: { ...process.env, KAOQIN_ALLOC_MODE: mode, KAOQIN_ALLOC_DIR: dir, KAOQIN_ALLOC_INTERVAL: '1024' },
    },
  );
  try {
    let err = '';
    const seen = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" in: ${err}`)), 20_000);
        const check = () => {
          if (!err.includes(text)) return;
          clearTimeout(timer);
          child.stderr.off('data', onData);
          resolve();
        };
        const onData = (b: Buffer) => {
          err += b.toString();
          check();
        };
        child.stderr.on('data', onData);
        check();
      });
    await new Promise((r) => setTimeout(r, 300)); // the preload has installed its handler
    child.kill('SIGUSR2');
    await seen('ALLOC started');
    await new Promise((r) => setTimeout(r, 400));
    child.kill('SIGUSR2');
    await seen('ALLOC stopped');
    const s = summariseHeap(JSON.parse(readFileSync(join(dir, 'alloc-1.heapprofile'), 'utf8')));
    return new Map(s.self.map(([k, v]) => [k.split(' ')[0]!, v]));
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('alloc-sample.mjs', () => {
  it('samples every allocation by default, and only what survived a scavenge in survivors mode', async () => {
    const all = await profileChild('all');
    expect(all.get('keep')).toBeGreaterThan(0);
    expect(all.get('drop')).toBeGreaterThan(0);
    // Allocated alike, the two are sampled alike (within the sampling's noise).
    expect(all.get('drop')! / all.get('keep')!).toBeGreaterThan(0.3);

    const survivors = await profileChild('survivors');
    expect(survivors.get('keep')).toBeGreaterThan(0);
    // What drop() allocated died young: at most a few of its objects were caught alive.
    expect(survivors.get('drop') ?? 0).toBeLessThan(survivors.get('keep')! / 10);
  }, 60_000);
});
