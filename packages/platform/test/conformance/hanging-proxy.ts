/**
 * A target broken on purpose for the fuzz pass: a TCP proxy in front of a real platform
 * that passes every request frame on unchanged, except one whose protobuf does not decode,
 * which it swallows: never forwarded, never answered. A device that sent it waits for
 * ever; the fuzz pass must call that a hang.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { decodeRequestPayload, encodeFrame, FrameDecoder } from '@kaoqin/protocol';
import type { BrokenTarget } from './broken-proxy.js';

export async function hangingProxy(upstreamPort: number): Promise<BrokenTarget & { swallowed(): number }> {
  const sockets = new Set<Socket>();
  let swallowed = 0;
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(client).add(upstream);
    const decoder = new FrameDecoder();
    const bothGone = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = decoder.push(chunk);
      } catch {
        bothGone(); // a length it cannot read: a close, as a platform may answer one
        return;
      }
      for (const payload of frames) {
        try {
          decodeRequestPayload(payload);
        } catch {
          swallowed++;
          continue; // the defect: silence
        }
        upstream.write(encodeFrame(payload));
      }
    });
    upstream.pipe(client);
    for (const s of [client, upstream]) {
      s.on('error', bothGone);
      s.on('close', () => {
        sockets.delete(s);
        bothGone();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    swallowed: () => swallowed,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
