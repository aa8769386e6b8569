/**
 * The event loop's long turns in a V8 .cpuprofile (`node --cpu-prof`): stretches of
 * consecutive samples with no "(idle)" among them, longer than a threshold, each with
 * what ran in it. A phase that is not saturated idles between requests, so a long busy
 * stretch is a stall every request waiting on that loop shared (issue 15: none over 20 ms
 * at 25 % of the max rate). Saturated phases never idle and show one long stretch.
 *
 *   node --conditions=source --import tsx bench/lib/cpu-stalls.ts FILE.cpuprofile \
 *     [--from S] [--to S] [--over MS] [--top N]
 *
 * --from/--to cut by seconds since the profile's start (read a phase's window off the
 * bench's progress lines: the platform starts about a second after the harness).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { label, type Profile, type ProfileNode } from './cpuprofile.js';

/** Frames that sit under everything and say nothing about what ran. */
const NOISE = new Set(['(root)', '(program)', 'processTicksAndRejections', 'runMicrotasks', '(anonymous)']);

export interface Stall {
  startS: number;
  ms: number;
  /** The functions on most of the stretch's stacks, with their share of its samples. */
  top: [string, number][];
}

export function findStalls(
  profile: Profile,
  opts: { from: number; to: number; overMs: number; top: number },
): Stall[] {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) byId.set(n.id, n);
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const labels = (id: number): Set<string> => {
    const out = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at)!.callFrame);
      if (!NOISE.has(l.split(' ')[0]!)) out.add(l);
    }
    return out;
  };
  const stalls: Stall[] = [];
  let t = 0;
  let start = -1;
  let counts = new Map<string, number>();
  let n = 0;
  const close = (end: number): void => {
    const ms = (end - start) / 1000;
    if (start >= 0 && ms > opts.overMs) {
      const top = [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, opts.top)
        .map(([k, v]): [string, number] => [k, (100 * v) / n]);
      stalls.push({ startS: start / 1e6, ms, top });
    }
    start = -1;
    counts = new Map();
    n = 0;
  };
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i]!;
    const s = t / 1e6;
    if (s < opts.from || s > opts.to) return;
    const idle = byId.get(id)!.callFrame.functionName === '(idle)';
    if (idle) {
      close(t);
      return;
    }
    if (start < 0) start = t;
    n++;
    for (const l of labels(id)) counts.set(l, (counts.get(l) ?? 0) + 1);
  });
  close(t);
  return stalls;
}

function main(): void {
  const argv = process.argv.slice(2);
  const opt = (name: string, dflt: number): number => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const file = argv.find((a, i) => !a.startsWith('--') && (i === 0 || !argv[i - 1]!.startsWith('--')));
  if (!file) throw new RangeError('usage: cpu-stalls.ts FILE [--from S] [--to S] [--over MS] [--top N]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const stalls = findStalls(profile, {
    from: opt('--from', 0),
    to: opt('--to', Number.POSITIVE_INFINITY),
    overMs: opt('--over', 20),
    top: opt('--top', 8),
  });
  console.log(`${stalls.length} busy stretches over ${opt('--over', 20)} ms`);
  for (const s of stalls.sort((a, b) => b.ms - a.ms)) {
    console.log(`\n${s.ms.toFixed(1)} ms at ${s.startS.toFixed(2)} s`);
    for (const [k, v] of s.top) console.log(`  ${v.toFixed(0).padStart(3)} %  ${k}`);
  }
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) main();
