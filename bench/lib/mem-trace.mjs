// Preload for the platform under a bench (node --import ./bench/lib/mem-trace.mjs …):
// prints process.memoryUsage() in MB once a second to stderr, which the gateway bench
// keeps in platform.log, so a peak in RSS can be placed in a phase and split into V8 heap
// (heapTotal, heapUsed), Buffers (external, arrayBuffers) and the rest.
// KAOQIN_MEM_TRACE_MS sets the interval.
const every = Number(process.env.KAOQIN_MEM_TRACE_MS ?? 1000);
const t0 = Date.now();
const mb = (n) => (n / 1048576).toFixed(0);
setInterval(() => {
  const m = process.memoryUsage();
  process.stderr.write(
    `MEMTRACE ${((Date.now() - t0) / 1000).toFixed(1)} s rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} ` +
      `heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}\n`,
  );
}, every).unref();
