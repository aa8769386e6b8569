/** kaoqin serve: the platform in one process, until SIGINT/SIGTERM (graceful shutdown). */
import { startPlatform } from '../app.js';
import { applyHeapGrowth } from '../gc-tuning.js';
import { createLogger } from '../log.js';
import { parse } from './args.js';

export async function serveCommand(argv: string[]): Promise<void> {
  const { config } = parse(argv);
  const logger = createLogger(config.logLevel);
  applyHeapGrowth(config.heapGrowthPercent);
  const platform = await startPlatform(config, logger);
  const where = config.host === '0.0.0.0' ? 'localhost' : config.host;
  process.stderr.write(
    'kaoqin is up. ' +
      (platform.consoleServed
        ? `Console: http://${where}:${platform.httpPort}/\n`
        : 'Console: not built (run npm run build); the API below works without it.\n') +
      `Devices: tcp://${where}:${platform.tcpPort} (C_*), http://${where}:${platform.httpPort}/api/device (T_*)\n` +
      `Data: ${config.databaseUrl ? 'PostgreSQL' : `${config.dataDir} (SQLite + photos)`}.\n` +
      `Management API: http://${where}:${platform.httpPort}/api/v1 — docs at http://${where}:${platform.httpPort}/api/docs (OpenAPI: /api/openapi.json)\n` +
      (platform.adminPassword !== undefined
        ? `Admin login (shown once, change it): username admin, password ${platform.adminPassword}\n`
        : 'Admin login: username admin (password set by KAOQIN_ADMIN_PASSWORD or printed at first start; reset with: npx kaoqin account reset-password admin)\n') +
      'Create a vendor for your devices: npx kaoqin vendor create --name "Vendor name"\n',
  );
  await new Promise<void>((resolve) => {
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
  logger.flush();
}
