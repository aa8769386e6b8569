/** Connection hygiene and framing over real sockets: D1, timeouts, the connection cap, slow readers. */
import { connect } from 'node:net';
import { encodeFrame } from '@kaoqin/protocol';
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duplexPair } from '../helpers/duplex.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let tp: TestPlatform;
beforeAll(async () => {
  tp = await startTestPlatform({ 'max-frame-bytes': '65536', 'max-connections': '20' });
});
afterAll(() => tp.stop());

const device = (sn: string) => TestDevice.tcp(tp.platform.tcpPort, sn, tp.creds, () => tp.clock.now);

describe('framing over TCP (D1)', () => {
  it('answers a frame sent one byte at a time', async () => {
    const d = await device('HYG-SPLIT');
    const frame = d.authFrame();
    for (const b of frame) {
      d.send(Uint8Array.of(b));
      await new Promise((r) => setImmediate(r));
    }
    expect((await d.next()).success).toBe(true);
    d.close();
  });

  it('answers several frames in one write, in order', async () => {
    const d = await device('HYG-MANY');
    await d.auth();
    const hb = d.requestFrame('C_HEARTBEAT', { deviceVersion: '1', deviceIp: '1' });
    const bad = d.requestFrame('C_HEARTBEAT', { deviceVersion: '1', deviceIp: '1' }, { sign: 'x' });
    d.send(Buffer.concat([hb, encodeFrame(new Uint8Array(0)), bad, hb]));
    expect((await d.next()).success).toBe(true);
    expect((await d.next()).error?.errorcode).toBe('400_04');
    expect((await d.next()).success).toBe(true);
    d.close();
  });

  it('refuses a length over the maximum with 490_01 and closes, without waiting for the payload', async () => {
    const d = await device('HYG-BIG');
    d.send(Uint8Array.of(0xff, 0xff, 0x7f)); // declares ~2 MiB
    expect((await d.next()).error?.errorcode).toBe('490_01');
    await d.closed;
  });

  it('answers the frames before a bad length in the same write, then 490_01, then closes', async () => {
    const d = await device('HYG-BEFORE');
    await d.auth();
    const hb = d.requestFrame('C_HEARTBEAT', { deviceVersion: '1', deviceIp: '1' });
    d.send(Buffer.concat([hb, hb, Uint8Array.of(0xff, 0xff, 0x7f)]));
    expect((await d.next()).success).toBe(true);
    expect((await d.next()).success).toBe(true);
    const refusal = await d.next();
    expect(refusal.apicode).toBe('');
    expect(refusal.error?.errorcode).toBe('490_01');
    await d.closed;
  });

  it('refuses a varint over 5 bytes and undecodable protobuf with 490_02', async () => {
    const d = await device('HYG-VARINT');
    d.send(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01));
    expect((await d.next()).error?.errorcode).toBe('490_02');
    await d.closed;
    const e = await device('HYG-JUNK');
    e.send(encodeFrame(Uint8Array.of(0xff, 0xff, 0xff)));
    expect((await e.next()).error?.errorcode).toBe('490_02');
    await e.closed;
  });

  it("one device's bad frame does not touch another connection", async () => {
    const good = await device('HYG-GOOD');
    await good.auth();
    const bad = await device('HYG-BAD');
    bad.send(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f));
    await bad.closed;
    expect((await good.heartbeat()).success).toBe(true);
    good.close();
  });
});

describe('timeouts', () => {
  it('closes a connection with no valid frame 10 s after opening, and one silent for 90 s', async () => {
    const idle = await device('HYG-SILENT');
    const working = await device('HYG-WORKING');
    await working.auth();
    tp.clock.advance(10_001);
    tp.platform.gateway.sweep(tp.clock.now);
    await idle.closed;
    expect((await working.heartbeat()).success).toBe(true);
    tp.clock.advance(90_001);
    tp.platform.gateway.sweep(tp.clock.now);
    await working.closed;
  });
});

describe('capacity', () => {
  it('refuses connections past the cap with 490_03 and serves the rest', async () => {
    const held: TestDevice[] = [];
    for (let i = tp.platform.gateway.connectionCount; i < 20; i++) held.push(await device(`HYG-CAP-${i}`));
    const over = await device('HYG-CAP-OVER');
    expect((await over.next()).error?.errorcode).toBe('490_03');
    await over.closed;
    expect((await held[0]!.auth()).success).toBe(true);
    for (const h of held) h.close();
  });
});

describe('slow readers', () => {
  it('are no longer read while they do not read their answers: nothing piles up in the platform', async () => {
    const [ours, theirs] = duplexPair();
    tp.platform.gateway.handle(ours);
    const d = new TestDevice(theirs, 'HYG-SLOW', tp.creds, () => tp.clock.now);
    await d.auth();
    theirs.pause(); // the device stops reading its answers
    theirs.removeAllListeners('data');
    const hb = d.requestFrame('C_HEARTBEAT', { deviceVersion: 'x'.repeat(100), deviceIp: '1' });
    for (let i = 0; i < 5000; i++) theirs.write(hb);
    await new Promise((r) => setTimeout(r, 200));
    // The platform stopped reading: the device's own writes back up on its side...
    expect(theirs.writableLength).toBeGreaterThan(100_000);
    // ...while what the platform holds stays within its buffer limit.
    expect(ours.writableLength).toBeLessThanOrEqual(tp.platform.config.maxWriteBufferBytes);
    theirs.destroy();
  });
});

it('a plain TCP connection that closes at once leaves nothing behind', async () => {
  const before = tp.platform.gateway.connectionCount;
  const s = connect(tp.platform.tcpPort, '127.0.0.1');
  await new Promise((r) => s.once('connect', r));
  s.destroy();
  await new Promise((r) => setTimeout(r, 50));
  expect(tp.platform.gateway.connectionCount).toBe(before);
});
