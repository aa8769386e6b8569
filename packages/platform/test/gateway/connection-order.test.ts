/**
 * A connection's answers, driven without a platform: a stub request core whose requests
 * settle when the test says. Answers go out in request order whatever order the requests
 * settle in, the ones settled together in one write; a request that rejects (the request
 * core answers every failure itself, so this is a bug) closes the connection after the
 * answers owed before it, and every request gives its bytes back to the gateway's budget.
 */
import type { Duplex } from 'node:stream';
import { type AnswerInit, encodeFrame } from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';
import { answerFrame } from '../../src/gateway/answer-frames.js';
import { Connection } from '../../src/gateway/connection.js';
import type { GatewayContext } from '../../src/gateway/context.js';
import { InFlightBudget } from '../../src/gateway/inflight-budget.js';
import type { FrameOutcome, FrameRequests } from '../../src/gateway/process.js';
import { duplexPair } from '../helpers/duplex.js';

interface Held {
  resolve(o: FrameOutcome): void;
  reject(e: unknown): void;
}

const answer = (apicode: string): FrameOutcome => ({
  answer: { version: 'v1.0.0', success: true, apicode } as AnswerInit,
  valid: true,
});

/** A connection over an in-memory pair, with every request held until the test settles it. */
function harness() {
  const held: Held[] = [];
  const errors: string[] = [];
  const requests = {
    process: () =>
      new Promise<FrameOutcome>((resolve, reject) => {
        held.push({ resolve, reject });
      }),
    framingFailure: () => ({ answer: answer('framing'), close: true, valid: false }),
  } as unknown as FrameRequests;
  const logger = {
    error: (_o: object, msg: string) => errors.push(msg),
    warn: () => {},
    info: () => {},
    debug: () => {},
  };
  const ctx = {
    config: { maxFrameBytes: 1 << 20, maxWriteBufferBytes: 1 << 20, maxInFlightPerConnection: 64 },
    logger,
    now: () => 0,
  } as unknown as GatewayContext;
  const budget = new InFlightBudget({ bytes: 1 << 20, requests: 100 });
  const [ours, theirs] = duplexPair();
  // Answers written together are written corked: one system call on a socket (writev).
  const writes = { corked: 0 };
  const cork = ours.cork.bind(ours);
  ours.cork = () => {
    writes.corked++;
    cork();
  };
  new Connection(ours, ctx, requests, { onDevice: () => {}, onClose: () => {} }, '127.0.0.1', budget);
  const chunks: Buffer[] = [];
  theirs.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise<void>((r) => theirs.once('close', () => r()));
  return { held, errors, budget, ours, theirs, chunks, closed, writes };
}

const tick = () => new Promise((r) => setImmediate(r));
const bytes = (apicodes: string[]) => Buffer.concat(apicodes.map((a) => answerFrame(answer(a).answer)));

async function send(theirs: Duplex, n: number): Promise<void> {
  theirs.write(Buffer.concat(Array.from({ length: n }, (_, i) => encodeFrame(Buffer.from(`request ${i}`)))));
  await tick();
}

describe('a connection writes its answers', () => {
  it('in request order, whatever order the requests settle in, those settled together in one write', async () => {
    const h = harness();
    await send(h.theirs, 3);
    expect(h.held).toHaveLength(3);
    expect(h.budget.requests).toBe(3);
    h.held[2]!.resolve(answer('C'));
    h.held[1]!.resolve(answer('B'));
    await tick();
    expect(h.chunks).toHaveLength(0); // the first is not answered yet
    expect(h.writes.corked).toBe(0);
    expect(h.budget.requests).toBe(1);
    h.held[0]!.resolve(answer('A'));
    await tick();
    expect(Buffer.concat(h.chunks)).toEqual(bytes(['A', 'B', 'C']));
    expect(h.writes.corked).toBe(1);
    expect(h.budget.requests).toBe(0);
    expect(h.budget.bytes).toBe(0);
    h.theirs.destroy();
  });

  it('in one write when they settle together, as a group commit settles pipelined requests', async () => {
    const h = harness();
    await send(h.theirs, 3);
    for (const [i, a] of ['A', 'B', 'C'].entries()) h.held[i]!.resolve(answer(a));
    await tick();
    expect(Buffer.concat(h.chunks)).toEqual(bytes(['A', 'B', 'C']));
    expect(h.writes.corked).toBe(1);
    h.theirs.destroy();
  });

  it('up to a request that rejected, then closes, and gives every request its budget back', async () => {
    const h = harness();
    await send(h.theirs, 3);
    h.held[1]!.reject(new Error('a bug'));
    h.held[2]!.resolve(answer('C'));
    await tick();
    expect(h.ours.destroyed).toBe(false); // the first is still owed its answer
    h.held[0]!.resolve(answer('A'));
    await h.closed;
    expect(Buffer.concat(h.chunks)).toEqual(bytes(['A']));
    expect(h.errors).toEqual(['request handling failed without an answer']);
    expect(h.budget.requests).toBe(0);
    expect(h.budget.bytes).toBe(0);
  });
});
