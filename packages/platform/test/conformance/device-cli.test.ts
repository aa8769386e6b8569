/**
 * `kaoqin conformance device` as a vendor runs it: the kit listens and prints the
 * credentials and addresses to configure the device with; our SDK, configured so,
 * passes every step it can take without a device hook, the clock-in steps are reported
 * "not run", and the JSON report says so.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from '@kaoqin/conformance';
import { DeviceClient } from '@kaoqin/device';
import { expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

it('checks our SDK through the CLI, step by step', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kaoqin-conformance-device-cli-'));
  const report = join(dir, 'report.json');
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      CLI,
      'conformance',
      'device',
      '--listen',
      '127.0.0.1:0,0',
    ].concat(['--wait-seconds', '20', '--report', report]),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let device: DeviceClient | undefined;
  try {
    let err = '';
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const banner = await new Promise<RegExpExecArray>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no banner: ${err}`)), 30_000);
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        const m =
          /tcp:\/\/127\.0\.0\.1:(\d+)\s+(http:\/\/\S+)\/api\/device\naccessId (\w+)\naccessKey (\w+)\naccessSecret (\w+)/.exec(
            err,
          );
        if (m) {
          clearTimeout(t);
          resolve(m);
        }
      });
    });
    device = new DeviceClient({
      identity: {
        sn: 'SDK-CLI-1',
        accessId: banner[3]!,
        accessKey: banner[4]!,
        accessSecret: banner[5]!,
        deviceVersion: 'v1.0.0',
        deviceIp: '10.0.0.8',
      },
      endpoints: { tcpHost: '127.0.0.1', tcpPort: Number(banner[1]), httpBaseUrl: banner[2]! },
      dataDir: dir,
      heartbeatMs: 1000,
    });
    await device.start();
    expect(await exited, err).toBe(0);
    const r = JSON.parse(await readFile(report, 'utf8')) as Report;
    expect(r.mode).toBe('device');
    const verdicts = Object.fromEntries(r.results.map((x) => [x.id, x.verdict]));
    expect(verdicts).toEqual({
      'device.auth': 'pass',
      'device.heartbeat': 'pass',
      'device.token-lapse': 'pass',
      'device.person-pages': 'pass',
      'device.status-report': 'pass',
      'device.sign-in': 'not-run',
      'device.backlog': 'not-run',
      'device.firmware': 'pass',
      'device.update-person': 'pass',
      'device.roster-changes': 'pass',
      'device.delete': 'pass',
      'device.reconcile': 'pass',
      'device.clear': 'pass',
      'device.clock-skew': 'pass',
    });
    expect(out).toMatch(/12 passed, 0 failed, 2 not run/);
    expect(JSON.stringify(r)).not.toContain(banner[5]!);
  } finally {
    await device?.stop();
    child.kill();
    await rm(dir, { recursive: true, force: true });
  }
});
