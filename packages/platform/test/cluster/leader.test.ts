/**
 * One leader per cluster for the once-only jobs (cluster/leader.ts), on PostgreSQL:
 * exactly one of several processes leads; when the leader stops, or its connection is
 * killed as when its process dies, another takes over at its next try; platforms in
 * separate schemas are separate clusters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PgLeader } from '../../src/cluster/leader.js';
import { admin, freshSchema, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { startTestPlatform } from '../helpers/platform.js';
import { until } from '../helpers/until.js';

const RETRY_MS = 100;
const open: PgLeader[] = [];
const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
  for (const d of drops.splice(0)) await d();
});

if (!PG_URL) {
  if (SERVICES_REQUIRED)
    it('requires PostgreSQL', () => expect.fail(`the leader tests are required here: ${PG_HOW}`));
  else console.warn(`cluster leader tests skipped: ${PG_HOW}`);
}

async function schemaUrl(): Promise<string> {
  const s = await freshSchema(PG_URL!);
  drops.push(s.drop);
  return inSchema(PG_URL!, s.schema);
}

async function leader(databaseUrl: string, onChange?: (leading: boolean) => void): Promise<PgLeader> {
  const l = await PgLeader.start({ databaseUrl, retryMs: RETRY_MS, ...(onChange ? { onChange } : {}) });
  open.push(l);
  return l;
}

describe.runIf(PG_URL)('cluster leader (PostgreSQL advisory lock)', () => {
  it('lets exactly one of three processes lead, however long they run', async () => {
    const url = await schemaUrl();
    const all = [await leader(url), await leader(url), await leader(url)];
    expect(all.map((l) => l.leading)).toEqual([true, false, false]);
    await new Promise((r) => setTimeout(r, 5 * RETRY_MS));
    expect(all.filter((l) => l.leading)).toHaveLength(1);
    expect(all[0]!.leading).toBe(true);
  });

  it('hands over when the leader stops', async () => {
    const url = await schemaUrl();
    const a = await leader(url);
    const b = await leader(url);
    expect([a.leading, b.leading]).toEqual([true, false]);
    await a.close();
    await until(() => b.leading, 3_000);
  });

  it('hands over when the leader’s connection dies: the old leader knows at once, and one leads after', async () => {
    const url = await schemaUrl();
    const aChanges: boolean[] = [];
    const a = await leader(url, (l) => aChanges.push(l));
    const b = await leader(url);
    expect(a.leading).toBe(true);
    // What a SIGKILLed process leaves: its session gone, so its lock released.
    await killLeaderSession(url);
    // A learns at once that it lost the lock; then whichever tries first leads (A again, on
    // a new session, or B), and only one.
    await until(() => aChanges.includes(false), 3_000);
    await until(() => a.leading !== b.leading, 3_000);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, RETRY_MS));
      expect(Number(a.leading) + Number(b.leading)).toBe(1);
    }
    await killLeaderSession(url); // and whoever leads now, the lock is one session's
  });

  it('keeps platforms in separate schemas apart: each leads its own', async () => {
    const one = await leader(await schemaUrl());
    const two = await leader(await schemaUrl());
    expect([one.leading, two.leading]).toEqual([true, true]);
  });
});

/** Terminates the session holding this schema's leader lock. */
async function killLeaderSession(url: string): Promise<void> {
  const schema = new URL(url).searchParams.get('options')!.replace('-c search_path=', '');
  await admin(PG_URL!, async (c) => {
    const r = await c.query(
      `select pg_terminate_backend(pid) as killed from pg_locks
        where locktype = 'advisory' and granted
          and objsubid = 1
          and ((classid::bigint << 32) | objid::bigint) = hashtextextended('kaoqin leader ' || $1, 0)`,
      [schema],
    );
    if (r.rowCount !== 1) throw new Error(`expected one leader session, found ${r.rowCount}`);
  });
}

describe.runIf(PG_URL)('cluster leader, two platforms on one database', () => {
  it('one serve leads the once-only jobs; when it stops, the other takes them over', async () => {
    const url = await schemaUrl();
    const key = { 'master-key': Buffer.alloc(32, 7).toString('base64') };
    const a = await startTestPlatform({ ...key, 'node-id': '1' }, { databaseUrl: url });
    let aStopped = false;
    const b = await startTestPlatform({ ...key, 'node-id': '2' }, { databaseUrl: url });
    try {
      expect([a.platform.data.leader.leading, b.platform.data.leader.leading]).toEqual([true, false]);
      await a.stop();
      aStopped = true;
      await until(() => b.platform.data.leader.leading, 5_000);
    } finally {
      if (!aStopped) await a.stop();
      await b.stop();
    }
  });
});
