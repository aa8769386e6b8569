/**
 * The protocol package's error vectors, replayed over TCP and over the mobile bridge
 * against one platform: every TCP case gets the same answer, byte for byte, from both
 * carriers, and the code the vector expects. The credential outcomes are arranged as
 * real platform state, as in test/gateway/error-vectors.test.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorVector, VectorCredential, VectorFile, VectorFixtures } from '@kaoqin/protocol';
import { TestDevice, vectorFrame } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTokenStore, type TokenRecord } from '../../src/domain/tokens.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { postFrames } from './client.js';

const require = createRequire(import.meta.url);
const { cases } = JSON.parse(
  readFileSync(require.resolve('@kaoqin/protocol/vectors/errors.json'), 'utf8'),
) as VectorFile<ErrorVector>;
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
  vendorId = (await tp.platform.data.vendors.create('vector vendor', F)).vendorId;
  deviceId = (await tp.platform.data.devices.resolve(vendorId, F.sn)).id;
  otherDeviceId = (await tp.platform.data.devices.resolve(vendorId, 'another-device')).id;
});
afterAll(() => tp.stop());

/** Puts the platform in the state the vector's credential outcome describes; returns the undo. */
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
      await issue({ token: '0'.repeat(32) });
      break;
    case 'revoked':
      await issue({ secretVersion: 0 });
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

describe('error vectors over TCP and over the bridge', () => {
  const tcpCases = cases.filter((c) => c.request.transport === 'tcp');
  it('include every TCP-reachable code', () => expect(tcpCases.length).toBeGreaterThanOrEqual(25));

  for (const c of tcpCases) {
    // C_AUTH with credentials the platform does not know needs a platform without this vendor.
    if (c.request.apicode === 'C_AUTH' && c.credential !== 'throws' && c.credential.status === 'unknown')
      continue;
    it(`${c.expect}: ${c.name}`, async () => {
      tp.clock.now = c.nowMs;
      const undo = await arrange(c.credential, c.nowMs);
      const d = await TestDevice.tcp(tp.platform.tcpPort, F.sn, F, () => tp.clock.now);
      try {
        const frame = vectorFrame(c.request);
        d.send(frame);
        const overTcp = await d.next();
        const overBridge = await postFrames(tp.platform.httpPort, frame);
        expect(overTcp.error?.errorcode).toBe(c.expect);
        expect(overBridge.answers).toHaveLength(1);
        expect(overBridge.answers[0]!.raw).toEqual(overTcp.raw);
      } finally {
        d.close();
        await undo();
      }
    });
  }
});
