/** Sockets cut mid-frame or mid-answer, and a graceful stop with requests in flight. */
import { rm } from 'node:fs/promises';
import { TestDevice } from '@kaoqin/testkit';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { startTestPlatform } from '../helpers/platform.js';

describe('cut sockets', () => {
  it('a frame cut in the middle stores nothing and disturbs no one', async () => {
    const tp = await startTestPlatform();
    try {
      const d = await TestDevice.tcp(tp.platform.tcpPort, 'CUT-1', tp.creds, () => tp.clock.now);
      await d.auth();
      const frame = d.requestFrame('C_SIGN_IN', { personId: 'p', type: 1, recordTime: tp.clock.now });
      d.send(frame.subarray(0, Math.floor(frame.length / 2)));
      await new Promise((r) => setTimeout(r, 20));
      d.close();
      await d.closed;
      const other = await TestDevice.tcp(tp.platform.tcpPort, 'CUT-2', tp.creds, () => tp.clock.now);
      await other.auth();
      expect((await other.signIn({ personId: 'q', type: 1, recordTime: tp.clock.now })).success).toBe(true);
      other.close();
      await tp.platform.attendance.close();
      expect(await tp.platform.data.store.attendance.count({ sn: 'CUT-1' })).toBe(0);
      expect(await tp.platform.data.store.attendance.count({ sn: 'CUT-2' })).toBe(1);
    } finally {
      await tp.stop();
    }
  });

  it('a record whose answer was lost with the socket is stored once, however often it is re-sent', async () => {
    const tp = await startTestPlatform();
    try {
      const rec = { personId: 'p', type: 1, recordTime: tp.clock.now };
      const d = await TestDevice.tcp(tp.platform.tcpPort, 'CUT-3', tp.creds, () => tp.clock.now);
      await d.auth();
      d.send(d.requestFrame('C_SIGN_IN', rec));
      d.close(); // gone before the answer
      await d.closed;
      const again = await TestDevice.tcp(tp.platform.tcpPort, 'CUT-3', tp.creds, () => tp.clock.now);
      await again.auth();
      for (let i = 0; i < 3; i++) expect((await again.signIn(rec)).success).toBe(true);
      again.close();
      expect(await tp.platform.data.store.attendance.count({ sn: 'CUT-3' })).toBe(1);
    } finally {
      await tp.stop();
    }
  });
});

describe('graceful stop', () => {
  it('answers every request already received, and every answered record is stored', async () => {
    const tp = await startTestPlatform();
    const d = await TestDevice.tcp(tp.platform.tcpPort, 'STOP-1', tp.creds, () => tp.clock.now);
    await d.auth();
    const n = 500;
    for (let i = 0; i < n; i++)
      d.send(d.requestFrame('C_SIGN_IN', { personId: `p${i}`, type: 1, recordTime: tp.clock.now + i }));
    // Stop once the gateway has provably read some of them (a fixed sleep raced a loaded
    // CI machine: nothing had been read yet, so nothing was owed an answer).
    const first = await d.next(5000);
    expect(first.error).toBeUndefined();
    const stopped = tp.platform.stop();
    let answered = 1;
    for (;;) {
      const a = await d.next(3000).catch(() => undefined);
      if (!a) break;
      expect(a.error).toBeUndefined();
      answered++;
    }
    await stopped;
    const store = await openStore({ dataDir: tp.dataDir });
    expect(await store.attendance.count({ sn: 'STOP-1' })).toBeGreaterThanOrEqual(answered);
    await store.close();
    await rm(tp.dataDir, { recursive: true, force: true });
  });
});
