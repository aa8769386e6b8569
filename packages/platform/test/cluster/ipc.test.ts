/**
 * What the workers' IPC (cluster/ipc-*.ts) does beyond the shared suites: it dispatches
 * only the ports' own methods, a call the primary does not answer fails in time (the
 * device gets a server error, not a hang), a worker that exits leaves the bus, and the
 * primary's face detector answers every worker, a full queue still known by its class.
 */

import { FacePoolBusyError, faceSimilarity } from '@kaoqin/faces';
import { afterEach, describe, expect, it } from 'vitest';
import { IpcBus, IpcClient, IpcFaceService, IpcTokenStore } from '../../src/cluster/ipc-client.js';
import { batching, type SharedFaces } from '../../src/cluster/ipc-protocol.js';
import { MemoryPresenceRegistry } from '../../src/domain/presence-registry.js';
import { MemoryTokenStore } from '../../src/domain/tokens.js';
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

  it("hands the primary's face detector the photo bytes and its answers back, errors by class", async () => {
    const seen: number[][] = [];
    let busy = false;
    const faces: SharedFaces = {
      async checkPhoto(bytes, field, embedding) {
        seen.push([...bytes]);
        if (busy) throw new FacePoolBusyError(64);
        return {
          ok: true,
          verdicts: [{ field, rule: 'face_count', ok: true, value: '1 face' }],
          ...(embedding ? { embedding: [0.5, 0.25] } : {}),
        } as never;
      },
      async cardFaces(bytes) {
        return { count: bytes.length };
      },
      async warm() {},
    };
    pair = ipcPair(IDLE_MS, {
      tokens: new MemoryTokenStore(IDLE_MS),
      presence: new MemoryPresenceRegistry(),
      faces,
    });
    const remote = new IpcFaceService(pair.worker());
    const answer = await remote.checkPhoto(Uint8Array.from([1, 2, 3]), 'photos.0', true);
    expect(answer).toMatchObject({ ok: true, embedding: [0.5, 0.25] });
    expect(answer.verdicts[0]).toMatchObject({ field: 'photos.0' });
    expect(seen).toEqual([[1, 2, 3]]);
    expect(await remote.cardFaces(new Uint8Array(7))).toEqual({ count: 7 });
    await remote.warm();
    // Arithmetic stays in the worker.
    expect(remote.similarity).toBe(faceSimilarity);
    busy = true;
    const err = await remote.checkPhoto(new Uint8Array(1), 'photos.0', false).catch((e: unknown) => e);
    // The API answers 503 for this class: it must survive the trip.
    expect(err).toBeInstanceOf(FacePoolBusyError);
    expect((err as Error).message).toContain('64 photos waiting');
  });

  it('refuses a port the primary does not serve', async () => {
    pair = ipcPair(IDLE_MS);
    const remote = new IpcFaceService(pair.worker());
    await expect(remote.cardFaces(new Uint8Array(1))).rejects.toThrow('no such shared call: faces.cardFaces');
  });

  it('sends the messages of one turn as one, and hands a batch on message by message', async () => {
    const sent: unknown[] = [];
    let deliver: (m: unknown) => void = () => {};
    const end = batching<string>({
      send: (m) => sent.push(m),
      listen: (h) => {
        deliver = h;
        return () => {};
      },
    });
    for (let i = 0; i < 200; i++) end.send(`m${i}`);
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([{ kq: 'batch', items: Array.from({ length: 200 }, (_, i) => `m${i}`) }]);
    end.send('alone');
    await new Promise((r) => setImmediate(r));
    expect(sent[1]).toBe('alone');
    const got: unknown[] = [];
    end.listen((m) => got.push(m));
    deliver({ kq: 'batch', items: [{ kq: 'a' }, { kq: 'b' }] });
    deliver({ kq: 'c' });
    expect(got).toEqual([{ kq: 'a' }, { kq: 'b' }, { kq: 'c' }]);
  });

  it('answers each of many calls made in one turn (batched both ways)', async () => {
    pair = ipcPair(IDLE_MS);
    const store = new IpcTokenStore(pair.worker());
    const sizes = await Promise.all(Array.from({ length: 200 }, () => store.size()));
    expect(sizes).toEqual(Array(200).fill(0));
  });
});
