/**
 * The platform under test for bench:attendance:sign-ins, in its own process so the load
 * workers and the harness never share its event loop: startPlatform on a fresh data
 * directory (SQLite unless a database URL is given), ports chosen by the OS, with the
 * switches of the run's mode (attendanceRules, and attendanceStats / webhooks where the
 * config has them). Creates a vendor and a site fenced as traffic.ts expects, says
 * `ready`; on `bind`, binds every device the fleet registered to that site (so the rules
 * read the site's fence and roster, as on a real site), says `bound`; on `count`, says how
 * many records are stored and how many carry each flag; on `lag`, how far the background
 * followers are (records stored, projected by statistics, followed by the webhook
 * follower, the background budget's waits). With `webhookUrl`, registers a webhook for
 * every event there before `ready`, so the follower writes deliveries and the sender
 * posts them. Exits when the harness closes the channel.
 *
 * Config: BENCH_ATTENDANCE_PLATFORM (JSON, SignInsPlatformConfig).
 */
import { configSchema, createLogger, loadConfig, startPlatform } from '@kaoqin/platform';
import { exitWhenParentGoes } from '../lib/ipc.js';
import { FENCE_CENTRE, FENCE_RADIUS_M } from './traffic.js';

export interface SignInsPlatformConfig {
  dataDir: string;
  databaseUrl: string | undefined;
  /** Config keys (camelCase) set to 'true' or 'false'; a key the schema lacks is left out. */
  switches: Record<string, boolean>;
  /** A receiver to register a webhook for (every event, every site); none: no webhook. */
  webhookUrl?: string;
}

export type SignInsPlatformMessage =
  | {
      type: 'ready';
      pid: number;
      tcpPort: number;
      credentials: { accessId: string; accessKey: string; accessSecret: string };
      /** The switches the platform has (those it lacks were dropped). */
      applied: Record<string, boolean>;
    }
  | { type: 'bound'; devices: number }
  | { type: 'count'; records: number; flags: Record<string, number> }
  | {
      type: 'lag';
      /** Records stored (counted only when asked: the count is a scan that would keep the loop busy). */
      records: number | null;
      /** Records the statistics projector projected (null: statistics off). */
      projected: number | null;
      /** Records the webhook follower turned into deliveries. */
      followed: number;
      /** Milliseconds the background budget made followers wait, and the loop's last utilisation. */
      waitedMs: number;
      utilization: number;
    }
  | { type: 'error'; error: string };

function send(m: SignInsPlatformMessage): void {
  if (process.connected) process.send!(m);
}

const flag = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_ATTENDANCE_PLATFORM ?? '') as SignInsPlatformConfig;
  const applied = Object.fromEntries(Object.entries(cfg.switches).filter(([k]) => k in configSchema.shape));
  const config = loadConfig(
    {
      'data-dir': cfg.dataDir,
      ...(cfg.databaseUrl ? { 'database-url': cfg.databaseUrl } : {}),
      'tcp-port': '0',
      'http-port': '0',
      host: '127.0.0.1',
      'log-level': process.env.KAOQIN_LOG_LEVEL ?? 'silent',
      'face-detector': 'off',
      ...Object.fromEntries(Object.entries(applied).map(([k, v]) => [flag(k), String(v)])),
    },
    process.env,
  );
  const platform = await startPlatform(config, createLogger(config.logLevel));
  exitWhenParentGoes(() => platform.stop());
  const { store } = platform.data;
  if (cfg.webhookUrl)
    await platform.data.webhooks.create({
      url: cfg.webhookUrl,
      events: ['attendance.created', 'attendance.daily_summary'],
      siteIds: null,
      description: 'bench receiver',
      active: true,
    });
  const vendor = await platform.data.vendors.create('bench-attendance');
  const site = await platform.data.persons.createSite('考勤规则基准工地');
  await store.sites.update(
    site.id,
    {
      geofence: { type: 'circle', center: FENCE_CENTRE, radiusMeters: FENCE_RADIUS_M },
      fenceToleranceMeters: 20,
    },
    Date.now(),
  );

  process.on('message', (m: { type?: string }) => {
    const run = async (): Promise<SignInsPlatformMessage> => {
      const counted = (m as { count?: boolean }).count === true;
      if (m.type === 'bind') {
        const devices = await store.devices.list({ siteId: null, limit: 1_000_000 });
        for (const d of devices) {
          await store.devices.update(d.id, { siteId: site.id });
          await platform.data.devices.reload(d.id);
        }
        return { type: 'bound', devices: devices.length };
      }
      if (m.type === 'lag') {
        // The writer's own count of rows it made durable would do as well; this count is exact.
        const records = counted
          ? (await store.attendanceRules.flagCounts({ since: 0, until: Date.now() + 86_400_000 })).records
          : null;
        return {
          type: 'lag',
          records,
          projected: platform.stats?.projected ?? null,
          followed: platform.data.webhooks.follower.followed,
          waitedMs: platform.data.background.waitedMs,
          utilization: platform.data.background.utilization,
        };
      }
      if (m.type === 'count') {
        // Every record's flags: shows the rules ran (or did not) on what was measured.
        const all = await store.attendanceRules.flagCounts({ since: 0, until: Date.now() + 86_400_000 });
        return { type: 'count', records: all.records, flags: all.flags };
      }
      throw new Error(`unknown message ${JSON.stringify(m)}`);
    };
    run().then(send, (e: unknown) => send({ type: 'error', error: String(e) }));
  });

  send({
    type: 'ready',
    pid: process.pid,
    tcpPort: platform.tcpPort,
    credentials: {
      accessId: vendor.accessId,
      accessKey: vendor.accessKey,
      accessSecret: vendor.accessSecret,
    },
    applied,
  });
}

main().catch((e: unknown) => {
  send({ type: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
