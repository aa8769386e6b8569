/**
 * What one heap snapshot holds beyond another, by kind of object: the live heap a held
 * device costs, say (a snapshot of a serve process before its devices connect, one after;
 * take both with `node --heapsnapshot-signal=SIGUSR2` and `kill -USR2 <pid>`: a snapshot
 * runs a full collection first, so it counts live objects only).
 *
 *   node --conditions=source --import tsx bench/lib/heap-diff.ts BEFORE.heapsnapshot \
 *     AFTER.heapsnapshot [--per N] [--top N]
 *
 * `--per N` divides the growth by N (the devices connected in between). Rows are V8's
 * node types with the constructor's name for objects and closures ("object:Socket",
 * "closure:onClose"); "synthetic" rows are native memory Node reports for its handles.
 * A snapshot costs the process memory of its own (RSS grew by ~190 MB for a 45 MB heap
 * here): read RSS before taking one, not after.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count by kind. */
function totals(file: string): Map<string, { bytes: number; count: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]!]!;
    const named = type === 'object' || type === 'closure' || type === 'native';
    const kind = named ? `${type}:${s.strings[s.nodes[i + iName]!]!.slice(0, 60)}` : type;
    const t = out.get(kind) ?? { bytes: 0, count: 0 };
    t.bytes += s.nodes[i + iSize]!;
    t.count++;
    out.set(kind, t);
  }
  return out;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { per: { type: 'string' }, top: { type: 'string' } },
});
if (positionals.length !== 2) {
  process.stderr.write('usage: heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [--per N] [--top N]\n');
  process.exit(2);
}
const per = Number(values.per ?? 1);
const top = Number(values.top ?? 30);
const before = totals(positionals[0]!);
const after = totals(positionals[1]!);
const rows = [...after].map(([kind, a]) => {
  const b = before.get(kind) ?? { bytes: 0, count: 0 };
  return { kind, bytes: a.bytes - b.bytes, count: a.count - b.count };
});
const sum = (m: Map<string, { bytes: number }>) => [...m.values()].reduce((n, t) => n + t.bytes, 0);
const grown = sum(after) - sum(before);
const unit = per === 1 ? 'bytes' : `bytes each of ${per}`;
process.stdout.write(
  `heap ${(sum(before) / 1e6).toFixed(1)} → ${(sum(after) / 1e6).toFixed(1)} MB; grown ${(grown / per).toFixed(0)} ${unit}\n`,
);
rows.sort((x, y) => y.bytes - x.bytes);
for (const r of rows.slice(0, top))
  process.stdout.write(
    `${(r.bytes / per).toFixed(0).padStart(10)} ${String(r.count).padStart(9)} objects  ${r.kind}\n`,
  );
