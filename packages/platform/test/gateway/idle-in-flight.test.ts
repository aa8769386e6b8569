/**
 * The idle rule counts the platform's own waits as activity: a connection whose request is
 * still being answered is not closed for silence, and an answer restarts the idle clock.
 * The request is held in flight by a token store whose lookups wait for the test
 * (helpers/held-tokens.ts).
 */
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeldTokens } from '../helpers/held-tokens.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

const tokens = new HeldTokens();
let tp: TestPlatform;
beforeAll(async () => {
  tp = await startTestPlatform({}, { tokens });
});
afterAll(() => tp.stop());

const settle = () => new Promise((r) => setTimeout(r, 50));

/** Sends a heartbeat held at its token lookup; resolves once the platform waits on it. */
async function heldHeartbeat(d: TestDevice): Promise<{ answer: ReturnType<TestDevice['heartbeat']> }> {
  tokens.held = true;
  const answer = d.heartbeat();
  while (tokens.waiting === 0) await settle();
  return { answer };
}

/** Moves the clock, runs the gateway's sweep, and lets any close happen. */
async function sweepAfter(ms: number): Promise<void> {
  tp.clock.advance(ms);
  tp.platform.gateway.sweep(tp.clock.now);
  await settle();
}

describe('idle timeout and requests in flight', () => {
  it('keeps a connection whose request is unanswered past 90 s, and counts from its answer', async () => {
    const d = await TestDevice.tcp(tp.platform.tcpPort, 'IDLE-WAIT', tp.creds, () => tp.clock.now);
    expect((await d.auth()).success).toBe(true);
    const { answer } = await heldHeartbeat(d);
    // The device has said nothing for over 90 s, but the platform owes it an answer.
    await sweepAfter(90_001);
    expect(tp.platform.gateway.connectionCount).toBe(1);
    tokens.release();
    expect((await answer).success).toBe(true);
    // 60 s after the answer: not idle yet (the answer was at the later time).
    await sweepAfter(60_000);
    expect(tp.platform.gateway.connectionCount).toBe(1);
    // 90 s after the answer with nothing since: closed.
    await sweepAfter(30_001);
    await d.closed;
  });

  it('keeps a new connection whose first request is unanswered past 10 s', async () => {
    const first = await TestDevice.tcp(tp.platform.tcpPort, 'FIRST-WAIT', tp.creds, () => tp.clock.now);
    expect((await first.auth()).success).toBe(true);
    first.close();
    // Back with its token and no C_AUTH, as after a network cut: the first request is a heartbeat.
    const again = await TestDevice.tcp(tp.platform.tcpPort, 'FIRST-WAIT', tp.creds, () => tp.clock.now);
    again.token = first.token;
    const { answer } = await heldHeartbeat(again);
    await sweepAfter(10_001);
    tokens.release();
    expect((await answer).success).toBe(true);
    expect((await again.heartbeat()).success).toBe(true);
    again.close();
  });
});
