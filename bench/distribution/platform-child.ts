/**
 * The platform under test, in its own process: startPlatform with a fresh data dir
 * (SQLite, local photo files), ports chosen by the OS, logging off unless
 * KAOQIN_LOG_LEVEL says otherwise. It creates a vendor, says `ready` with its ports and
 * the credentials, then runs the harness's enrolment commands (messages.ts). It stops the
 * platform and exits when the harness closes the channel.
 *
 * Config: BENCH_DISTRIBUTION_PLATFORM (JSON, PlatformChildConfig).
 */
import { createLogger, loadConfig, type Platform, startPlatform } from '@kaoqin/platform';
import { idNumberOf, makePhoto, sha256Hex } from '@kaoqin/testkit';
import { exitWhenParentGoes, serve } from '../lib/ipc.js';
import {
  type ChildHello,
  epochNow,
  type PlatformChildConfig,
  type PlatformCommands,
  type PrepareResult,
} from './messages.js';

type NewPerson = Parameters<Platform['data']['persons']['add']>[0];
type PersonRow = Awaited<ReturnType<Platform['data']['persons']['addMany']>>[number];

const OPEN_STATES = new Set(['queued', 'offered', 'fetched']);
/** Persons per addMany call while preparing. */
const PREP_CHUNK = 100;
/** sharp encodes at once while making the photos (sharp runs them in its own threads). */
const PHOTO_CONCURRENCY = 4;

function send(m: ChildHello): void {
  if (process.connected) process.send!(m);
}

/** A valid, distinct ID number per person number: 17 digits and X. */

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_DISTRIBUTION_PLATFORM ?? '') as PlatformChildConfig;
  const config = loadConfig(
    {
      'data-dir': cfg.dataDir,
      'tcp-port': '0',
      'http-port': '0',
      host: '127.0.0.1',
      'log-level': process.env.KAOQIN_LOG_LEVEL ?? 'silent',
      'face-detector': 'off', // synthetic pictures, no faces
      'device-face-capacity': String(cfg.faceCapacity),
    },
    process.env,
  );
  const platform = await startPlatform(config, createLogger(config.logLevel));
  const creds = await platform.data.vendors.create('bench-distribution');
  const { persons, devices } = platform.data;

  let siteId: string | undefined;
  const deviceIds = new Map<string, string>();
  let wave: PersonRow[] = [];
  const singles: NewPerson[] = [];
  const site = (): string => {
    if (!siteId) throw new Error('bind first');
    return siteId;
  };
  const input = (n: number, photo: Buffer): NewPerson => ({
    siteId: site(),
    name: `工人${n}`,
    idNumber: idNumberOf(n),
    photos: [photo],
  });

  serve<PlatformCommands>({
    async bind({ sns }) {
      siteId = (await persons.createSite('bench-distribution site')).id;
      const missing: string[] = [];
      for (const sn of sns) {
        const d = await devices.find(creds.vendorId, sn);
        if (!d) {
          missing.push(sn);
          continue;
        }
        deviceIds.set(sn, d.id);
        await persons.bindDevice(d.id, siteId);
      }
      return { siteId, missing };
    },

    async prepare({ persons: count, singles: singleCount }): Promise<PrepareResult> {
      // Setup only: nothing here is timed. First every photo (PHOTO_CONCURRENCY sharp
      // encodes at a time), then the persons in addMany calls of PREP_CHUNK,
      // prepConcurrency of them in flight.
      const started = epochNow();
      const total = count + singleCount;
      const photos: Buffer[] = new Array(total);
      let made = 0;
      await Promise.all(
        Array.from({ length: PHOTO_CONCURRENCY }, async () => {
          while (made < total) {
            const n = made++;
            photos[n] = await makePhoto(n);
          }
        }),
      );
      const generateMs = epochNow() - started;
      const keys = new Set(photos.map(sha256Hex));
      if (keys.size !== total) throw new Error(`${total - keys.size} photos repeat another`);
      const sizes = photos.map((p) => p.length);

      const enrolStarted = epochNow();
      const chunks: PersonRow[][] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.max(1, cfg.prepConcurrency) }, async () => {
          while (next < count) {
            const from = next;
            const to = Math.min(count, from + PREP_CHUNK);
            next = to;
            const inputs: NewPerson[] = [];
            for (let n = from; n < to; n++) inputs.push(input(n, photos[n]!));
            chunks[from / PREP_CHUNK] = await persons.addMany(inputs);
          }
        }),
      );
      wave = chunks.flat();
      singles.length = 0;
      for (let i = 0; i < singleCount; i++) singles.push(input(count + i, photos[count + i]!));
      return {
        personIds: wave.map((p) => p.id),
        singles: singles.length,
        photoBytesTotal: sizes.reduce((a, b) => a + b, 0),
        photoBytesMin: total ? Math.min(...sizes) : 0,
        photoBytesMax: total ? Math.max(...sizes) : 0,
        generateMs,
        enrolMs: epochNow() - enrolStarted,
      };
    },

    async distribute() {
      const t0 = epochNow();
      const out = await persons.distribute(site(), wave);
      const callMs = epochNow() - t0;
      const enq = [...out.values()];
      return {
        t0,
        callMs,
        tasks: enq.filter((e) => e.taskId !== undefined).length,
        refused: enq.reduce((a, e) => a + e.refused.length, 0),
      };
    },

    async addOne({ index }) {
      const one = singles[index];
      if (!one) throw new Error(`no single person ${index} (prepare made ${singles.length})`);
      const t0 = epochNow();
      const { person, devices: out } = await persons.add(one);
      const callMs = epochNow() - t0;
      const enq = [...out.values()];
      return {
        t0,
        callMs,
        personId: person.id,
        tasks: enq.filter((e) => e.taskId !== undefined).length,
        refused: enq.reduce((a, e) => a + e.refused.length, 0),
      };
    },

    async check({ sns }) {
      const store = platform.data.store;
      const out = [];
      for (const sn of sns) {
        const id = deviceIds.get(sn) ?? (await devices.find(creds.vendorId, sn))?.id;
        if (!id) throw new Error(`no device ${sn}`);
        const counts = await store.distribution.counts(id);
        const fields = await store.deviceTasks.taskFields(id);
        const tasks = await store.tasks.listForDevice(id, 100_000);
        out.push({
          sn,
          states: Object.fromEntries(Object.entries(counts).filter(([, v]) => v > 0)),
          reportedPersonCount: fields?.reportedPersonCount ?? null,
          reportedFaceCount: fields?.reportedFaceCount ?? null,
          openTasks: tasks.filter((t) => OPEN_STATES.has(t.state)).length,
        });
      }
      return out;
    },
  });

  exitWhenParentGoes(() => platform.stop());

  send({
    type: 'ready',
    pid: process.pid,
    tcpPort: platform.tcpPort,
    httpPort: platform.httpPort,
    creds: {
      vendorId: creds.vendorId,
      accessId: creds.accessId,
      accessKey: creds.accessKey,
      accessSecret: creds.accessSecret,
    },
  });
}

main().catch((e: unknown) => {
  send({ type: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
