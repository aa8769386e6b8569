/**
 * Our SDK against the conformance kit's device side: the kit plays the platform, a
 * DeviceClient connects to it, and every device check passes; a device that drops its
 * backlog (its queue in memory, lost with a restart during the outage) fails exactly the
 * backlog check.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEVICE_CHECKS, type DeviceSession, KitPlatform, type Report, runChecks } from '@kaoqin/conformance';
import { type Apicode, signAnswer } from '@kaoqin/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceClient, type DeviceClientOptions } from '../src/index.js';

interface Sent {
  apicode?: string;
  taskid?: string;
}
interface Answered {
  version: string;
  success: boolean;
  taskid?: string;
  response?: unknown;
}
/** A new response for the device, or undefined to pass the kit's answer as it is. */
type ChangeResponse = (sent: Sent, response: unknown) => unknown;
type PersonPage = { data: { personId: string; imgUrls: string[] }[]; totalPage: number };

const failed = (r: Report) => r.results.filter((x) => x.verdict === 'fail').map((x) => x.id);

describe('kaoqin conformance device, against our SDK', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  /**
   * An HTTP front between the device and the kit that changes what the device is
   * answered (re-signed): a device that misreads an answer behaves as if it were given
   * the changed one, so this plays a device with that defect.
   */
  async function front(kit: KitPlatform, change: ChangeResponse): Promise<string> {
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const up = await fetch(`${kit.httpBase}${req.url}`, {
        method: req.method ?? 'GET',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
      });
      let body = Buffer.from(await up.arrayBuffer());
      const sent = req.method === 'POST' ? (JSON.parse(Buffer.concat(chunks).toString()) as Sent) : undefined;
      const a = sent ? (JSON.parse(body.toString()) as Answered) : undefined;
      const changed = sent && a?.success && a.response !== undefined ? change(sent, a.response) : undefined;
      if (sent && a && changed !== undefined) {
        const response = JSON.stringify(changed);
        const sign = signAnswer(
          sent.apicode as Apicode,
          { version: a.version, success: true, taskid: a.taskid, response },
          kit.creds.accessSecret,
        );
        body = Buffer.from(JSON.stringify({ ...a, response: changed, sign }));
      }
      // The kit's Date header is its clock (moved by device.clock-skew): passed on as it is.
      res.sendDate = false;
      res.writeHead(up.status, {
        'content-type': up.headers.get('content-type') ?? 'application/json',
        date: up.headers.get('date') ?? new Date().toUTCString(),
      });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    const address = server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async function setUp(opts: Partial<DeviceClientOptions> = {}, change?: ChangeResponse) {
    const kit = await KitPlatform.start({ host: '127.0.0.1', tcpPort: 0, httpPort: 0 });
    cleanup.push(() => kit.stop());
    const httpBaseUrl = change ? await front(kit, change) : kit.httpBase;
    const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-conformance-device-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const options: DeviceClientOptions = {
      identity: { sn: 'SDK-CONFORMANCE-1', ...kit.creds, deviceVersion: 'v1.0.0', deviceIp: '10.0.0.9' },
      endpoints: { tcpHost: '127.0.0.1', tcpPort: kit.tcpPort, httpBaseUrl },
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
      renamed: new Map(),
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

  it("a device that keeps the first page's totalPage fails exactly the roster-change check", {
    timeout: 120_000,
  }, async () => {
    const first = new Map<string, number>();
    const { session } = await setUp({}, (sent, response) => {
      if (sent.apicode !== 'T_SEND_PERSON' || !sent.taskid) return undefined;
      const page = response as PersonPage;
      if (!first.has(sent.taskid)) first.set(sent.taskid, page.totalPage);
      return { ...page, totalPage: first.get(sent.taskid) };
    });
    const r = await runChecks(DEVICE_CHECKS, session, {}, { mode: 'device', timeoutMs: 60_000 });
    expect(failed(r)).toEqual(['device.roster-changes']);
    expect(r.results.find((x) => x.id === 'device.roster-changes')!.reason).toMatch(/pages asked for: 1, 2;/);
  });

  it('a device that keeps a changed photo it was sent fails exactly the update check', {
    timeout: 120_000,
  }, async () => {
    // The device is given each person's first photo again: it never takes the new one.
    const { session } = await setUp({}, (sent, response) => {
      if (sent.apicode !== 'T_UPDATE_DEVICE_PERSON') return undefined;
      const page = response as PersonPage;
      const data = page.data.map((d) => ({
        ...d,
        imgUrls: d.imgUrls.map((u) => u.replace(/-v2\.png$/, '.jpg')),
      }));
      return { ...page, data };
    });
    const r = await runChecks(DEVICE_CHECKS, session, {}, { mode: 'device', timeoutMs: 60_000 });
    expect(failed(r)).toEqual(['device.update-person']);
    expect(r.results.find((x) => x.id === 'device.update-person')!.reason).toMatch(/never downloaded/);
  });
});
