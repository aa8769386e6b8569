/**
 * A statement timer for the embedded SQLite store: preload into the platform
 * (`node --import ./bench/lib/slow-sql.mjs packages/platform/dist/cli.js serve`) and
 * every better-sqlite3 statement, exec or pragma that holds the event loop longer than
 * KAOQIN_SLOW_SQL_MS (default 15) is written to stderr as
 * `SLOWSQL <ms> ms <ms since start> <sql>`. better-sqlite3 is synchronous, so each such
 * line is an event-loop stall, named by its SQL; a CPU profile only shows
 * "executeQuery" with the async caller lost. Bench use only: it wraps the prototype.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const over = Number(process.env.KAOQIN_SLOW_SQL_MS ?? 15);
const require = createRequire(
  fileURLToPath(new URL('../../packages/platform/package.json', import.meta.url)),
);
const Database = require('better-sqlite3');
const probe = new Database(':memory:');
const report = (ms, what) => {
  if (ms > over) {
    const at = Math.round(performance.now());
    process.stderr.write(`SLOWSQL ${ms.toFixed(1)} ms ${at} ${what.slice(0, 160).replace(/\s+/g, ' ')}\n`);
  }
};
const timed = (proto, name, text) => {
  const orig = proto[name];
  proto[name] = function (...args) {
    const t = performance.now();
    try {
      return orig.apply(this, args);
    } finally {
      report(performance.now() - t, text(this, args));
    }
  };
};
const statement = Object.getPrototypeOf(probe.prepare('select 1'));
for (const m of ['run', 'all', 'get']) timed(statement, m, (s) => s.source);
const database = Object.getPrototypeOf(probe);
for (const m of ['exec', 'pragma']) timed(database, m, (_db, args) => `${m} ${String(args[0])}`);
probe.close();
