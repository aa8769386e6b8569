/**
 * A scratch PostgreSQL database for one run of the harness: `--database-url` names a
 * server (and a database to connect to first); the run creates `kaoqin_bench_<pid>` on
 * that server, gives the platform (and the raw baseline) its URL, and drops it at the end,
 * so every run starts from an empty database and leaves nothing behind.
 */
import pg from 'pg';

export interface ScratchDatabase {
  /** The URL of the scratch database: the given URL with its database name replaced. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function run(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const name = `kaoqin_bench_${process.pid}`;
  // A database left by an earlier run that was killed before its cleanup (same pid reused).
  await run(serverUrl, `drop database if exists ${name} with (force)`);
  await run(serverUrl, `create database ${name}`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  let dropped = false;
  return {
    url: u.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      // FORCE ends a platform connection a killed run may have left open.
      await run(serverUrl, `drop database if exists ${name} with (force)`);
    },
  };
}
