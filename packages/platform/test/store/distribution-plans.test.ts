/**
 * A task's report reads and settles the distribution rows of one task on one device
 * (settleTask, forTask) through the (task_id, device_id) index of migration 0026 on both
 * databases, never through the device's roster: with 0011's (device_id, state,
 * person_id) beside a task_id-only index, SQLite read the device's whole roster per
 * report. The exact SQL the repo runs is captured and EXPLAINed, over a wave of 2,000
 * persons on 20 devices (one task each) and a single add's task per device.
 */
import {
  type CompiledQuery,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/store/dialect.js';
import { distributionRepo } from '../../src/store/distribution.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { DistributionRow } from '../../src/store/task-types.js';
import { BACKENDS } from '../helpers/api.js';
import { explain, scratchBackend } from '../helpers/scratch-backend.js';

const DEVICES = 20;
const PERSONS = 2000;

/** Keeps every query the repo runs, to EXPLAIN it afterwards. */
class Capture implements KyselyPlugin {
  readonly nodes: { node: RootOperationNode; queryId: PluginTransformQueryArgs['queryId'] }[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.nodes.push({ node: args.node, queryId: args.queryId });
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

describe.each(BACKENDS)('distribution query plans ($name)', ({ pg }) => {
  let b: Backend;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ backend: b, cleanup } = await scratchBackend(pg));
    await migrateToLatest(b);
    const repo = distributionRepo(b.db, b.caps);
    const rows: DistributionRow[] = [];
    for (let d = 0; d < DEVICES; d++) {
      for (let p = 0; p < PERSONS; p++)
        rows.push({
          personId: `p${p}`,
          deviceId: `d${d}`,
          state: 'on_device',
          reason: null,
          taskId: `wave-${d}`,
          updatedAt: 0,
        });
      rows.push({
        personId: 'single',
        deviceId: `d${d}`,
        state: 'pending',
        reason: null,
        taskId: `single-${d}`,
        updatedAt: 1,
      });
    }
    await repo.upsert(rows);
    // PostgreSQL's autovacuum gathers statistics; the platform never runs ANALYZE on
    // SQLite, whose planner then goes by the indexes' shapes alone (as in production).
    if (pg) await sql`analyze`.execute(b.db);
  }, 120_000);

  afterAll(async () => {
    await b.db.destroy();
    await cleanup();
  });

  const plan = async (c: CompiledQuery) => (await explain(b.db, pg, c)).join('\n');

  it('a task report settles and reads its rows through the (task_id, device_id) index', async () => {
    const capture = new Capture();
    const repo = distributionRepo(b.db.withPlugin(capture), b.caps);
    const settled = await repo.settleTask('d7', 'single-7', 'on_device', null, new Map(), 2);
    expect(settled).toEqual([{ personId: 'single', state: 'on_device' }]);
    expect((await repo.forTask('d7', 'single-7')).map((r) => r.personId)).toEqual(['single']);
    const onDistribution = capture.nodes.filter(({ node }) =>
      JSON.stringify(node).includes('"distribution"'),
    );
    expect(onDistribution).toHaveLength(2);
    for (const { node, queryId } of onDistribution) {
      const text = await plan(b.db.getExecutor().compileQuery(node, queryId));
      expect(text, text).toMatch(
        pg
          ? /(Index Scan using|Bitmap Index Scan on) distribution_task_device_idx/
          : /SEARCH distribution USING (COVERING )?INDEX distribution_task_device_idx \(task_id=\? AND device_id=\?\)/,
      );
    }
  });
});
