import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLocked, lockDataDir } from '../src/data-lock.js';
import { createLogger, loadConfig, startPlatform } from '../src/index.js';
import { SQLITE_FILE } from '../src/store/sqlite.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kaoqin-lock-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A platform's config on this data dir, ports chosen by the OS unless given. */
function configOn(dataDir: string, settings: Record<string, string> = {}) {
  return loadConfig(
    {
      'data-dir': dataDir,
      'tcp-port': '0',
      'http-port': '0',
      host: '127.0.0.1',
      'log-level': 'silent',
      ...settings,
    },
    {},
  );
}

/** Handles that outlive a call: servers, sockets, open files (not timers or one-off fs requests). */
const lasting = (): string[] =>
  process
    .getActiveResourcesInfo()
    .filter((r) => r !== 'Timeout' && r !== 'Immediate' && !r.startsWith('FSReq'));

async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (typeof addr !== 'object' || !addr) throw new Error('no address');
  return { server, port: addr.port };
}

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

  it('is refused to a second holder in this same process, even one asking at the same moment', async () => {
    const [first, second] = await Promise.allSettled([lockDataDir(dir), lockDataDir(dir)]);
    expect(first.status).toBe('fulfilled');
    expect(second.status === 'rejected' && second.reason).toBeInstanceOf(DataDirLocked);
    await expect(lockDataDir(join(dir, '.'))).rejects.toBeInstanceOf(DataDirLocked);
    if (first.status === 'fulfilled') await first.value();
    await (await lockDataDir(dir))();
  });
});

describe('platform boot and the lock', () => {
  it('a second platform on the same data dir fails on the lock before it touches the store', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-boot-'));
    const first = await startPlatform(configOn(dataDir), createLogger('silent'));
    try {
      // Were the store opened first, this unreachable database would be the error.
      const second = configOn(dataDir, { 'database-url': 'postgres://kaoqin@127.0.0.1:1/never' });
      await expect(startPlatform(second, createLogger('silent'))).rejects.toBeInstanceOf(DataDirLocked);
      expect(await first.data.store.ping()).toBeUndefined();
    } finally {
      await first.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a boot that fails after opening the store closes everything it opened and releases the lock', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-boot-'));
    const taken = await listening();
    try {
      const before = lasting();
      // The gateway listens, then the HTTP port is taken: store, photo log and gateway are open by then.
      const failing = configOn(dataDir, { 'http-port': String(taken.port) });
      await expect(startPlatform(failing, createLogger('silent'))).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
      expect(lasting()).toEqual(before);
      expect(existsSync(join(dataDir, 'serve.lock'))).toBe(false);
      // SQLite removes its write-ahead log when the last connection closes.
      expect(existsSync(join(dataDir, `${SQLITE_FILE}-wal`))).toBe(false);
      const again = await startPlatform(configOn(dataDir), createLogger('silent'));
      await again.stop();
    } finally {
      taken.server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
