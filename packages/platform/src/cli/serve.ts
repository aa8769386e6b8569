/** kaoqin serve: the platform in one process, until SIGINT/SIGTERM (graceful shutdown). */
import { startPlatform } from '../app.js';
import { createLogger } from '../log.js';
import { parse } from './args.js';

export async function serveCommand(argv: string[]): Promise<void> {
  const { config } = parse(argv);
  const logger = createLogger(config.logLevel);
  const platform = await startPlatform(config, logger);
  const where = config.host === '0.0.0.0' ? 'localhost' : config.host;
  process.stderr.write(
    `kaoqin is up. Devices: tcp://${where}:${platform.tcpPort} (C_*), http://${where}:${platform.httpPort}/api/device (T_*)\n` +
      `Data: ${config.databaseUrl ? 'PostgreSQL' : `${config.dataDir} (SQLite + photos)`}.\n` +
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
