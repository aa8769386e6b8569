/**
 * The protocol package's error vectors, replayed over TCP and over the mobile bridge
 * against one platform: every TCP case gets the same answer, byte for byte, from both
 * carriers, and the code the vector expects. The credential outcomes are arranged as
 * real platform state, as in test/gateway/error-vectors.test.ts.
 */
import { TestDevice, vectorFrame } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIXTURES as F,
  needsAnotherPlatform,
  startVectorPlatform,
  TCP_ERROR_CASES as tcpCases,
  type VectorPlatform,
} from '../helpers/error-vectors.js';
import type { TestPlatform } from '../helpers/platform.js';
import { postFrames } from './client.js';

let tp: TestPlatform;
let arrange: VectorPlatform['arrange'];
beforeAll(async () => {
  ({ tp, arrange } = await startVectorPlatform());
});
afterAll(() => tp.stop());

describe('error vectors over TCP and over the bridge', () => {
  it('include every TCP-reachable code', () => expect(tcpCases.length).toBeGreaterThanOrEqual(25));

  for (const c of tcpCases) {
    if (needsAnotherPlatform(c)) continue; // needs a platform without this vendor
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
