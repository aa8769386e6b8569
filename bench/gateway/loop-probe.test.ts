/**
 * loop-probe.mjs in a real Node process: a stall of the process's event loop is found in
 * the window that holds it and not in a window before it, when asked after the fact.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LoopProbe, probeEnv } from './loop-client.js';

const dir = mkdtempSync(join(tmpdir(), 'kaoqin-loop-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Idles, then busy-waits 80 ms (the stall), then idles until killed; says when each began.
const SERVER = `
const say = (m) => process.stdout.write(m + ' ' + Date.now() + '\\n');
say('up');
setTimeout(() => {
  say('stall');
  const end = Date.now() + 80;
  while (Date.now() < end);
  say('free');
}, 300);
setInterval(() => {}, 1000);
`;

describe('loop-probe', () => {
  it('reports the stall of the window that holds it, read afterwards', async () => {
    const probe = new LoopProbe(join(dir, 'loop.sock'));
    const child = spawn(process.execPath, ['-e', SERVER], {
      env: probeEnv(probe.socket),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const times = new Map<string, number>();
      let out = '';
      await new Promise<void>((done, fail) => {
        child.on('exit', (code) => fail(new Error(`exited ${code}`)));
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          out += c;
          for (const line of out.split('\n').slice(0, -1)) {
            const [what, at] = line.split(' ');
            times.set(what!, Number(at));
          }
          if (times.has('free')) done();
        });
      });
      await new Promise((r) => setTimeout(r, 100)); // samples after the stall
      const stalled = await probe.read(times.get('stall')! - 5, times.get('free')! + 50);
      expect(stalled?.count).toBeGreaterThan(0);
      expect(stalled!.maxMs).toBeGreaterThanOrEqual(60);
      expect(stalled!.stallsOver20Ms).toBeGreaterThanOrEqual(1);
      const before = await probe.read(times.get('up')!, times.get('stall')! - 1);
      // Not a timing bound: only that the 80 ms stall is not counted before it began.
      expect(before?.count).toBeGreaterThan(10);
      expect(before!.maxMs).toBeLessThan(60);
    } finally {
      child.kill();
    }
  });
});
