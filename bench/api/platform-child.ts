/**
 * The platform under test, in its own process: startPlatform on the generated data set
 * (its data directory, and its PostgreSQL schema when there is one), ports chosen by
 * the OS, logging off unless KAOQIN_LOG_LEVEL says otherwise. Before it starts, the
 * database drivers are wrapped (capture.ts) so the harness can ask which SQL a request
 * issued. Says `ready` with its pid and HTTP port; exits when the harness closes the
 * channel.
 *
 * Config: BENCH_API_PLATFORM (JSON, PlatformChildConfig).
 */
import { createLogger, loadConfig, startPlatform } from '@kaoqin/platform';
import { exitWhenParentGoes, serve } from '../lib/ipc.js';
import { type CapturedQuery, installCapture, startCapture, stopCapture } from './capture.js';

export interface PlatformChildConfig {
  dataDir: string;
  databaseUrl: string | undefined;
  adminPassword: string;
}

export type ChildHello =
  | { type: 'ready'; pid: number; httpPort: number; passwordHashCost: number }
  | { type: 'error'; error: string };

export type PlatformCommands = {
  /** Opens a capture (on) or closes it and answers what it recorded (off). */
  capture: { spec: { on: boolean }; result: CapturedQuery[] };
  /**
   * Waits until the statistics projector has caught up: a data set generated straight
   * into the tables starts with every clock-in unprojected, and the catch-up (minutes
   * for a million) would otherwise run beside whatever is measured.
   */
  settle: { spec: Record<string, never>; result: { ms: number } };
};

function send(m: ChildHello): void {
  if (process.connected) process.send!(m);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_API_PLATFORM ?? '') as PlatformChildConfig;
  installCapture();
  const config = loadConfig(
    {
      'data-dir': cfg.dataDir,
      ...(cfg.databaseUrl ? { 'database-url': cfg.databaseUrl } : {}),
      'tcp-port': '0',
      'http-port': '0',
      host: '127.0.0.1',
      'log-level': process.env.KAOQIN_LOG_LEVEL ?? 'silent',
      'face-detector': process.env.KAOQIN_FACE_DETECTOR ?? 'off', // synthetic pictures, no faces
      'admin-password': cfg.adminPassword,
    },
    process.env,
  );
  const platform = await startPlatform(config, createLogger(config.logLevel));

  serve<PlatformCommands>({
    async capture({ on }) {
      if (on) {
        startCapture();
        return [];
      }
      return stopCapture();
    },
    async settle() {
      const t0 = performance.now();
      await platform.stats?.idle();
      return { ms: Math.round(performance.now() - t0) };
    },
  });

  exitWhenParentGoes(() => platform.stop());
  send({
    type: 'ready',
    pid: process.pid,
    httpPort: platform.httpPort,
    passwordHashCost: config.passwordHashCost,
  });
}

main().catch((e: unknown) => {
  send({ type: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
