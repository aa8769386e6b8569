/**
 * kaoqin serve: the platform until SIGINT/SIGTERM (graceful shutdown), in one process or,
 * with --workers, in several sharing the ports (cli/workers.ts).
 */
import type { Platform } from '../app.js';
import { IpcFaceService } from '../cluster/ipc-client.js';
import type { Config } from '../config/schema.js';
import { applyHeapGrowth } from '../gc-tuning.js';
import { createLogger, type Logger } from '../log.js';
import { parse } from './args.js';
import {
  isWorker,
  primaryClient,
  runPrimary,
  type Started,
  tellPrimary,
  workerConfig,
  workerCount,
  workerPlace,
} from './workers.js';

export async function serveCommand(argv: string[]): Promise<void> {
  const { config } = parse(argv);
  const logger = createLogger(config.logLevel);
  if (isWorker()) return serveWorker(config, logger);
  const n = workerCount(config);
  if (n > 1) {
    await runPrimary(config, n, logger, (s) => banner(config, s, n));
    logger.flush();
    return;
  }
  applyHeapGrowth(config.heapGrowthPercent);
  const { startPlatform } = await import('../app.js');
  const platform = await startPlatform(config, logger);
  // The signal handlers first: whoever reads the banner may stop us at once.
  const stopped = untilSignal(platform, logger);
  banner(config, platform, 1);
  await stopped;
  logger.flush();
}

/** A worker of serve --workers: the whole platform; the primary holds the data directory's lock. */
async function serveWorker(base: Config, logger: Logger): Promise<void> {
  // Its own node number: the command line's --node-id is the first worker's.
  const place = workerPlace();
  const config = workerConfig(base, place.index, place.count);
  applyHeapGrowth(config.heapGrowthPercent);
  // The primary runs the face detector and, with no Redis, holds tokens and presence
  // and relays the bus (cluster/ipc-hub.ts).
  const ipc = primaryClient();
  let platform: Platform;
  try {
    const { startPlatform } = await import('../app.js');
    platform = await startPlatform(config, logger, {
      dataDirLocked: true,
      ipc,
      ...(config.faceDetector === 'off' ? {} : { faces: new IpcFaceService(ipc) }),
    });
  } catch (err) {
    tellPrimary({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  const stopped = untilSignal(platform, logger);
  tellPrimary({
    kind: 'ready',
    tcpPort: platform.tcpPort,
    httpPort: platform.httpPort,
    consoleServed: platform.consoleServed,
    ...(platform.adminPassword !== undefined ? { adminPassword: platform.adminPassword } : {}),
  });
  await stopped;
  ipc.close();
  logger.flush();
  process.disconnect?.();
}

function untilSignal(platform: Platform, logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      platform.stop().then(resolve, (err) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}

function banner(config: Config, s: Started, workers: number): void {
  const where = config.host === '0.0.0.0' ? 'localhost' : config.host;
  process.stderr.write(
    'kaoqin is up' +
      (workers > 1
        ? ` in ${workers} processes (node numbers ${config.nodeId}–${config.nodeId + workers - 1})`
        : '') +
      '. ' +
      (s.consoleServed
        ? `Console: http://${where}:${s.httpPort}/\n`
        : 'Console: not built (run npm run build); the API below works without it.\n') +
      `Devices: tcp://${where}:${s.tcpPort} (C_*), http://${where}:${s.httpPort}/api/device (T_*)\n` +
      `Data: ${config.databaseUrl ? 'PostgreSQL' : `${config.dataDir} (SQLite + photos)`}.\n` +
      `Management API: http://${where}:${s.httpPort}/api/v1 — docs at http://${where}:${s.httpPort}/api/docs (OpenAPI: /api/openapi.json)\n` +
      (s.adminPassword !== undefined
        ? `Admin login (shown once, change it): username admin, password ${s.adminPassword}\n`
        : 'Admin login: username admin (password set by KAOQIN_ADMIN_PASSWORD or printed at first start; reset with: npx kaoqin account reset-password admin)\n') +
      'Create a vendor for your devices: npx kaoqin vendor create --name "Vendor name"\n',
  );
}
