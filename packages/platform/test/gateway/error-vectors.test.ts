/**
 * The protocol package's error vectors, replayed through the real gateway over TCP:
 * every input must get the same code from the platform as from the reference checks.
 * Each case's credential outcome is produced as real platform state.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorVector, VectorCredential, VectorFile, VectorFixtures } from '@kaoqin/protocol';
import { TestDevice, vectorFrame } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTokenStore, type TokenRecord } from '../../src/domain/tokens.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

const require = createRequire(import.meta.url);
const vectorsDir = require.resolve('@kaoqin/protocol/vectors/errors.json');
const { cases } = JSON.parse(readFileSync(vectorsDir, 'utf8')) as VectorFile<ErrorVector>;
const F = JSON.parse(readFileSync(require.resolve('@kaoqin/protocol/vectors/requests.json'), 'utf8'))
  .fixtures as VectorFixtures;

/** A token store the test can make fail, as a broken backend would. */
class BreakableTokens extends MemoryTokenStore {
  broken = false;
  override async use(token: string, now: number): Promise<TokenRecord | undefined> {
    if (this.broken) throw new Error('token store unavailable');
    return super.use(token, now);
  }
}

let tp: TestPlatform;
const tokens = new BreakableTokens(30 * 60_000);
let deviceId = '';
let otherDeviceId = '';
let vendorId = '';

beforeAll(async () => {
  tp = await startTestPlatform({}, { tokens });
  const v = await tp.platform.data.vendors.create('vector vendor', F);
  vendorId = v.vendorId;
  deviceId = (await tp.platform.data.devices.resolve(vendorId, F.sn)).id;
  otherDeviceId = (await tp.platform.data.devices.resolve(vendorId, 'another-device')).id;
});
afterAll(() => tp.stop());

/** Puts the platform in the state the vector's credential outcome describes. */
async function arrange(credential: VectorCredential, now: number): Promise<() => Promise<void>> {
  const issue = (over: Partial<TokenRecord> = {}) =>
    tokens.issue({
      token: F.token,
      deviceId,
      vendorId,
      sn: F.sn,
      secretVersion: 1,
      lastUsedAt: now,
      ...over,
    });
  if (credential === 'throws') {
    tokens.broken = true;
    return async () => {
      tokens.broken = false;
    };
  }
  switch (credential.status) {
    case 'ok':
      await issue();
      break;
    case 'unknown':
      // A token issued to the device under another value: the vector's token is unknown.
      await issue({ token: '0'.repeat(32) });
      break;
    case 'revoked':
      await issue({ secretVersion: 0 }); // issued under a secret since rotated
      break;
    case 'mismatch':
      await issue({ deviceId: otherDeviceId, sn: 'another-device' });
      break;
    case 'disabled':
      await issue();
      await tp.platform.data.devices.setDisabled(deviceId, true);
      return () => tp.platform.data.devices.setDisabled(deviceId, false);
  }
  return async () => {};
}

describe('error vectors through the gateway', () => {
  const tcpCases = cases.filter((c) => c.request.transport === 'tcp');
  it('include every TCP-reachable code', () => expect(tcpCases.length).toBeGreaterThanOrEqual(25));

  for (const c of tcpCases) {
    // C_AUTH with unknown credentials needs a platform without this vendor.
    if (c.request.apicode === 'C_AUTH' && c.credential !== 'throws' && c.credential.status === 'unknown')
      continue;
    it(`${c.expect}: ${c.name}`, async () => {
      tp.clock.now = c.nowMs;
      const undo = await arrange(c.credential, c.nowMs);
      const d = await TestDevice.tcp(tp.platform.tcpPort, F.sn, F, () => tp.clock.now);
      try {
        d.send(vectorFrame(c.request));
        const a = await d.next();
        expect(a.success).toBe(false);
        expect(a.error?.errorcode).toBe(c.expect);
      } finally {
        d.close();
        await undo();
      }
    });
  }

  it('400_04: C_AUTH with credentials the platform does not know', async () => {
    const c = cases.find((x) => x.request.apicode === 'C_AUTH' && x.expect === '400_04')!;
    const other = await startTestPlatform();
    try {
      other.clock.now = c.nowMs;
      const d = await TestDevice.tcp(other.platform.tcpPort, F.sn, F);
      d.send(vectorFrame(c.request));
      expect((await d.next()).error?.errorcode).toBe('400_04');
      d.close();
    } finally {
      await other.stop();
    }
  });

  it('the vector credentials work when everything is right', async () => {
    tp.clock.now = Date.now();
    const d = await TestDevice.tcp(tp.platform.tcpPort, F.sn, F, () => tp.clock.now);
    expect((await d.auth()).success).toBe(true);
    expect((await d.heartbeat()).success).toBe(true);
    d.close();
  });
});
