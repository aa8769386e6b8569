import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, envName, flagName, loadConfig } from '../src/index.js';

describe('config', () => {
  it('has defaults for everything but the optional backends', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({ dataDir: './data', tcpPort: 9100, httpPort: 8080, tokenIdleMs: 1_800_000 });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads KAOQIN_* variables, and flags win', () => {
    const c = loadConfig({ 'tcp-port': '9200' }, { KAOQIN_TCP_PORT: '9300', KAOQIN_DATA_DIR: '/srv/kq' });
    expect(c.tcpPort).toBe(9200);
    expect(c.dataDir).toBe('/srv/kq');
  });

  it('refuses a bad value naming the flag and the variable', () => {
    expect(() => loadConfig({ 'http-port': '99999' }, {})).toThrow(ConfigError);
    expect(() => loadConfig({}, { KAOQIN_LOG_LEVEL: 'loud' })).toThrow(/--log-level \(KAOQIN_LOG_LEVEL\)/);
  });

  it('takes a node number 0..99 and refuses anything else, saying what it wants', () => {
    expect(loadConfig({}, {}).nodeId).toBe(0);
    expect(loadConfig({ 'node-id': '99' }, {}).nodeId).toBe(99);
    expect(loadConfig({}, { KAOQIN_NODE_ID: '7' }).nodeId).toBe(7);
    for (const bad of ['100', '-1', '1.5']) {
      expect(() => loadConfig({ 'node-id': bad }, {})).toThrow(
        /--node-id \(KAOQIN_NODE_ID\): must be a whole number from 0 to 99/,
      );
    }
  });

  it("runs every periodic job at its own configurable interval, today's by default", () => {
    expect(loadConfig({}, {})).toMatchObject({
      connectionSweepMs: 1_000,
      presenceSweepMs: 5_000,
      vendorsRefreshMs: 5_000,
      devicesRefreshMs: 5_000,
      tokenSweepMs: 60_000,
      taskExpirySweepMs: 30_000,
      taskQueuePollMs: 250,
      assignmentEndSweepMs: 60_000,
      photoRetentionSweepMs: 3_600_000,
      sessionPurgeMs: 3_600_000,
      importTidyMs: 60_000,
    });
    expect(loadConfig({ 'task-expiry-sweep-ms': '20' }, {}).taskExpirySweepMs).toBe(20);
    expect(() => loadConfig({ 'token-sweep-ms': '0' }, {})).toThrow(
      /--token-sweep-ms \(KAOQIN_TOKEN_SWEEP_MS\)/,
    );
    expect(() => loadConfig({}, { KAOQIN_SESSION_PURGE_MS: 'hourly' })).toThrow(ConfigError);
  });

  it('is documented setting by setting in the README', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const rows = readme.split('\n').filter((l) => l.startsWith('|'));
    for (const key of Object.keys(configSchema.shape)) {
      const row = rows.find((r) => r.includes(`\`--${flagName(key)}\``) && r.includes(`\`${envName(key)}\``));
      expect(row, `${key} has no row in the README's configuration table`).toBeDefined();
    }
  });
});
