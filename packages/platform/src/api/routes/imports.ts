/**
 * /api/v1/imports: a roster (花名册, XLSX or CSV) and a ZIP of photos named by ID number,
 * checked row by row (dry-run) or applied (apply), with a report per row.
 *
 * POST is multipart/form-data: fields `siteId` and `mode`, files `roster` and `photos`.
 * The files stream to a directory under dataDir/tmp (never held in memory) within
 * `maxImportBytes` in all; a file that cannot be read at all is a 422 at once. The rows
 * then run as a job; the answer waits up to `importWaitMs` for it: finished, 200 (dry-run)
 * or 201 (apply) with the whole per-row report; still running, 202, and the caller polls
 * GET /imports/{id} (progress) and reads GET /imports/{id}/rows. A 5,000-row import with
 * photos takes longer than a browser should hang on one request, hence the job.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fastifyMultipart from '@fastify/multipart';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PhotoZipError } from '../../imports/photos-zip.js';
import { RosterFileError } from '../../imports/roster-read.js';
import { Imports } from '../../imports/service.js';
import type { ImportJobRow, ImportReportRow } from '../../store/index.js';
import { canSeeSite, type Principal, siteScope } from '../auth/principal.js';
import { decodeCursor, pageOf, pageQuery } from '../pagination.js';
import { ApiError, invalid, notFound } from '../problems.js';
import { isoCst, isoOrNull } from '../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';

const tags = ['imports'];
const ID = z.string().min(1).max(64);
const FIELDS = z.strictObject({
  siteId: ID,
  mode: z.enum(['dry-run', 'apply']).default('dry-run'),
});
const FILES = ['roster', 'photos'] as const;

export const importView = (j: ImportJobRow) => ({
  id: j.id,
  siteId: j.siteId,
  mode: j.mode,
  status: j.status,
  by: j.actor,
  roster: { name: j.rosterName, format: j.format },
  photos: j.photosName === null ? null : { name: j.photosName },
  progress: { done: j.doneRows, total: j.totalRows },
  totals: { created: j.created, updated: j.updated, unchanged: j.unchanged, failed: j.failed },
  tasks: j.tasks,
  notes: j.notes,
  error: j.error,
  createdAt: isoCst(j.createdAt),
  finishedAt: isoOrNull(j.finishedAt),
});

const rowView = (r: ImportReportRow) => ({
  row: r.row,
  status: r.status,
  personId: r.personId,
  changes: r.changes ?? [],
  problems: r.problems ?? [],
});

function tooLarge(max: number): ApiError {
  return new ApiError(
    'payload_too_large',
    {
      en: `an import is at most ${max} bytes, roster and photos together`,
      zh: `导入文件合计不能超过 ${max} 字节`,
    },
    undefined,
    { connection: 'close' },
  );
}

/** Counts the bytes of every file of one request and stops the upload past `max`. */
function budget(max: number) {
  let used = 0;
  return () =>
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        used += chunk.length;
        done(used > max ? tooLarge(max) : null, chunk);
      },
    });
}

export async function importRoutes(api: ApiApp, deps: ApiDeps): Promise<void> {
  const max = deps.config.maxImportBytes;
  const imports = new Imports(
    deps.data.store,
    deps.data.persons,
    deps.data.faces,
    deps.logger.child({ part: 'imports' }),
    deps.now,
    {
      dataDir: deps.config.dataDir,
      maxPhotoBytes: deps.config.maxPhotoBytes,
      ids: deps.data.ids,
      tidyEveryMs: deps.config.importTidyMs,
      pace: deps.data.importPace,
    },
  );
  await imports.sweep();

  await api.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    await scope.register(fastifyMultipart, {
      // Two files and two fields; a part or a field beyond is a 413, not a quiet drop.
      limits: { fileSize: max, files: 2, fields: 4, parts: 6, fieldSize: 1024, headerPairs: 64 },
    });
    scope.post(
      '/imports',
      {
        config: { roles: R.siteWriters },
        bodyLimit: max,
        schema: {
          tags,
          summary:
            'Import a roster: multipart with siteId, mode (dry-run | apply), roster (XLSX or CSV) and photos (ZIP of <ID number>.jpg)',
          consumes: ['multipart/form-data'],
          // For the OpenAPI document only (an upload form on /api/docs): the parts are
          // read by the handler as they stream, so nothing is validated here.
          body: z.unknown().meta({
            type: 'object',
            required: ['siteId', 'roster'],
            properties: {
              siteId: { type: 'string' },
              mode: { type: 'string', enum: ['dry-run', 'apply'], default: 'dry-run' },
              roster: { type: 'string', format: 'binary', description: 'XLSX or CSV (UTF-8 or GBK)' },
              photos: { type: 'string', format: 'binary', description: 'ZIP of <ID number>.jpg|.jpeg|.png' },
            },
          }),
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        if (!req.isMultipart())
          throw new ApiError('unsupported_media_type', {
            en: 'send the roster as multipart/form-data (curl -F)',
            zh: '请以 multipart/form-data 上传花名册',
          });
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > max + 64 * 1024) throw tooLarge(max);

        const fields: Record<string, string> = {};
        const files: Partial<Record<(typeof FILES)[number], { path: string; name: string | null }>> = {};
        await imports.tidy();
        const counted = budget(max);
        const dir = await imports.uploadDir();
        let handedOver = false;
        /** The site must be one the caller may import into: checked as soon as it is known. */
        const checkSite = async () => {
          const parsed = FIELDS.safeParse(fields);
          if (!parsed.success) {
            const errors = parsed.error.issues.map((i) => ({
              path: ['body', ...i.path.map(String), ...('keys' in i ? [String(i.keys[0])] : [])].join('.'),
              message: i.message,
            }));
            throw new ApiError('validation_failed', undefined, errors);
          }
          const site = await deps.data.store.sites.get(parsed.data.siteId);
          if (!site || !canSeeSite(p, site.id)) throw notFound({ en: 'no such site', zh: '工地不存在' });
          return parsed.data;
        };
        try {
          for await (const part of req.parts()) {
            if (part.type === 'field') {
              if (typeof part.value !== 'string' || part.valueTruncated)
                throw invalid(`body.${part.fieldname}`, 'a short text field');
              fields[part.fieldname] = part.value;
              continue;
            }
            const name = part.fieldname as (typeof FILES)[number];
            if (!FILES.includes(name) || files[name]) {
              part.file.resume();
              throw invalid(
                `body.${part.fieldname}`,
                files[name] ? 'given twice' : 'not a file this endpoint takes (roster, photos)',
              );
            }
            if ('siteId' in fields) await checkSite(); // fail before a large upload, when we can
            const path = join(dir, name);
            await pipeline(part.file, counted(), createWriteStream(path));
            if (part.file.truncated) throw tooLarge(max);
            files[name] = { path, name: part.filename ? part.filename.slice(0, 255) : null };
          }
          const { siteId, mode } = await checkSite();
          if (!files.roster) throw invalid('body.roster', 'the roster file (XLSX or CSV) is required');
          const started = await imports.start({
            siteId,
            mode,
            dir,
            rosterPath: files.roster.path,
            rosterName: files.roster.name,
            ...(files.photos ? { photosPath: files.photos.path, photosName: files.photos.name } : {}),
            accountId: p.accountId,
            actor: p.username,
          });
          handedOver = true;
          void started.finished.then((j) =>
            deps.audit
              .record({
                by: p,
                action: mode === 'apply' ? 'import.apply' : 'import.dry_run',
                resource: 'import',
                resourceId: j.id,
                siteId,
                detail: {
                  status: j.status,
                  rows: j.totalRows,
                  created: j.created,
                  updated: j.updated,
                  unchanged: j.unchanged,
                  failed: j.failed,
                  tasks: j.tasks,
                },
              })
              .catch((err: unknown) => deps.logger.error({ err, importId: j.id }, 'import audit failed')),
          );
          let timer: NodeJS.Timeout | undefined;
          const waited = await Promise.race([
            started.finished,
            new Promise<undefined>((r) => {
              timer = setTimeout(() => r(undefined), deps.config.importWaitMs);
            }),
          ]).finally(() => clearTimeout(timer));
          reply.header('location', `/api/v1/imports/${started.job.id}`);
          // At the deadline the job may have just ended (stored, its promise not yet
          // settled): answered by what is stored, a 202 never says "done".
          const job = waited ?? (await imports.get(started.job.id)) ?? started.job;
          if (job.status === 'running') return reply.code(202).send(importView(job));
          const rows = await deps.data.store.imports.rows(job.id, { limit: job.totalRows + 1 });
          reply.code(mode === 'apply' ? 201 : 200);
          return { ...importView(job), rows: rows.map(rowView) };
        } catch (err) {
          if (err instanceof RosterFileError)
            throw new ApiError('unprocessable', { en: err.message, zh: err.zh }, [
              { path: 'body.roster', message: `${err.code}: ${err.message}` },
            ]);
          if (err instanceof PhotoZipError)
            throw new ApiError('unprocessable', { en: err.message, zh: err.zh }, [
              { path: 'body.photos', message: `${err.code}: ${err.message}` },
            ]);
          throw err;
        } finally {
          if (!handedOver) await rm(dir, { recursive: true, force: true });
        }
      },
    );
  });

  api.get(
    '/imports',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: 'Imports, newest first',
        querystring: z.strictObject({ ...pageQuery, siteId: ID.optional() }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      await imports.tidy();
      const before = decodeCursor(req.query.cursor, 1)?.[0];
      if (before !== undefined && typeof before !== 'string')
        throw invalid('query.cursor', 'not a cursor this list gave out');
      const scope = siteScope(p);
      const siteIds =
        req.query.siteId === undefined
          ? scope
          : scope === undefined || scope.includes(req.query.siteId)
            ? [req.query.siteId]
            : [];
      const rows = await deps.data.store.imports.page({
        ...(siteIds !== undefined ? { siteIds } : {}),
        ...(before !== undefined ? { beforeId: before } : {}),
        limit: req.query.limit + 1,
      });
      return pageOf(rows, req.query.limit, (j) => [j.id], importView);
    },
  );

  const byId = { params: z.strictObject({ id: ID }) };
  const visible = async (id: string, p: Principal) => {
    const j = await deps.data.store.imports.get(id);
    if (!j || !canSeeSite(p, j.siteId)) throw notFound({ en: 'no such import', zh: '导入记录不存在' });
    return j;
  };

  api.get(
    '/imports/:id',
    {
      config: { roles: R.siteReaders },
      schema: { tags, summary: 'One import: progress, totals, notes', ...byId },
    },
    async (req) => {
      await imports.tidy();
      return importView(await visible(req.params.id, principalOf(req)));
    },
  );

  api.get(
    '/imports/:id/rows',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: 'The per-row report of an import, in row order',
        ...byId,
        querystring: z.strictObject({
          ...pageQuery,
          status: z.enum(['created', 'updated', 'unchanged', 'failed']).optional(),
        }),
      },
    },
    async (req) => {
      const j = await visible(req.params.id, principalOf(req));
      const after = decodeCursor(req.query.cursor, 1)?.[0];
      if (after !== undefined && typeof after !== 'number')
        throw invalid('query.cursor', 'not a cursor this list gave out');
      const rows = await deps.data.store.imports.rows(j.id, {
        ...(after !== undefined ? { afterRow: after } : {}),
        ...(req.query.status ? { status: req.query.status } : {}),
        limit: req.query.limit + 1,
      });
      return pageOf(rows, req.query.limit, (r) => [r.row], rowView);
    },
  );
}
