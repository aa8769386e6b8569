/**
 * One store's run: its data set (generated or cached), the platform started on it in
 * its own process (platform-child.ts), the list cases and the logins measured against
 * it. Problems are recorded in the report, never thrown, so the other store still runs.
 */
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkTs, nextMessage, stop } from '../gateway/children.js';
import { progress } from '../lib/cli.js';
import { IpcClient } from '../lib/ipc.js';
import { int } from '../lib/table.js';
import type { DbName, Settings } from './config.js';
import { type DirectDb, openDirect } from './direct.js';
import { ADMIN_PASSWORD, type DataSet, dataSet } from './generate.js';
import { HttpClient } from './http.js';
import { cases, discover, type ListContext, measureCase } from './lists.js';
import { measureLogins } from './login.js';
import type { ChildHello, PlatformChildConfig, PlatformCommands } from './platform-child.js';
import type { DbReport, Report } from './report.js';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface PlatformHandle {
  child: ChildProcess;
  pid: number;
  httpPort: number;
  rpc: IpcClient<PlatformCommands>;
}

const isHello = (m: unknown): m is ChildHello =>
  typeof m === 'object' && m !== null && 'type' in m && (m.type === 'ready' || m.type === 'error');

/** The platform on a data set, in its own process (platform-child.ts). */
export async function startPlatformChild(set: DataSet): Promise<PlatformHandle> {
  const cfg: PlatformChildConfig = {
    dataDir: set.dataDir,
    databaseUrl: set.databaseUrl,
    adminPassword: ADMIN_PASSWORD,
  };
  const child = forkTs(resolve(HERE, 'platform-child.ts'), { BENCH_API_PLATFORM: JSON.stringify(cfg) });
  try {
    // Long: a migration added since the data set was generated may index millions of rows.
    const hello = await nextMessage(child, isHello, 900_000);
    if (hello.type === 'error') throw new Error(`platform child: ${hello.error}`);
    return { child, pid: hello.pid, httpPort: hello.httpPort, rpc: new IpcClient(child, 'platform child') };
  } catch (e) {
    await stop(child, 2000);
    throw e;
  }
}

export async function login(http: HttpClient): Promise<string> {
  const a = await http.call('POST', '/api/v1/auth/login', {
    body: { username: 'admin', password: ADMIN_PASSWORD },
  });
  if (a.status !== 200) throw new Error(`login: ${a.status} ${a.text.slice(0, 300)}`);
  return (JSON.parse(a.text) as { token: string }).token;
}

/** Everything measured against one store; problems are recorded, never thrown. */
export async function runDb(s: Settings, db: DbName): Promise<DbReport> {
  const r: DbReport = { db, cases: [], errors: [] };
  let p: PlatformHandle | undefined;
  let http: HttpClient | undefined;
  let direct: DirectDb | undefined;
  try {
    progress(`${db}: data set (${int.format(s.sizes.attendance)} clock-ins)`);
    const set = await dataSet({ db, sizes: s.sizes, cacheDir: s.cacheDir, pgUrl: s.pgUrl, fresh: s.fresh });
    r.set = set;
    progress(`${db}: ${set.cached ? 'cached' : 'generated'} data set ${set.key}; starting the platform`);
    p = await startPlatformChild(set);
    http = new HttpClient(p.httpPort, Math.max(1, s.loginConcurrency));
    const token = await login(http);
    direct = await openDirect(set);
    const loadStart = loadavg()[0]!;
    if (!s.skipLists) {
      r.filters = await discover(direct, set);
      const ctx: ListContext = {
        http,
        token,
        db: direct,
        rpc: p.rpc,
        samples: s.samples,
        warmup: s.warmup,
        limit: s.limit,
        depth: s.depth,
      };
      for (const spec of cases(r.filters, s.depth)) {
        progress(`${db}: ${spec.label}`);
        const c = await measureCase(ctx, spec);
        if (c.error) progress(`${db}: ${spec.label}: ${c.error.split('\n')[0]}`);
        r.cases.push(c);
      }
    }
    if (!s.skipLogin) {
      progress(`${db}: logins, ${s.loginConcurrency} in flight for ${s.loginSeconds} s, then scrypt alone`);
      r.login = await measureLogins(http, direct, p.pid, s.loginSeconds, s.loginConcurrency);
    }
    r.load = { start: loadStart, end: loadavg()[0]! };
  } catch (e) {
    r.errors.push((e as Error).stack ?? String(e));
    progress(`${db}: ERROR ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await direct?.close();
    http?.close();
    if (p) await stop(p.child, 10_000);
  }
  return r;
}

export function failed(r: Report): boolean {
  return r.dbs.some((d) => d.errors.length > 0 || d.cases.some((c) => c.error !== undefined));
}
