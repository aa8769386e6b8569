/**
 * Records the SQL the platform sends to its database while a capture is open: the text,
 * the parameters, the rows and the time spent in the driver call. Installed in the
 * platform's process before it starts, by wrapping the two drivers the store uses
 * (better-sqlite3's Statement methods, pg's Client.query), so the baseline replays
 * exactly what the repos issued for a request, whatever query builder made it, and
 * follows the repos when they change.
 *
 * Only statements issued on behalf of an HTTP request count: every request's handling
 * runs inside an AsyncLocalStorage scope (entered where node:http emits 'request'), so
 * the platform's periodic jobs (task polling every 250 ms, presence) that happen to run
 * during a capture are left out. Outside a capture the wrappers only test a flag.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Server } from 'node:http';
import Database from 'better-sqlite3';
import pg from 'pg';

export interface CapturedQuery {
  sql: string;
  params: unknown[];
  rows: number;
  /** Time in the driver call, as the platform's process saw it (ms). */
  ms: number;
}

let open: CapturedQuery[] | undefined;
const inRequest = new AsyncLocalStorage<true>();
/** A capture is open and this call is part of an HTTP request's handling. */
const recording = (): boolean => open !== undefined && inRequest.getStore() === true;

export function startCapture(): void {
  open = [];
}

export function stopCapture(): CapturedQuery[] {
  const out = open ?? [];
  open = undefined;
  return out;
}

type Method = (this: { source: string }, ...args: unknown[]) => unknown;

function rowsOf(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  if (result && typeof result === 'object' && 'rows' in result && Array.isArray(result.rows))
    return result.rows.length;
  return result === undefined ? 0 : 1;
}

let installed = false;

export function installCapture(): void {
  if (installed) return;
  installed = true;
  const emit = Server.prototype.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'request') return emit.call(this, event, ...args);
    return inRequest.run(true, () => emit.call(this, event, ...args));
  };
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, Method>;
  probe.close();
  for (const name of ['all', 'get', 'run'] as const) {
    const original = proto[name]!;
    proto[name] = function (this: { source: string }, ...args: unknown[]) {
      if (!recording()) return original.apply(this, args);
      const into = open!;
      const t0 = performance.now();
      const result = original.apply(this, args);
      const params = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
      into.push({ sql: this.source, params, rows: rowsOf(result), ms: performance.now() - t0 });
      return result;
    };
  }

  const clientProto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = clientProto.query;
  clientProto.query = function (this: unknown, ...args: unknown[]) {
    const [text, values] = args;
    if (!recording() || typeof text !== 'string' || args.length > 2) return query.apply(this, args);
    const into = open!;
    const t0 = performance.now();
    const result = query.apply(this, args) as Promise<unknown>;
    return result.then((r) => {
      into.push({
        sql: text,
        params: Array.isArray(values) ? values : [],
        rows: rowsOf(r),
        ms: performance.now() - t0,
      });
      return r;
    });
  };
}
