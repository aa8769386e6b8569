/**
 * Summarises a V8 sampling heap profile (`.heapprofile`, from bench/lib/alloc-sample.mjs
 * or `node --heap-prof`): the sampled bytes by the function that allocated them (self)
 * and by every function on the allocating stack (inclusive). `--per N` divides by N
 * (the requests answered in the window) to give bytes per request.
 *
 *   node --conditions=source --import tsx bench/lib/heapprofile.ts FILE.heapprofile \
 *     [--per N] [--top N]
 *
 * An async function's own frame (its generator, context and promise) is counted under
 * its name: in a `survivors` profile, that is the state a request keeps while it waits.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { type CallFrame, label } from './cpuprofile.js';

export interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

export interface HeapProfile {
  head: HeapNode;
}

export interface HeapSummary {
  totalBytes: number;
  /** [function, bytes], largest first. */
  self: [string, number][];
  /** [function, bytes of its subtree], largest first; a recursive function counts once. */
  inclusive: [string, number][];
}

export function summariseHeap(profile: HeapProfile): HeapSummary {
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  // `path`: the names above this node (a recursive function's subtree counts once, at its top).
  const walk = (node: HeapNode, path: ReadonlySet<string>): number => {
    const name = label(node.callFrame);
    total += node.selfSize;
    self.set(name, (self.get(name) ?? 0) + node.selfSize);
    const inner = path.has(name) ? path : new Set([...path, name]);
    let subtree = node.selfSize;
    for (const child of node.children) subtree += walk(child, inner);
    if (!path.has(name)) incl.set(name, (incl.get(name) ?? 0) + subtree);
    return subtree;
  };
  walk(profile.head, new Set());
  const sorted = (m: Map<string, number>): [string, number][] =>
    [...m.entries()].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  return { totalBytes: total, self: sorted(self), inclusive: sorted(incl) };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { per: { type: 'string' }, top: { type: 'string' } },
  });
  if (positionals.length !== 1) {
    process.stderr.write('usage: heapprofile.ts FILE.heapprofile [--per N] [--top N]\n');
    process.exit(2);
  }
  const per = Number(values.per ?? 1);
  const top = Number(values.top ?? 30);
  if (!(per > 0) || !(top > 0)) throw new RangeError('--per and --top take positive numbers');
  const s = summariseHeap(JSON.parse(readFileSync(positionals[0]!, 'utf8')) as HeapProfile);
  const row = ([k, v]: [string, number]): string =>
    `${Math.round(v / per)
      .toLocaleString('en-US')
      .padStart(12)}  ${((100 * v) / Math.max(1, s.totalBytes)).toFixed(1).padStart(5)} %  ${k}`;
  const unit = per === 1 ? 'bytes' : `bytes ÷ ${per.toLocaleString('en-US')}`;
  console.log(`${positionals[0]}: ${(s.totalBytes / 1048576).toFixed(1)} MB sampled (${unit} below)`);
  console.log('\nself');
  for (const r of s.self.slice(0, top)) console.log(row(r));
  console.log('\ninclusive');
  for (const r of s.inclusive.slice(0, top)) console.log(row(r));
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) main();
