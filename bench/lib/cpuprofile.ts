/**
 * Summarises a V8 .cpuprofile (`node --cpu-prof`): where the samples of a time window
 * went, by function, self and inclusive, in % of the window's samples. A profile of a
 * whole bench/gateway run mixes every phase; `--during NAME` keeps only the samples
 * between the first and the last one whose stack holds a function called NAME (e.g.
 * `decodeBase64Photo` for the photo phase), `--from`/`--to` cut by seconds since the
 * profile's start.
 *
 *   node --conditions=source --import tsx bench/lib/cpuprofile.ts FILE.cpuprofile \
 *     [--during NAME] [--from S] [--to S] [--top N]
 *
 * "(idle)" is the event loop waiting (the process had CPU to spare), "(garbage
 * collector)" the GC's own time on the main thread, "(program)" native work V8 does
 * not attribute to a JS function (libuv callbacks, the socket reads, …).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface Args {
  file: string;
  during: string | undefined;
  from: number;
  to: number;
  top: number;
}

function parseArgs(argv: readonly string[]): Args {
  const out: Args = { file: '', during: undefined, from: 0, to: Number.POSITIVE_INFINITY, top: 25 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new RangeError(`${a} needs a value`);
      return v;
    };
    if (a === '--during') out.during = next();
    else if (a === '--from') out.from = Number(next());
    else if (a === '--to') out.to = Number(next());
    else if (a === '--top') out.top = Number(next());
    else out.file = a;
  }
  if (!out.file)
    throw new RangeError('usage: cpuprofile.ts FILE [--during NAME] [--from S] [--to S] [--top N]');
  return out;
}

export function label(f: CallFrame): string {
  const name = f.functionName || '(anonymous)';
  if (!f.url) return name;
  return `${name} ${basename(f.url)}:${f.lineNumber + 1}`;
}

export interface Summary {
  windowMs: number;
  samples: number;
  self: [string, number][];
  inclusive: [string, number][];
}

export function summarise(
  profile: Profile,
  opts: { during?: string | undefined; from?: number; to?: number },
): Summary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) byId.set(n.id, n);
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackOf = (id: number): ProfileNode[] => {
    const out: ProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) out.push(byId.get(at)!);
    return out;
  };
  // Sample times, in seconds since the start.
  const times: number[] = [];
  let t = 0;
  for (const d of profile.timeDeltas) {
    t += d;
    times.push(t / 1e6);
  }
  let from = opts.from ?? 0;
  let to = opts.to ?? Number.POSITIVE_INFINITY;
  if (opts.during) {
    let first = -1;
    let last = -1;
    profile.samples.forEach((id, i) => {
      if (stackOf(id).some((n) => n.callFrame.functionName === opts.during)) {
        if (first < 0) first = i;
        last = i;
      }
    });
    if (first < 0) throw new RangeError(`no sample has ${opts.during} on its stack`);
    from = Math.max(from, times[first]!);
    to = Math.min(to, times[last]!);
  }
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let count = 0;
  profile.samples.forEach((id, i) => {
    const at = times[i]!;
    if (at < from || at > to) return;
    count++;
    const stack = stackOf(id);
    const top = label(stack[0]!.callFrame);
    self.set(top, (self.get(top) ?? 0) + 1);
    // A recursive function counts once per sample.
    for (const name of new Set(stack.map((n) => label(n.callFrame))))
      incl.set(name, (incl.get(name) ?? 0) + 1);
  });
  const sorted = (m: Map<string, number>): [string, number][] =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, (100 * v) / Math.max(1, count)]);
  return {
    windowMs: Number.isFinite(to) ? (to - from) * 1000 : t / 1000 - from * 1000,
    samples: count,
    self: sorted(self),
    inclusive: sorted(incl),
  };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const profile = JSON.parse(readFileSync(args.file, 'utf8')) as Profile;
  const s = summarise(profile, args);
  const pct = (v: number): string => `${v.toFixed(1).padStart(5)} %`;
  console.log(`${args.file}: ${s.samples} samples over ${(s.windowMs / 1000).toFixed(1)} s`);
  console.log('\nself time');
  for (const [k, v] of s.self.slice(0, args.top)) console.log(`${pct(v)}  ${k}`);
  console.log('\ninclusive time');
  for (const [k, v] of s.inclusive.slice(0, args.top)) console.log(`${pct(v)}  ${k}`);
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) main();
