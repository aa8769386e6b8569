/**
 * The list measurements: each case is one GET asked `samples` times one after another
 * over keep-alive HTTP, with the SQL it issued captured in the platform (capture.ts);
 * then the baseline replays that SQL (the statements that read the list, not the
 * session lookup, which the platform pays on every request) straight to the database
 * the same number of times. Which site, person and time range the filters use is read
 * from the data set, so every case asks for rows that exist.
 */
import { isoCst } from '../../packages/platform/src/api/time.js';
import type { IpcClient } from '../lib/ipc.js';
import type { CapturedQuery } from './capture.js';
import { buildDeep, type DeepCursor, pagePath, walk } from './cursor.js';
import type { DirectDb } from './direct.js';
import type { DataSet } from './generate.js';
import { type HttpClient, type Latency, latency, sample } from './http.js';
import type { PlatformCommands } from './platform-child.js';

/** The query parameters the list routes take (api.md: filters named after fields). */
export const PARAMS = { site: 'siteId', person: 'personId', since: 'since', until: 'until' } as const;

export interface ListContext {
  http: HttpClient;
  token: string;
  db: DirectDb;
  rpc: IpcClient<PlatformCommands>;
  samples: number;
  warmup: number;
  limit: number;
  depth: number;
}

export type StatementRole = 'list' | 'auth' | 'write';
const ROLES: readonly StatementRole[] = ['list', 'auth', 'write'];

export interface CaseResult {
  id: string;
  label: string;
  path: string;
  /** Whether the issue's targets (p95 ≤ 50 ms, ≤ 2× the database) apply. */
  targeted: boolean;
  deep?: Omit<DeepCursor, 'cursor'>;
  items?: number;
  platform?: Latency;
  /** The driver time of the request's statements inside the platform, per request, by role. */
  platformDb?: Partial<Record<StatementRole, Latency>>;
  baseline?: Latency;
  statements?: { sql: string; params: unknown[]; rows: number; ms: number; role: StatementRole }[];
  plans?: string[][];
  error?: string;
}

export interface Filters {
  siteId: string;
  personId: string;
  since: number;
  until: number;
  counts: { persons: number; sitePersons: number; attendance: number; siteRange: number; person: number };
}

const one = async <T>(db: DirectDb, sql: string, params: unknown[] = []): Promise<T> => {
  const [r] = await db.query<Record<string, unknown>>(sql, params);
  if (!r) throw new Error(`no row: ${sql}`);
  return Object.values(r)[0] as T;
};

/** A site in the middle of the id order, a person assigned to it, a week in the middle of the span. */
export async function discover(db: DirectDb, set: DataSet): Promise<Filters> {
  const sites = Number(await one(db, 'select count(*) as n from sites'));
  const siteId = await one<string>(
    db,
    `select id from sites order by id limit 1 offset ${Math.floor(sites / 2)}`,
  );
  const sitePersons = Number(
    await one(db, "select count(*) as n from site_assignments where site_id = $1 and status = 'active'", [
      siteId,
    ]),
  );
  const personId = await one<string>(
    db,
    `select person_id from site_assignments where site_id = $1 and status = 'active' order by person_id limit 1 offset ${Math.floor(sitePersons / 2)}`,
    [siteId],
  );
  const week = 7 * 86_400_000;
  const since = Math.floor((set.startMs + set.endMs) / 2 - week / 2);
  const until = since + week;
  const count = async (where: string, params: unknown[]) =>
    Number(await one(db, `select count(*) as n from attendance ${where}`, params));
  return {
    siteId,
    personId,
    since,
    until,
    counts: {
      persons: Number(await one(db, "select count(*) as n from persons where status = 'active'")),
      sitePersons,
      attendance: await count('', []),
      siteRange: await count('where site_id = $1 and record_time >= $2 and record_time < $3', [
        siteId,
        since,
        until,
      ]),
      person: await count('where person_id = $1', [personId]),
    },
  };
}

interface CaseSpec {
  id: string;
  label: string;
  path: string;
  targeted: boolean;
  /** Rows before the deep page, and whether its cursor may be built (an unfiltered list of this table). */
  deep?: { rows: number; table?: string };
}

export function cases(f: Filters, depth: number): CaseSpec[] {
  const q = (base: string, params: Record<string, string>) =>
    `${base}?${Object.entries(params)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&')}`;
  const site = { [PARAMS.site]: f.siteId };
  const range = { ...site, [PARAMS.since]: isoCst(f.since), [PARAMS.until]: isoCst(f.until) };
  const deep = (n: number) => Math.floor(n * depth);
  return [
    { id: 'floor', label: 'GET /auth/me (HTTP + auth floor)', path: '/api/v1/auth/me', targeted: false },
    { id: 'persons', label: 'persons, first page', path: '/api/v1/persons', targeted: true },
    {
      id: 'persons-deep',
      label: 'persons, deep page',
      path: '/api/v1/persons',
      targeted: true,
      deep: { rows: deep(f.counts.persons) },
    },
    {
      id: 'persons-site',
      label: 'persons of a site, first page',
      path: q('/api/v1/persons', site),
      targeted: true,
    },
    {
      id: 'persons-site-deep',
      label: 'persons of a site, deep page',
      path: q('/api/v1/persons', site),
      targeted: true,
      deep: { rows: deep(f.counts.sitePersons) },
    },
    {
      id: 'site-roster',
      label: 'a site’s roster, first page',
      path: `/api/v1/sites/${encodeURIComponent(f.siteId)}/persons`,
      targeted: true,
    },
    { id: 'attendance', label: 'attendance, first page', path: '/api/v1/attendance', targeted: true },
    {
      id: 'attendance-deep',
      label: 'attendance, deep page',
      path: '/api/v1/attendance',
      targeted: true,
      deep: { rows: deep(f.counts.attendance), table: 'attendance' },
    },
    {
      id: 'attendance-site-week',
      label: 'attendance, site + week, first page',
      path: q('/api/v1/attendance', range),
      targeted: true,
    },
    {
      id: 'attendance-site-week-deep',
      label: 'attendance, site + week, deep page',
      path: q('/api/v1/attendance', range),
      targeted: true,
      deep: { rows: deep(f.counts.siteRange) },
    },
    {
      id: 'attendance-person',
      label: 'attendance of a person',
      path: q('/api/v1/attendance', { [PARAMS.person]: f.personId }),
      targeted: true,
    },
  ];
}

export function roleOf(sql: string): StatementRole {
  if (/^\s*(insert|update|delete)\b/i.test(sql)) return 'write';
  if (/\bfrom\s+"?(sessions|accounts)"?(\s|$)/i.test(sql)) return 'auth';
  return 'list';
}

async function captured(
  ctx: ListContext,
  path: string,
): Promise<{ ms: number; status: number; queries: CapturedQuery[] }> {
  await ctx.rpc.call('capture', { on: true }, 10_000);
  const a = await ctx.http.call('GET', path, { token: ctx.token });
  const queries = await ctx.rpc.call('capture', { on: false }, 10_000);
  if (a.status !== 200) throw new Error(`GET ${path}: ${a.status} ${a.text.slice(0, 300)}`);
  return { ms: a.ms, status: a.status, queries };
}

export async function measureCase(ctx: ListContext, spec: CaseSpec): Promise<CaseResult> {
  const out: CaseResult = { id: spec.id, label: spec.label, path: spec.path, targeted: spec.targeted };
  try {
    let cursor: string | null = null;
    if (spec.deep) {
      const found =
        (spec.deep.table &&
          (await buildDeep(ctx.http, ctx.db, ctx.token, spec.path, spec.deep.table, spec.deep.rows))) ||
        (await walk(ctx.http, ctx.token, spec.path, spec.deep.rows));
      cursor = found.cursor;
      out.deep = { depth: found.depth, how: found.how };
    }
    const path = spec.id === 'floor' ? spec.path : pagePath(spec.path, ctx.limit, cursor);
    const first = await ctx.http.json<{ items?: unknown[] }>(path, ctx.token);
    if (first.items) out.items = first.items.length;
    for (let i = 0; i < ctx.warmup; i++) await ctx.http.call('GET', path, { token: ctx.token });
    const ms: number[] = [];
    const dbMs: Record<StatementRole, number[]> = { list: [], auth: [], write: [] };
    let statements: CapturedQuery[] = [];
    for (let i = 0; i < ctx.samples; i++) {
      const r = await captured(ctx, path);
      ms.push(r.ms);
      for (const role of ROLES)
        dbMs[role].push(r.queries.filter((q) => roleOf(q.sql) === role).reduce((t, q) => t + q.ms, 0));
      if (i === 0) statements = r.queries;
    }
    out.platform = latency(ms);
    out.platformDb = Object.fromEntries(
      ROLES.filter((role) => dbMs[role].some((x) => x > 0)).map((role) => [role, latency(dbMs[role])]),
    );
    out.statements = statements.map((q) => ({
      sql: q.sql,
      params: q.params,
      rows: q.rows,
      ms: q.ms,
      role: roleOf(q.sql),
    }));
    const lists = statements.filter((q) => roleOf(q.sql) === 'list');
    const replay = lists.length > 0 ? lists : statements.filter((q) => roleOf(q.sql) !== 'write');
    out.baseline = latency(await sample(ctx.samples, ctx.warmup, () => ctx.db.replay(replay)));
    out.plans = [];
    for (const q of lists) out.plans.push(await ctx.db.explain(q));
  } catch (e) {
    out.error = (e as Error).message;
  }
  return out;
}
