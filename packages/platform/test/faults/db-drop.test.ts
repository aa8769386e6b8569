/**
 * The database connection dropped under a stream of sign-ins (PostgreSQL backends
 * terminated again and again): a record is acked only if it was committed, the ones
 * refused get 490_08 and are sent again, and in the end every record is stored exactly
 * once.
 */

import { TestDevice } from '@kaoqin/testkit';
import { describe, expect, it } from 'vitest';
import { admin, freshSchema, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { startTestPlatform } from '../helpers/platform.js';

const suite = PG_URL ? describe : describe.skip;
if (!PG_URL) {
  if (SERVICES_REQUIRED)
    it('requires PostgreSQL', () => expect.fail(`database fault tests are required here: ${PG_HOW}`));
  else console.warn(`database fault tests skipped: ${PG_HOW}`);
}

suite('PostgreSQL connections dropped mid-stream', () => {
  it('acks only what was committed and ends with every record once', { timeout: 120_000 }, async () => {
    const base = PG_URL!;
    const { schema, drop } = await freshSchema(base);
    const app = `kq_fault_${schema}`;
    const tp = await startTestPlatform({}, { databaseUrl: inSchema(base, schema, app) });
    /**
     * Drops the platform's connections while its insert is inside a transaction: a lock
     * holds the insert, then its backend is terminated, then the lock goes.
     */
    const dropMidTransaction = (send: () => void) =>
      admin(base, async (c) => {
        await c.query('begin');
        await c.query(`lock table ${schema}.attendance in access exclusive mode`);
        send();
        for (let i = 0; i < 200; i++) {
          const { rows } = await c.query(
            "select count(*)::int as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'",
            [app],
          );
          if (rows[0].n > 0) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        await c.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [
          app,
        ]);
        await c.query('rollback');
      });
    try {
      const d = await TestDevice.tcp(tp.platform.tcpPort, 'PGDROP-1', tp.creds, () => tp.clock.now);
      expect((await d.auth()).success).toBe(true);
      const n = 1500;
      const recs = Array.from({ length: n }, (_, i) => ({
        personId: `w${i}`,
        type: 1,
        recordTime: tp.clock.now - i,
      }));
      let pending = recs.map((_, i) => i);
      const busy: string[] = [];
      let kills = 0;
      for (let round = 0; pending.length > 0 && round < 20; round++) {
        const failed: number[] = [];
        for (let at = 0; at < pending.length; at += 50) {
          const chunk = pending.slice(at, at + 50);
          const send = () => {
            for (const i of chunk) d.send(d.requestFrame('C_SIGN_IN', recs[i]!));
          };
          if (round === 0 && at % 150 === 0) {
            await dropMidTransaction(send);
            kills++;
          } else send();
          for (const i of chunk) {
            const a = await d.next(10_000);
            if (!a.success) {
              busy.push(a.error!.errorcode);
              failed.push(i);
            }
          }
        }
        pending = failed;
      }
      expect(kills).toBeGreaterThan(5);
      expect(busy.length, 'dropped transactions were refused').toBeGreaterThan(0);
      expect(pending).toEqual([]);
      // Refusals are "busy, send again", never anything that would make a device drop the record.
      expect(new Set(busy)).toEqual(new Set(busy.length ? ['490_08'] : []));
      const rows = await tp.platform.data.store.attendance.list({ sn: 'PGDROP-1', limit: 10_000 });
      expect(rows).toHaveLength(n);
      expect(new Set(rows.map((r) => r.personId)).size).toBe(n);
      d.close();
    } finally {
      await tp.stop();
      await drop();
    }
  });
});
