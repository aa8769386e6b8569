import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLocked, lockDataDir } from '../src/data-lock.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kaoqin-lock-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('data directory lock', () => {
  it('is refused while a live process holds it, and free once released', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeFile(join(dir, 'serve.lock'), `${sleeper.pid}\n`);
      await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLocked);
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
    }
    // The holder died without releasing: its lock is taken over.
    const release = await lockDataDir(dir);
    expect((await readFile(join(dir, 'serve.lock'), 'utf8')).trim()).toBe(String(process.pid));
    await release();
    await (await lockDataDir(dir))();
  });
});
