/**
 * A webhook receiver for benchmarks: counts the POSTs it gets and answers 204 at once,
 * so what is measured is the platform's side of delivery, not a slow endpoint.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HookReceiver {
  url: string;
  count(): number;
  close(): Promise<void>;
}

export async function startHookReceiver(): Promise<HookReceiver> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST') n++;
      res.writeHead(204).end();
    });
  });
  // Senders keep their connections: a receiver that closed them would add a handshake a POST.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    count: () => n,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
