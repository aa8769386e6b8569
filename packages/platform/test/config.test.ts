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

  it('is documented setting by setting in the README', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const rows = readme.split('\n').filter((l) => l.startsWith('|'));
    for (const key of Object.keys(configSchema.shape)) {
      const row = rows.find((r) => r.includes(`\`--${flagName(key)}\``) && r.includes(`\`${envName(key)}\``));
      expect(row, `${key} has no row in the README's configuration table`).toBeDefined();
    }
  });
});
