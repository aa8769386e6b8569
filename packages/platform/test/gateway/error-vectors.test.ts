/**
 * The protocol package's error vectors, replayed through the real gateway over TCP:
 * every input must get the same code from the platform as from the reference checks.
 * Each case's credential outcome is produced as real platform state.
 */
import { TestDevice, vectorFrame } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ERROR_CASES as cases,
  FIXTURES as F,
  needsAnotherPlatform,
  startVectorPlatform,
  TCP_ERROR_CASES as tcpCases,
  type VectorPlatform,
} from '../helpers/error-vectors.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let tp: TestPlatform;
let arrange: VectorPlatform['arrange'];
beforeAll(async () => {
  ({ tp, arrange } = await startVectorPlatform());
});
afterAll(() => tp.stop());

describe('error vectors through the gateway', () => {
  it('include every TCP-reachable code', () => expect(tcpCases.length).toBeGreaterThanOrEqual(25));

  for (const c of tcpCases) {
    if (needsAnotherPlatform(c)) continue; // the separate case below
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
