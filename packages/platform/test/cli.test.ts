/** The operator CLI as an operator runs it: real processes, exit codes 0 / 1 / 2, --json. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kaoqin, serve } from './helpers/process.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-cli-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const k = (...args: string[]) => kaoqin([...args, '--data-dir', dataDir]);

describe('kaoqin CLI', { timeout: 60_000 }, () => {
  it('creates, lists, rotates and revokes vendors', async () => {
    const created = await k('vendor', 'create', '--name', '海康测试', '--json');
    expect(created.code).toBe(0);
    const v = JSON.parse(created.stdout);
    expect(v).toMatchObject({ name: '海康测试' });
    for (const f of ['accessId', 'accessKey', 'accessSecret']) expect(v[f]).toMatch(/^[0-9a-f]{32}$/);

    const list = JSON.parse((await k('vendor', 'list', '--json')).stdout);
    // Beside the platform's built-in mobile vendor (issue 14), listed like any other.
    expect(list).toEqual([
      expect.objectContaining({ name: '手机考勤', status: 'active' }),
      expect.objectContaining({ accessId: v.accessId, status: 'active', secretVersion: 1 }),
    ]);
    // The secret is never listed.
    expect(JSON.stringify(list)).not.toContain(v.accessSecret);

    const rotated = JSON.parse((await k('vendor', 'rotate', v.accessId, '--json')).stdout);
    expect(rotated.accessSecret).not.toBe(v.accessSecret);
    expect((await k('vendor', 'revoke', v.vendorId, '--json')).code).toBe(0);
    const after = JSON.parse((await k('vendor', 'list', '--json')).stdout) as {
      vendorId: string;
      status: string;
    }[];
    expect(after.find((x) => x.vendorId === v.vendorId)?.status).toBe('revoked');
  });

  it('exits 2 on bad usage and 1 on failure, with a one-line reason', async () => {
    const noName = await k('vendor', 'create');
    expect(noName.code).toBe(2);
    expect(noName.stderr.trim().split('\n')).toHaveLength(1);
    expect((await k('vendor', 'frobnicate')).code).toBe(2);
    expect((await kaoqin(['nonsense'])).code).toBe(2);
    // kaoqin sim hands over to kaoqin-sim (@kaoqin/sim), keeping its usage exit code.
    const sim = await kaoqin(['sim', 'no-such-scenario']);
    expect(sim.code).toBe(2);
    expect(sim.stderr).toMatch(/unknown scenario/);
    expect((await k('attendance', 'list', '--since', 'yesterday')).code).toBe(2);
    expect((await k('vendor', 'list', '--tcp-port', 'abc')).code).toBe(2);
    const missing = await k('vendor', 'revoke', 'no-such-vendor');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no vendor/);
  });

  it('answers <command> --help with its usage and every setting, without running it', async () => {
    // Without a data directory: serve --help must not start a platform (it would not exit).
    const help = await kaoqin(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: kaoqin serve/);
    expect(help.stdout).toMatch(/--max-in-flight-requests +KAOQIN_MAX_IN_FLIGHT_REQUESTS +default 512\n/);
    expect(help.stdout).toMatch(/--tcp-port +KAOQIN_TCP_PORT +default 9100\n/);
    const person = await kaoqin(['person', '-h']);
    expect(person.code).toBe(0);
    expect(person.stdout).toContain('person add --site ID');
    expect(person.stdout).not.toContain('vendor create');
    // conformance takes its own options, not the settings: its own usage.
    const conformance = await kaoqin(['conformance', 'platform', '--help']);
    expect(conformance.code).toBe(0);
    expect(conformance.stdout).toContain('kaoqin conformance platform --tcp HOST:PORT');
    expect(conformance.stdout).not.toContain('--data-dir');
    // After `--`, --help is a word, not an option: the command runs (and fails on it).
    expect((await k('vendor', 'revoke', '--', '--help')).code).toBe(1);
  });

  it('lists devices and attendance a running platform recorded', async () => {
    const v = JSON.parse((await k('vendor', 'create', '--name', 'dev vendor', '--json')).stdout);
    const served = await serve(['--data-dir', dataDir]);
    try {
      const d = await TestDevice.tcp(served.tcpPort, 'CLI-DEV-1', v);
      await d.auth();
      await d.heartbeat({ deviceVersion: 'v9', deviceIp: '10.1.1.1' });
      const t = Date.now() - 5000;
      expect((await d.signIn({ personId: 'p1', type: 1, recordTime: t })).success).toBe(true);
      expect((await d.signIn({ personId: 'p2', type: 32, recordTime: t + 1 })).success).toBe(true);
      d.close();
    } finally {
      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
    }
    const devices = JSON.parse((await k('device', 'list', '--json')).stdout);
    expect(devices).toEqual([
      expect.objectContaining({ sn: 'CLI-DEV-1', deviceVersion: 'v9', deviceIp: '10.1.1.1' }),
    ]);
    const att = JSON.parse((await k('attendance', 'list', '--sn', 'CLI-DEV-1', '--json')).stdout);
    expect(att.map((r: { personId: string }) => r.personId)).toEqual(['p1', 'p2']);
    const later = JSON.parse(
      (
        await k(
          'attendance',
          'list',
          '--sn',
          'CLI-DEV-1',
          '--since',
          new Date(Date.now() + 60_000).toISOString(),
          '--json',
        )
      ).stdout,
    );
    expect(later).toEqual([]);
    expect((await k('attendance', 'list', '--sn', 'NOBODY')).stdout).toMatch(/none/);
  });
});
