/**
 * Event-loop delay of a server under test, from inside it. Preloaded with
 * `node --import <this file>` (the harness puts it in NODE_OPTIONS) when
 * KAOQIN_BENCH_LOOP_SOCKET names a Unix socket path. It keeps a monitorEventLoopDelay
 * histogram and answers one line per request on that socket: `reset` starts a new
 * window, `read` answers the window's figures as JSON. Plain JavaScript so any Node
 * server (the platform's dist, the echo server) can load it without a TypeScript loader.
 * Only the main thread of the first process reads the variable: it is removed at once,
 * so worker threads and child processes are not probed.
 */
import { createServer } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

/** Sampling interval, ms. The histogram records whole intervals, so this is subtracted. */
const RESOLUTION_MS = 2;
/** A stall is a sample this much later than due (issue 15: no stall over 20 ms). */
const STALL_MS = 20;

const path = process.env.KAOQIN_BENCH_LOOP_SOCKET;
if (isMainThread && path) {
  delete process.env.KAOQIN_BENCH_LOOP_SOCKET;
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  const ms = (ns) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  const read = () => {
    // Samples past the stall threshold, from the percentile curve (it is cumulative).
    let over = 0;
    for (const [pct, ns] of h.percentiles) {
      if (ms(ns) > STALL_MS) {
        over = Math.round(((100 - pct) / 100) * h.count);
        break;
      }
    }
    return {
      count: h.count,
      p50Ms: ms(h.percentile(50)),
      p99Ms: ms(h.percentile(99)),
      maxMs: h.count > 0 ? ms(h.max) : 0,
      stallsOver20Ms: h.count > 0 && ms(h.max) > STALL_MS ? Math.max(1, over) : 0,
    };
  };
  const server = createServer((socket) => {
    socket.setEncoding('utf8');
    let buf = '';
    socket.on('data', (chunk) => {
      buf += chunk;
      if (buf.length > 1024) return socket.destroy();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const cmd = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (cmd === 'reset') {
          h.reset();
          socket.write('{"ok":true}\n');
        } else if (cmd === 'read') socket.write(`${JSON.stringify(read())}\n`);
        else socket.write('{"error":"unknown command"}\n');
      }
    });
    socket.on('error', () => {});
  });
  server.on('error', (err) => process.stderr.write(`loop probe: ${err.message}\n`));
  server.listen(path);
  // Never keeps the server alive on its own.
  server.unref();
}
