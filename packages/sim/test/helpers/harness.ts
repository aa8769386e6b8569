/**
 * Harness for the SDK-against-platform tests (link, queue, client, simulator): a real
 * platform that can be stopped and started again on the same data dir and ports, and
 * device identities from its vendor credentials. The fake platform, temp dirs and
 * waiting are in @kaoqin/testkit.
 */
import { rm } from 'node:fs/promises';
import type { DeviceIdentity, Endpoints } from '@kaoqin/device';
import {
  createLogger,
  MemoryTokenStore,
  type Platform,
  startPlatform,
  type TokenRecord,
} from '@kaoqin/platform';
import { startTestPlatform, type TestPlatform } from './platform.js';

/** A token store whose tokens the test can make unknown (401_01) at will. */
export class ForgetfulTokens extends MemoryTokenStore {
  readonly forgotten = new Set<string>();
  override async use(token: string, now: number): Promise<TokenRecord | undefined> {
    return this.forgotten.has(token) ? undefined : super.use(token, now);
  }
}

export interface Harness {
  tp: TestPlatform;
  /** The platform running now (a new object after restart()). */
  readonly platform: Platform;
  readonly endpoints: Endpoints;
  identity(sn: string): DeviceIdentity;
  /** Stops the platform; its data dir and ports are kept. */
  stopPlatform(): Promise<void>;
  /** Starts it again on the same data dir and ports. */
  startPlatform(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  settings: Record<string, string> = {},
  opts: { tokens?: MemoryTokenStore } = {},
): Promise<Harness> {
  const tp = await startTestPlatform(settings, opts.tokens ? { tokens: opts.tokens } : {});
  let platform: Platform | undefined = tp.platform;
  const tcpPort = tp.platform.tcpPort;
  const httpPort = tp.platform.httpPort;
  const config = { ...tp.platform.config, tcpPort, httpPort };
  const endpoints: Endpoints = {
    tcpHost: '127.0.0.1',
    tcpPort,
    httpBaseUrl: `http://127.0.0.1:${httpPort}`,
  };
  return {
    tp,
    get platform() {
      if (!platform) throw new Error('platform is stopped');
      return platform;
    },
    endpoints,
    identity: (sn) => ({
      sn,
      accessId: tp.creds.accessId,
      accessKey: tp.creds.accessKey,
      accessSecret: tp.creds.accessSecret,
      deviceVersion: 'v1.0.0-test',
      deviceIp: '10.1.2.3',
    }),
    async stopPlatform() {
      await platform?.stop();
      platform = undefined;
    },
    async startPlatform() {
      if (platform) return;
      platform = await startPlatform(config, createLogger('silent'), { now: () => tp.clock.now });
    },
    async close() {
      await platform?.stop();
      platform = undefined;
      await rm(tp.dataDir, { recursive: true, force: true });
    },
  };
}
