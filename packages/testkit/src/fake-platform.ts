/**
 * A fake platform for connection-level tests: a TCP server that decodes device requests
 * with @kaoqin/protocol and answers as the test's handler decides.
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  type AnswerInit,
  decodeRequestPayload,
  encodeAnswerFrame,
  FrameDecoder,
  type IncomingRequest,
} from '@kaoqin/protocol';

/** A fake platform for connection-level tests: the handler decides what each request gets. */
export interface FakePlatform {
  port: number;
  sockets: Socket[];
  /** Requests received, in order. */
  received: IncomingRequest[];
  close(): Promise<void>;
}

export type FakeHandler = (
  req: IncomingRequest,
  reply: (answer: Partial<AnswerInit>) => void,
  socket: Socket,
) => void;

export async function startFakePlatform(handler: FakeHandler): Promise<FakePlatform> {
  const sockets: Socket[] = [];
  const received: IncomingRequest[] = [];
  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(chunk)) {
        const req = decodeRequestPayload(payload);
        received.push(req);
        handler(
          req,
          (answer) => {
            if (!socket.destroyed) socket.write(answerFrame({ apicode: req.apicode ?? '', ...answer }));
          },
          socket,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no port');
  return {
    port: addr.port,
    sockets,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function answerFrame(answer: Partial<AnswerInit>): Uint8Array {
  return encodeAnswerFrame({ version: 'v1.0.0', success: true, apicode: '', ...answer });
}
