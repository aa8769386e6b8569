/**
 * The results of one run and their plain-text rendering: the table (metric | platform |
 * baseline | ratio | target | verdict), then detail lines from which every number in
 * the table can be traced: the data set, each case's path, depth, statements and plans,
 * the hash parameters.
 */
import { migrations } from '../../packages/platform/src/store/migrations/index.js';
import { dec, int, type Row, ratio, table } from '../lib/table.js';
import type { DbName, Settings, Sizes } from './config.js';
import type { DataSet } from './generate.js';
import type { Latency } from './http.js';
import type { CaseResult, Filters } from './lists.js';
import type { LoginResult } from './login.js';

export const TARGETS = {
  sizes: { persons: 100_000, devices: 1000, attendance: 5_000_000 },
  p95Ms: 50,
  ratio: 2,
  loginsPerCore: 200,
};

export interface DbReport {
  db: DbName;
  set?: DataSet;
  filters?: Filters;
  cases: CaseResult[];
  login?: LoginResult;
  /** One-minute load average when this store's measurements began and ended. */
  load?: { start: number; end: number };
  errors: string[];
}

export interface Report {
  host: string[];
  settings: Settings;
  dbs: DbReport[];
}

const ms = (x: number | undefined) =>
  x === undefined || Number.isNaN(x) ? '—' : `${dec(x < 10 ? 2 : 1).format(x)}`;
const trio = (l: Latency | undefined) => (l ? `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)} ms` : '—');
const perSec = (x: number | undefined) => (x === undefined ? '—' : `${int.format(x)}/s`);

export function atIssueScale(s: Sizes): boolean {
  const t = TARGETS.sizes;
  return s.persons >= t.persons && s.devices >= t.devices && s.attendance >= t.attendance;
}

function judged(ok: boolean | undefined, full: boolean): string {
  if (ok === undefined) return '';
  const v = ok ? 'met' : 'MISSED';
  return full ? v : `${v} (small data)`;
}

function caseRow(db: DbName, c: CaseResult, full: boolean): Row {
  const label = `${db}: ${c.label}${c.deep ? ` @${int.format(c.deep.depth)}` : ''}`;
  if (c.error) return [label, 'error', '', '', '', 'ERROR'];
  const p95 = c.platform?.p95;
  const b95 = c.baseline?.p95;
  let verdict = '';
  let target = '';
  if (c.targeted && p95 !== undefined && b95 !== undefined) {
    target = `p95 ≤ ${TARGETS.p95Ms} ms, ≤ ${TARGETS.ratio}×`;
    const misses = [p95 > TARGETS.p95Ms ? 'p95' : '', p95 / b95 > TARGETS.ratio ? 'ratio' : ''].filter(
      Boolean,
    );
    verdict = judged(misses.length === 0, full);
    if (misses.length) verdict = verdict.replace('MISSED', `MISSED ${misses.join('+')}`);
  }
  return [label, trio(c.platform), trio(c.baseline), ratio(p95, b95), target, verdict];
}

function loginRows(db: DbName, l: LoginResult, full: boolean): Row[] {
  const ok = l.platform.perCore === undefined ? undefined : l.platform.perCore >= TARGETS.loginsPerCore;
  return [
    [
      `${db}: logins/s (${l.concurrency} in flight)`,
      perSec(l.platform.perSecond),
      perSec(l.baseline.perSecond),
      ratio(l.platform.perSecond, l.baseline.perSecond),
      '',
      '',
    ],
    [
      `${db}: logins/s per core`,
      perSec(l.platform.perCore),
      perSec(l.baseline.perCore),
      ratio(l.platform.perCore, l.baseline.perCore),
      `≥ ${TARGETS.loginsPerCore}/s per core`,
      judged(ok, full),
    ],
  ];
}

const oneLine = (sql: string, max = 400) => {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max)}…` : s;
};

function details(r: DbReport): string[] {
  const out: string[] = [];
  const s = r.set;
  if (s) {
    const gen = Object.entries(s.generation)
      .map(([t, g]) => `${t} ${int.format(g.rows)} (${dec(1).format((g.insertMs + g.indexMs) / 1000)} s)`)
      .join(', ');
    out.push(
      `${r.db}: data set ${s.key} ${s.cached ? 'from the cache' : 'generated'} (${s.generatedAt}, ` +
        `${dec(1).format(s.generationMs / 1000)} s): ${gen}`,
    );
    const added = Object.keys(migrations).filter((m) => !s.migrations.includes(m));
    if (added.length)
      out.push(`  migrations applied by the platform on the cached rows at start: ${added.join(', ')}`);
    if (s.schema) out.push(`  PostgreSQL schema ${s.schema}`);
    out.push(`  data directory ${s.dataDir}`);
  }
  if (r.load)
    out.push(
      `  load average (1 min) ${dec(2).format(r.load.start)} at the start, ${dec(2).format(r.load.end)} at the end`,
    );
  const f = r.filters;
  if (f)
    out.push(
      `  filters: site ${f.siteId} (${int.format(f.counts.sitePersons)} persons assigned, ` +
        `${int.format(f.counts.siteRange)} clock-ins in the week), person ${f.personId} ` +
        `(${int.format(f.counts.person)} clock-ins); ${int.format(f.counts.persons)} persons, ` +
        `${int.format(f.counts.attendance)} clock-ins in all`,
    );
  for (const c of r.cases) {
    out.push(
      `  ${c.label}: GET ${c.path}${c.deep ? ` (cursor ${c.deep.how}, ${int.format(c.deep.depth)} rows in)` : ''}`,
    );
    if (c.error) {
      out.push(`    error: ${c.error}`);
      continue;
    }
    const inside = Object.entries(c.platformDb ?? {})
      .map(([role, l]) => `${role} ${ms(l.p50)} / ${ms(l.p95)}`)
      .join(', ');
    out.push(
      `    ${c.items ?? '—'} items; p50 ratio ${ratio(c.platform?.p50, c.baseline?.p50)}; ` +
        `platform max ${ms(c.platform?.max)} ms, baseline max ${ms(c.baseline?.max)} ms; ` +
        `SQL time inside the platform per request, p50 / p95 ms: ${inside || 'none'}`,
    );
    for (const q of c.statements ?? [])
      out.push(
        `    [${q.role}] ${q.rows} rows, ${ms(q.ms)} ms: ${oneLine(q.sql)}  -- ${oneLine(JSON.stringify(q.params), 160)}`,
      );
    for (const plan of c.plans ?? []) for (const line of plan) out.push(`      plan: ${line}`);
  }
  const l = r.login;
  if (l) {
    const p = l.params;
    out.push(
      `  login: scrypt N = 2^${p.log2n}, r = ${p.r}, p = ${p.p}, ${p.keyBytes}-byte key, ` +
        `${dec(1).format(p.memoryBytes / 1024 / 1024)} MiB per hash; ${int.format(l.platform.count)} logins in ` +
        `${dec(1).format(l.platform.seconds)} s, latency p50 ${ms(l.platform.latency.p50)} / p95 ` +
        `${ms(l.platform.latency.p95)} ms; platform CPU ${dec(2).format(l.platform.cores ?? Number.NaN)} cores, ` +
        `baseline CPU ${dec(2).format(l.baseline.cores ?? Number.NaN)} cores` +
        (Object.keys(l.platform.errors).length ? `; refused ${JSON.stringify(l.platform.errors)}` : ''),
    );
  }
  for (const e of r.errors) out.push(`  ERROR: ${e}`);
  return out;
}

export function formatReport(r: Report): string {
  const rows: Row[] = [];
  for (const d of r.dbs) {
    const full = d.set ? atIssueScale(d.set.sizes) : false;
    for (const c of d.cases) rows.push(caseRow(d.db, c, full));
    if (d.login) rows.push(...loginRows(d.db, d.login, full));
    if (d.cases.length === 0 && !d.login && d.errors.length)
      rows.push([`${d.db}`, 'error', '', '', '', 'ERROR']);
  }
  const s = r.settings;
  return [
    ...r.host,
    `sizes: ${int.format(s.sizes.persons)} persons, ${int.format(s.sizes.devices)} devices on ` +
      `${int.format(s.sizes.sites)} sites, ${int.format(s.sizes.attendance)} clock-ins over ${s.sizes.days} days; ` +
      `${s.samples} requests per case after ${s.warmup} unmeasured, ${s.limit} items per page, deep pages at ` +
      `${dec(0).format(s.depth * 100)} % of their list`,
    'latency columns: p50 / p95 / p99 over keep-alive HTTP, one request at a time; baseline: the same SQL ' +
      'replayed straight to the database; ratio: p95 ÷ p95',
    '',
    table(rows),
    '',
    ...r.dbs.flatMap(details),
  ].join('\n');
}
