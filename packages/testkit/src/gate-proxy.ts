/** A TCP proxy that holds a platform's answers back, for tests of late and reordered answers. */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder } from '@kaoqin/protocol';

/**
 * A TCP proxy between a device and a platform that can hold the platform's answer frames
 * back (to make answers arrive late, in a chosen order). Device to platform bytes pass at
 * once; platform to device frames pass while the gate is open.
 */
export interface GateProxy {
  port: number;
  /** Lets `n` more answer frames through, then holds the rest. */
  holdAfter(n: number): void;
  /** Answer frames held now. */
  readonly held: number;
  /** Sends the oldest held frame on; false when none is held. */
  releaseOne(): boolean;
  /** Sends every held frame on and opens the gate. */
  releaseAll(): void;
  close(): Promise<void>;
}

export async function startGateProxy(target: { host: string; port: number }): Promise<GateProxy> {
  const sockets: Socket[] = [];
  let budget = Number.POSITIVE_INFINITY;
  const queue: { to: Socket; frame: Uint8Array }[] = [];
  const server: Server = createServer({ noDelay: true }, (device) => {
    const upstream = connect({ host: target.host, port: target.port, noDelay: true });
    sockets.push(device, upstream);
    const decoder = new FrameDecoder();
    device.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(chunk)) {
        const frame = encodeFrame(payload);
        if (budget > 0) {
          budget--;
          if (!device.destroyed) device.write(frame);
        } else queue.push({ to: device, frame });
      }
    });
    const end = () => {
      device.destroy();
      upstream.destroy();
    };
    device.on('error', end);
    upstream.on('error', end);
    device.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no port');
  const send = (q: { to: Socket; frame: Uint8Array }) => {
    if (!q.to.destroyed) q.to.write(q.frame);
  };
  return {
    port: addr.port,
    holdAfter(n) {
      budget = n;
    },
    get held() {
      return queue.length;
    },
    releaseOne() {
      const q = queue.shift();
      if (q) send(q);
      return q !== undefined;
    },
    releaseAll() {
      budget = Number.POSITIVE_INFINITY;
      for (const q of queue.splice(0)) send(q);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
