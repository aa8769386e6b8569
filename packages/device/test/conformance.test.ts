/**
 * Our SDK against the conformance kit's device side: the kit plays the platform, a
 * DeviceClient connects to it, and every device check passes; a device that drops its
 * backlog (its queue in memory, lost with a restart during the outage) fails exactly the
 * backlog check.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEVICE_CHECKS, type DeviceSession, KitPlatform, type Report, runChecks } from '@kaoqin/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceClient, type DeviceClientOptions } from '../src/index.js';

const failed = (r: Report) => r.results.filter((x) => x.verdict === 'fail').map((x) => x.id);

describe('kaoqin conformance device, against our SDK', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setUp(opts: Partial<DeviceClientOptions> = {}) {
    const kit = await KitPlatform.start({ host: '127.0.0.1', tcpPort: 0, httpPort: 0 });
    cleanup.push(() => kit.stop());
    const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-conformance-device-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const options: DeviceClientOptions = {
      identity: { sn: 'SDK-CONFORMANCE-1', ...kit.creds, deviceVersion: 'v1.0.0', deviceIp: '10.0.0.9' },
      endpoints: { tcpHost: '127.0.0.1', tcpPort: kit.tcpPort, httpBaseUrl: kit.httpBase },
      dataDir,
      heartbeatMs: 1000,
      backoff: { baseMs: 100, maxMs: 1000 },
      ...opts,
    };
    let device = new DeviceClient(options);
    await device.start();
    cleanup.push(() => device.stop());
    const session: DeviceSession = {
      kit,
      waitMs: 20_000,
      personIds: [],
      failedPersons: [],
      hook: {
        async clockIn(personId) {
          await device.clockIn({ personId, type: 1 });
        },
      },
    };
    return {
      kit,
      session,
      /** Stops the device and starts it again, on `version` when given (a firmware update). */
      restart: async (version?: string) => {
        await device.stop();
        if (version) options.identity = { ...options.identity, deviceVersion: version };
        device = new DeviceClient(options);
        await device.start();
      },
    };
  }

  it('passes every device check', { timeout: 120_000 }, async () => {
    const installed: string[] = [];
    // Installing is restarting on the new image: the device comes back with its version.
    let restartAs: ((version: string) => Promise<void>) | undefined;
    const { session, restart } = await setUp({
      firmwareInstaller: async (image) => {
        installed.push(image.version);
        setTimeout(() => void restartAs?.(image.version), 100);
      },
    });
    restartAs = restart;
    const r = await runChecks(
      DEVICE_CHECKS,
      session,
      { device: 'SDK-CONFORMANCE-1' },
      { mode: 'device', timeoutMs: 60_000 },
    );
    expect(
      failed(r),
      JSON.stringify(
        r.results.filter((x) => x.verdict === 'fail'),
        null,
        1,
      ).slice(0, 3000),
    ).toEqual([]);
    expect(r.summary.pass).toBe(DEVICE_CHECKS.length);
    // The firmware step took the installing path (status 1), not "not supported".
    expect(installed).toHaveLength(1);
  });

  it('a device that loses what it queued offline fails exactly the backlog check', {
    timeout: 120_000,
  }, async () => {
    // The queue in process memory, and the device restarted while the platform is away:
    // what it held is gone, as on a device without durable storage.
    const { session, restart } = await setUp({ queue: { path: ':memory:' } });
    const hook = session.hook!;
    session.hook = {
      async clockIn(personId) {
        await hook.clockIn(personId);
        if (personId === session.personIds[5]) await restart();
      },
    };
    const r = await runChecks(
      DEVICE_CHECKS,
      session,
      { device: 'SDK-CONFORMANCE-1' },
      { mode: 'device', timeoutMs: 60_000 },
    );
    expect(failed(r)).toEqual(['device.backlog']);
    expect(r.results.find((x) => x.id === 'device.backlog')!.reason).toMatch(/never arrived/);
  });
});
