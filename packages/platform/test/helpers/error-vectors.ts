/**
 * The protocol package's error vectors as platform state, shared by the tests that replay
 * them over a device carrier (test/gateway/error-vectors.test.ts over TCP,
 * test/mobile-bridge/error-vectors.test.ts over TCP and the bridge): the cases, the
 * fixtures they sign with, and a platform on which each case's credential outcome is
 * produced as real state (a token issued, rotated, mismatched, a device disabled, a
 * token store that fails).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorVector, VectorCredential, VectorFile, VectorFixtures } from '@kaoqin/protocol';
import { MemoryTokenStore, type TokenRecord } from '../../src/domain/tokens.js';
import { startTestPlatform, type TestPlatform } from './platform.js';

const require = createRequire(import.meta.url);
const readVectors = (name: string): unknown =>
  JSON.parse(readFileSync(require.resolve(`@kaoqin/protocol/vectors/${name}`), 'utf8'));

export const ERROR_CASES = (readVectors('errors.json') as VectorFile<ErrorVector>).cases;
/** The cases a TCP device can send. */
export const TCP_ERROR_CASES = ERROR_CASES.filter((c) => c.request.transport === 'tcp');
export const FIXTURES = (readVectors('requests.json') as { fixtures: VectorFixtures }).fixtures;

/** C_AUTH with credentials the platform does not know needs a platform without this vendor. */
export const needsAnotherPlatform = (c: ErrorVector): boolean =>
  c.request.apicode === 'C_AUTH' && c.credential !== 'throws' && c.credential.status === 'unknown';

/** A token store the test can make fail, as a broken backend would. */
class BreakableTokens extends MemoryTokenStore {
  broken = false;
  override async use(token: string, now: number): Promise<TokenRecord | undefined> {
    if (this.broken) throw new Error('token store unavailable');
    return super.use(token, now);
  }
}

export interface VectorPlatform {
  tp: TestPlatform;
  /** Puts the platform in the state the vector's credential outcome describes; returns the undo. */
  arrange(credential: VectorCredential, now: number): Promise<() => Promise<void>>;
}

/** A platform with the vectors' vendor, its device and another device of that vendor. */
export async function startVectorPlatform(): Promise<VectorPlatform> {
  const F = FIXTURES;
  const tokens = new BreakableTokens(30 * 60_000);
  const tp = await startTestPlatform({}, { tokens });
  const { vendorId } = await tp.platform.data.vendors.create('vector vendor', F);
  const deviceId = (await tp.platform.data.devices.resolve(vendorId, F.sn)).id;
  const otherDeviceId = (await tp.platform.data.devices.resolve(vendorId, 'another-device')).id;

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
  return { tp, arrange };
}
