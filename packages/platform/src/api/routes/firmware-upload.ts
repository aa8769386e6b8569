/**
 * POST /api/v1/firmware: an image upload, `application/octet-stream` with `version` and
 * `fileName` in the query (one request, the bytes as they are: curl --data-binary).
 *
 * The route lives in its own plugin scope whose octet-stream parser does not read the
 * body: the handler streams the request into Firmware.addStream, which hashes and writes
 * it to disk as it arrives, so a 256 MiB image never sits in memory and the JSON body
 * limit does not apply. The size limit (`maxFirmwareBytes`) is checked against
 * Content-Length before a byte is read, and counted while streaming for chunked uploads.
 */
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FirmwareError } from '../../tasks/firmware.js';
import { ApiError, conflict, forbidden, invalid } from '../problems.js';
import { type ApiApp, type ApiDeps, principalOf } from '../types.js';
import { ID, plainText } from './device-common.js';
import { FIRMWARE_WRITERS, firmwareView } from './firmware-common.js';

function tooLarge(max: number): ApiError {
  // The rest of the body is not read: the connection closes after the answer.
  return new ApiError(
    'payload_too_large',
    { en: `a firmware image is at most ${max} bytes`, zh: `固件不能超过 ${max} 字节` },
    undefined,
    { connection: 'close' },
  );
}

export async function firmwareUploadRoute(api: ApiApp, deps: ApiDeps): Promise<void> {
  const max = deps.config.maxFirmwareBytes;
  await api.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    // Leave the body unread: the handler streams it (req.raw).
    scope.addContentTypeParser('application/octet-stream', (_req, _payload, done) => done(null, undefined));
    scope.post(
      '/firmware',
      {
        config: { roles: FIRMWARE_WRITERS },
        schema: {
          tags: ['firmware'],
          summary:
            'Upload an image: the bytes as application/octet-stream, version and fileName in the query',
          consumes: ['application/octet-stream'],
          // Documents the body; the parser above leaves it unread (undefined), which passes.
          body: z.unknown().meta({ type: 'string', format: 'binary', description: 'the image, as it is' }),
          querystring: z.strictObject({
            version: plainText(64),
            fileName: plainText(255),
            /** Operators: the vendor whose devices it is for (omit: platform-wide). Vendors: their own, always. */
            vendorId: ID.optional(),
          }),
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const q = req.query;
        if (!/^application\/octet-stream\b/i.test(req.headers['content-type'] ?? ''))
          throw new ApiError('unsupported_media_type', {
            en: 'send the image as application/octet-stream',
            zh: '请以 application/octet-stream 上传固件',
          });
        let vendorId: string | null = q.vendorId ?? null;
        if (p.role === 'vendor') {
          if (!p.vendorId || (vendorId !== null && vendorId !== p.vendorId))
            throw forbidden({ en: 'a vendor uploads its own firmware only', zh: '厂商只能上传自己的固件' });
          vendorId = p.vendorId;
        } else if (vendorId !== null && !(await deps.data.store.vendors.byId(vendorId)))
          throw invalid('query.vendorId', 'no such vendor');
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > max) throw tooLarge(max);
        let fw: Awaited<ReturnType<typeof deps.data.firmware.addStream>>;
        try {
          fw = await deps.data.firmware.addStream(req.raw, {
            version: q.version,
            fileName: q.fileName,
            vendorId,
            maxBytes: max,
          });
        } catch (e) {
          if (e instanceof FirmwareError) {
            if (e.code === 'too_large') throw tooLarge(max);
            if (e.code === 'version_exists') throw conflict(e.message);
            throw new ApiError('bad_request', e.message);
          }
          if (req.raw.destroyed || req.raw.readableAborted)
            throw new ApiError('bad_request', { en: 'the upload was interrupted', zh: '上传中断' });
          throw e;
        }
        await deps.audit.record({
          by: p,
          action: 'firmware.upload',
          resource: 'firmware',
          resourceId: fw.id,
          detail: { version: fw.version, size: fw.size, sha256: fw.sha256, vendorId },
        });
        reply.code(201).header('location', `/api/v1/firmware/${fw.id}`);
        return firmwareView(fw);
      },
    );
  });
}
