// Preload for the platform under a bench (node --import ./bench/lib/mem-trace.mjs …):
// prints process.memoryUsage() in MB once a second to stderr, which the gateway bench
// keeps in platform.log, so a peak in RSS can be placed in a phase and split into V8 heap
// (heapTotal, heapUsed), Buffers (external, arrayBuffers) and the rest.
// KAOQIN_MEM_TRACE_MS sets the interval. KAOQIN_MEM_TRACE_SMAPS=1 adds, to each line, the
// resident anonymous memory of /proc/self/smaps by kind of mapping (the rest of RSS):
// `v8` = mappings whose size is a multiple of 256 KB (V8's pages, every isolate's),
// `malloc` = [heap] and the 64 MB-aligned arenas of other threads (glibc), `anon` = the
// other anonymous mappings (large Buffers are mmap'd on their own), `file` = code and
// other file-backed mappings.
import { readFileSync } from 'node:fs';

const every = Number(process.env.KAOQIN_MEM_TRACE_MS ?? 1000);
const smaps = process.env.KAOQIN_MEM_TRACE_SMAPS === '1';
const t0 = Date.now();
const mb = (n) => (n / 1048576).toFixed(0);

/** Resident kB by kind of mapping. */
function smapsByKind() {
  const sums = { v8: 0, malloc: 0, anon: 0, file: 0 };
  let kind = 'anon';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (m) {
      const size = Number.parseInt(m[2], 16) - Number.parseInt(m[1], 16);
      const name = m[4];
      const start = Number.parseInt(m[1], 16);
      if (name === '[heap]') kind = 'malloc';
      else if (name.startsWith('/')) kind = 'file';
      else if (name !== '') kind = 'anon';
      else if (start % (64 * 1048576) === 0 && size <= 64 * 1048576 && size >= 1048576) kind = 'malloc';
      else if (size % (256 * 1024) === 0) kind = 'v8';
      else kind = 'anon';
      continue;
    }
    if (line.startsWith('Rss:')) sums[kind] += Number(line.split(/\s+/)[1]);
  }
  return ` | smaps v8 ${(sums.v8 / 1024).toFixed(0)} malloc ${(sums.malloc / 1024).toFixed(0)} anon ${(sums.anon / 1024).toFixed(0)} file ${(sums.file / 1024).toFixed(0)}`;
}

setInterval(() => {
  const m = process.memoryUsage();
  process.stderr.write(
    `MEMTRACE ${((Date.now() - t0) / 1000).toFixed(1)} s rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} ` +
      `heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}` +
      `${smaps ? smapsByKind() : ''}\n`,
  );
}, every).unref();
