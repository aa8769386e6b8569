/** Roster imports and their per-row reports (import-types.ts). */
import type { Kysely, Selectable } from 'kysely';
import type { Capabilities } from './dialect.js';
import type { ImportJobRow, ImportNote, ImportRepo, ImportReportRow, ImportsTable } from './import-types.js';
import type { Database } from './schema-types.js';
import { chunk, rowsPerStatement } from './util.js';

const job = (r: Selectable<ImportsTable>): ImportJobRow => ({
  id: r.id,
  siteId: r.site_id,
  mode: r.mode as ImportJobRow['mode'],
  status: r.status as ImportJobRow['status'],
  accountId: r.account_id,
  actor: r.actor,
  rosterName: r.roster_name,
  photosName: r.photos_name,
  format: r.format,
  totalRows: Number(r.total_rows),
  doneRows: Number(r.done_rows),
  created: Number(r.created),
  updated: Number(r.updated),
  unchanged: Number(r.unchanged),
  failed: Number(r.failed),
  tasks: Number(r.tasks),
  notes: JSON.parse(r.notes) as ImportNote[],
  error: r.error === null ? null : (JSON.parse(r.error) as ImportJobRow['error']),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
});

export function importRepo(db: Kysely<Database>, caps: Capabilities): ImportRepo {
  return {
    async insert(j) {
      await db
        .insertInto('imports')
        .values({
          id: j.id,
          site_id: j.siteId,
          mode: j.mode,
          status: j.status,
          account_id: j.accountId,
          actor: j.actor,
          roster_name: j.rosterName,
          photos_name: j.photosName,
          format: j.format,
          total_rows: j.totalRows,
          done_rows: j.doneRows,
          created: j.created,
          updated: j.updated,
          unchanged: j.unchanged,
          failed: j.failed,
          tasks: j.tasks,
          notes: JSON.stringify(j.notes),
          error: j.error === null ? null : JSON.stringify(j.error),
          created_at: j.createdAt,
          updated_at: j.updatedAt,
          finished_at: j.finishedAt,
        })
        .execute();
    },
    async get(id) {
      const r = await db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
      return r && job(r);
    },
    async update(id, p, now) {
      await db
        .updateTable('imports')
        .set({
          updated_at: now,
          ...(p.status !== undefined ? { status: p.status } : {}),
          ...(p.doneRows !== undefined ? { done_rows: p.doneRows } : {}),
          ...(p.created !== undefined ? { created: p.created } : {}),
          ...(p.updated !== undefined ? { updated: p.updated } : {}),
          ...(p.unchanged !== undefined ? { unchanged: p.unchanged } : {}),
          ...(p.failed !== undefined ? { failed: p.failed } : {}),
          ...(p.tasks !== undefined ? { tasks: p.tasks } : {}),
          ...(p.notes !== undefined ? { notes: JSON.stringify(p.notes) } : {}),
          ...(p.error !== undefined ? { error: p.error === null ? null : JSON.stringify(p.error) } : {}),
          ...(p.finishedAt !== undefined ? { finished_at: p.finishedAt } : {}),
        })
        .where('id', '=', id)
        .execute();
    },
    async page(q) {
      if (q.siteIds !== undefined && q.siteIds.length === 0) return [];
      let s = db.selectFrom('imports').selectAll().orderBy('id', 'desc').limit(q.limit);
      if (q.siteIds !== undefined) s = s.where('site_id', 'in', [...q.siteIds]);
      if (q.beforeId !== undefined) s = s.where('id', '<', q.beforeId);
      return (await s.execute()).map(job);
    },
    async addRows(rows) {
      const values = rows.map((r) => ({
        import_id: r.importId,
        row_no: r.row,
        status: r.status,
        person_id: r.personId,
        changes: r.changes === null ? null : JSON.stringify(r.changes),
        problems: r.problems === null ? null : JSON.stringify(r.problems),
      }));
      for (const part of chunk(values, rowsPerStatement(caps.maxBindParams, 6)))
        await db.insertInto('import_rows').values(part).execute();
    },
    async rows(importId, q) {
      let s = db
        .selectFrom('import_rows')
        .selectAll()
        .where('import_id', '=', importId)
        .orderBy('row_no')
        .limit(q.limit);
      if (q.status !== undefined) s = s.where('status', '=', q.status);
      if (q.afterRow !== undefined) s = s.where('row_no', '>', q.afterRow);
      return (await s.execute()).map(
        (r): ImportReportRow => ({
          importId: r.import_id,
          row: Number(r.row_no),
          status: r.status as ImportReportRow['status'],
          personId: r.person_id,
          changes: r.changes === null ? null : (JSON.parse(r.changes) as string[]),
          problems: r.problems === null ? null : (JSON.parse(r.problems) as ImportNote[]),
        }),
      );
    },
    async purge(before) {
      const old = await db.selectFrom('imports').select('id').where('created_at', '<', before).execute();
      for (const part of chunk(
        old.map((o) => o.id),
        500,
      )) {
        await db.deleteFrom('import_rows').where('import_id', 'in', part).execute();
        await db.deleteFrom('imports').where('id', 'in', part).execute();
      }
      return old.length;
    },
    async failStale(staleBefore, error, now) {
      const r = await db
        .updateTable('imports')
        .set({ status: 'failed', error: JSON.stringify(error), finished_at: now, updated_at: now })
        .where('status', '=', 'running')
        .where('updated_at', '<', staleBefore)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}
