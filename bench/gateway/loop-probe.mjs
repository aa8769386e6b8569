/**
 * Event-loop delay of a server under test, from inside it. Preloaded with
 * `node --import <this file>` (the harness puts it in NODE_OPTIONS) when
 * KAOQIN_BENCH_LOOP_SOCKET names a Unix socket path. Plain JavaScript so any Node server
 * (the platform's dist, the echo server) can load it without a TypeScript loader. Only
 * the main thread of the first process reads the variable: it is removed at once, so
 * worker threads and child processes are not probed.
 *
 * A timer due every 2 ms records, each time it runs, the time and how late it ran, in a
 * ring of the last ~2 minutes. The harness asks afterwards for a window of wall-clock
 * time (`read FROM TO`, epoch ms): the answer is computed from the samples taken in it.
 * The window is not opened by a command: the server answers the probe's socket on the
 * same event loop it measures, and at saturation that took longer than the harness waited
 * (the saturated phases' lines then had no figures).
 *
 * What a timer sees at heartbeat saturation: it runs every ~2.2–2.5 s. libuv's poll phase
 * polls again without blocking, up to 48 times, while epoll fills its array of 1,024
 * events, so with every socket busy the loop reaches its timers phase that seldom. The
 * acks are not held (they are written from the socket reads); timers are.
 */
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

/** How often the timer is due, ms. A sample's lateness is measured past this. */
const RESOLUTION_MS = 2;
/** A stall is a sample this much later than due (issue 15: no stall over 20 ms). */
const STALL_MS = 20;
/** Samples kept: 65,536 × 2 ms ≈ 131 s, more than a phase with its warm-up and drain. */
const RING = 1 << 16;

/** The nearest-rank percentile of sorted values. */
function percentile(sorted, pct) {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((pct / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const path = process.env.KAOQIN_BENCH_LOOP_SOCKET;
if (isMainThread && path) {
  delete process.env.KAOQIN_BENCH_LOOP_SOCKET;
  const at = new Float64Array(RING);
  const late = new Float32Array(RING);
  let taken = 0;
  let due = performance.now() + RESOLUTION_MS;
  // Node schedules an interval's next run from the end of the last one, so that is when it is due.
  setInterval(() => {
    const now = performance.now();
    const slot = taken % RING;
    at[slot] = Date.now();
    late[slot] = Math.max(0, now - due);
    taken++;
    due = performance.now() + RESOLUTION_MS;
  }, RESOLUTION_MS).unref();

  const read = (from, to) => {
    const values = [];
    for (let k = Math.max(0, taken - RING); k < taken; k++) {
      const slot = k % RING;
      if (at[slot] >= from && at[slot] <= to) values.push(late[slot]);
    }
    values.sort((a, b) => a - b);
    return {
      count: values.length,
      p50Ms: percentile(values, 50),
      p99Ms: percentile(values, 99),
      maxMs: values.length > 0 ? values[values.length - 1] : 0,
      stallsOver20Ms: values.filter((v) => v > STALL_MS).length,
    };
  };

  const server = createServer((socket) => {
    socket.setEncoding('utf8');
    let buf = '';
    socket.on('data', (chunk) => {
      buf += chunk;
      if (buf.length > 1024) return socket.destroy();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const [cmd, from, to] = buf.slice(0, i).trim().split(/\s+/);
        buf = buf.slice(i + 1);
        const window = [Number(from), Number(to)];
        if (cmd === 'read' && window.every(Number.isFinite))
          socket.write(`${JSON.stringify(read(...window))}\n`);
        else socket.write('{"error":"usage: read FROM TO (epoch ms)"}\n');
      }
    });
    socket.on('error', () => {});
  });
  server.on('error', (err) => process.stderr.write(`loop probe: ${err.message}\n`));
  server.listen(path);
  // Never keeps the server alive on its own.
  server.unref();
}
