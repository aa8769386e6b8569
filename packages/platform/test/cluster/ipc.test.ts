/**
 * What the workers' IPC (cluster/ipc-*.ts) does beyond the shared suites: it dispatches
 * only the ports' own methods, a call the primary does not answer fails in time (the
 * device gets a server error, not a hang), and a worker that exits leaves the bus.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IpcBus, IpcClient } from '../../src/cluster/ipc-client.js';
import { type IpcPair, ipcPair } from '../helpers/ipc-pair.js';

const IDLE_MS = 30 * 60_000;
let pair: IpcPair | undefined;
afterEach(() => pair?.close());

describe('the workers IPC', () => {
  it('calls nothing but the shared ports methods', async () => {
    pair = ipcPair(IDLE_MS);
    const w = pair.worker();
    await expect(w.request({ kq: 'call', port: 'tokens', method: 'constructor', args: [] })).rejects.toThrow(
      'no such shared call: tokens.constructor',
    );
    await expect(
      w.request({ kq: 'call', port: 'nothing' as 'tokens', method: 'use', args: [] }),
    ).rejects.toThrow('no such shared call');
    // The port's own methods work on the same client afterwards.
    expect(await w.call('tokens', 'size', [])).toBe(0);
  });

  it('fails a call the primary does not answer within the timeout', async () => {
    const silent = new IpcClient({ send: () => {}, listen: () => () => {} }, { timeoutMs: 50 });
    await expect(silent.call('tokens', 'size', [])).rejects.toThrow('did not answer within 50 ms');
    silent.close();
  });

  it('a worker gone leaves the bus: its channels count it no more', async () => {
    pair = ipcPair(IDLE_MS);
    const gone = pair.worker();
    const stays = new IpcBus(pair.worker());
    await new IpcBus(gone).subscribe('kq:push', () => {});
    await stays.subscribe('kq:push', () => {});
    expect(await stays.publish('kq:push', 'x')).toBe(2);
    pair.detach(gone);
    expect(await stays.publish('kq:push', 'y')).toBe(1);
  });
});
