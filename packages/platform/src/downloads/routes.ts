/**
 * The HTTP routes behind signed download URLs (docs/downloads.md):
 *
 *   GET|HEAD /dl/photo/:key?e=…&s=…     a stored face photo (imgUrls, 3.3.3)
 *   GET|HEAD /dl/clockin/:key?e=…&s=…   a clock-in's photo (the management API's photoUrl)
 *   GET|HEAD /dl/firmware/:id?e=…&s=…   a firmware image (downloadUrl, 3.7.2), with byte ranges
 *
 * Order of checks, so that nothing can be probed: a malformed id is refused with 400
 * (its shape says nothing about what is stored); then the signature, with the same 403
 * `forbidden` whatever is stored; only a genuine signature learns `expired` or, after
 * the lookup, 404. Ids longer than the server's maxParamLength (Fastify default 100)
 * never reach these handlers: Fastify answers 414 itself.
 *
 * Ranges (firmware only): one `bytes=` range gets 206 with Content-Range; a range that
 * starts past the end, or a zero suffix, gets 416. Anything else is ignored and the whole
 * file is served with 200, as RFC 9110 §14.2 allows: malformed specs (`bytes=abc`),
 * invalid ones (`bytes=5-2`), other units, and several ranges (no multipart/byteranges:
 * a device resuming a download asks for one range). If-Range with a stale validator also
 * gets the whole file.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OpenImage } from '../firmware-images/index.js';
import type { DownloadKind, DownloadVerifier } from './signer.js';
import type { DownloadSources } from './types.js';

export interface DownloadRoutesOptions {
  /** Checks signatures: the object createUrlSigner returns. */
  verifier: DownloadVerifier;
  sources: DownloadSources;
  /** Clock in epoch ms; default Date.now. */
  now?: () => number;
}

/** A Range header longer than this is not a real client's: ignored (whole file). */
const MAX_RANGE_HEADER = 200;

const PHOTO_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  // Iris images (irisUrls, docs/protocol.md 7.7) share the face photo route.
  bmp: 'image/bmp',
  jp2: 'image/jp2',
};

type IdParams = { Params: { id: string } };

/** The Content-Type of a served photo by its format. */
export function photoContentType(ext: string): string {
  return PHOTO_TYPES[ext.toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Registers the routes on app, best as a plugin: `app.register(registerDownloadRoutes, opts)`.
 * (A direct call also works at run time, but an app built with a pino loggerInstance has
 * a FastifyInstance type that TypeScript will not pass as the default one.)
 */
export async function registerDownloadRoutes(
  app: FastifyInstance,
  opts: DownloadRoutesOptions,
): Promise<void> {
  const now = opts.now ?? Date.now;
  const { verifier, sources } = opts;

  /** Checks the request; on refusal sends the error and returns undefined. */
  const check = (kind: DownloadKind, req: FastifyRequest<IdParams>, reply: FastifyReply) => {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const result = verifier.verifyDownload(kind, req.params.id, query.e, query.s, now());
    if (result.ok) return result;
    if (result.reason === 'malformed') fail(reply, 400, 'malformed');
    else fail(reply, 403, result.reason);
    return undefined;
  };

  const photoRoute = (kind: 'photo' | 'clockin', find: DownloadSources['photo'] | undefined) =>
    app.route<IdParams>({
      method: ['GET', 'HEAD'],
      url: `/dl/${kind}/:id`,
      exposeHeadRoute: false,
      handler: async (req, reply) => {
        const ok = check(kind, req, reply);
        if (ok === undefined) return reply;
        const key = req.params.id;
        const photo = await find?.(key);
        if (photo === undefined) return fail(reply, 404, 'not_found');
        const etag = `"${key}"`;
        reply
          .header('Cache-Control', privateCache(ok.expiresAt, now()))
          .header('ETag', etag)
          .header('X-Content-Type-Options', 'nosniff');
        // The key is the photo's hash, so a matching ETag means the client already has these bytes.
        if (etagListMatches(req.headers['if-none-match'], etag)) return reply.code(304).send();
        reply
          .header('Content-Type', photoContentType(photo.ext))
          .header('Content-Length', String(photo.bytes.length));
        if (req.method === 'HEAD') return reply.send();
        return reply.send(Buffer.from(photo.bytes.buffer, photo.bytes.byteOffset, photo.bytes.length));
      },
    });
  photoRoute('photo', sources.photo);
  photoRoute('clockin', sources.clockInPhoto);

  app.route<IdParams>({
    method: ['GET', 'HEAD'],
    url: '/dl/firmware/:id',
    exposeHeadRoute: false,
    handler: async (req, reply) => {
      const ok = check('firmware', req, reply);
      if (ok === undefined) return reply;
      const id = req.params.id;
      const fw = await sources.firmware(id);
      if (fw === undefined) return fail(reply, 404, 'not_found');
      const { image } = fw;
      let streaming = false;
      try {
        const size = image.size;
        const etag = firmwareEtag(image);
        const range = ifRangeHolds(req.headers['if-range'], etag, image)
          ? parseRange(req.headers.range, size)
          : FULL;
        reply
          .header('Accept-Ranges', 'bytes')
          .header('Cache-Control', privateCache(ok.expiresAt, now()))
          .header('ETag', etag)
          .header('Last-Modified', new Date(image.storedAt).toUTCString());
        if (range.type === 'unsatisfiable') {
          return reply
            .code(416)
            .header('Content-Range', `bytes */${size}`)
            .send({ error: 'range_not_satisfiable' });
        }
        let start = 0;
        let end = size - 1;
        if (range.type === 'partial') {
          ({ start, end } = range);
          reply.code(206).header('Content-Range', `bytes ${start}-${end}/${size}`);
        }
        const length = end - start + 1;
        reply
          .header('Content-Type', 'application/octet-stream')
          .header('Content-Length', String(length))
          .header('Content-Disposition', contentDisposition(fw.fileName, id));
        if (req.method === 'HEAD' || length === 0) return reply.send();
        // Streamed, never read whole: firmware runs to many megabytes. The stream frees
        // what the image holds when it ends, fails, or is destroyed (the client went away).
        const stream = image.read(start, end);
        streaming = true;
        return reply.send(stream);
      } finally {
        if (!streaming) await image.close();
      }
    },
  });
}

export type RangeResult =
  | { type: 'full' }
  | { type: 'partial'; start: number; end: number }
  | { type: 'unsatisfiable' };

const FULL: RangeResult = { type: 'full' };

/**
 * A Range header against a representation of `size` bytes (RFC 9110 §14). Returns the
 * inclusive byte span to send, `unsatisfiable` (416), or `full` for anything to ignore.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined || header.length > MAX_RANGE_HEADER) return FULL;
  // The unit is case-insensitive; another unit is ignored (§14.1).
  const m = /^\s*bytes\s*=(.*)$/i.exec(header);
  if (!m) return FULL;
  // Empty list elements ("bytes=0-1,") are allowed by the list syntax and mean nothing.
  const specs = m[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length !== 1) return FULL;
  const spec = /^(\d*)-(\d*)$/.exec(specs[0]!);
  if (!spec || (spec[1] === '' && spec[2] === '')) return FULL;
  const [, firstText = '', lastText = ''] = spec;
  if (firstText === '') {
    // Suffix range: the last n bytes; n of 0, or an empty file, leaves nothing to send.
    const n = Number(lastText);
    if (n === 0 || size === 0) return { type: 'unsatisfiable' };
    return { type: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  // Digits too long for a double become huge or Infinity, which the comparisons handle.
  const first = Number(firstText);
  const last = lastText === '' ? Number.POSITIVE_INFINITY : Number(lastText);
  if (last < first) return FULL; // invalid spec (§14.1.1): ignored, not refused
  if (first >= size) return { type: 'unsatisfiable' };
  return { type: 'partial', start: first, end: Math.min(last, size - 1) };
}

function fail(reply: FastifyReply, code: number, error: string): FastifyReply {
  return reply.code(code).header('Cache-Control', 'no-store').send({ error });
}

/** Caches may keep the response only as long as the URL is valid, and only for this client. */
export function privateCache(expiresAt: number, now: number): string {
  return `private, max-age=${Math.max(0, Math.floor((expiresAt - now) / 1000))}`;
}

/**
 * Size and time stored (ms): a strong validator for If-Range, since an image is never
 * rewritten under its id.
 */
function firmwareEtag(image: OpenImage): string {
  return `"${image.size.toString(16)}-${Math.floor(image.storedAt).toString(16)}"`;
}

/** If-Range (RFC 9110 §13.1.5): absent, or a strong match of the ETag or the exact Last-Modified. */
function ifRangeHolds(header: string | string[] | undefined, etag: string, image: OpenImage): boolean {
  if (header === undefined) return true;
  // Sent twice: no single validator to compare, so the whole file.
  if (Array.isArray(header)) return false;
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  const date = Date.parse(value);
  return Number.isFinite(date) && date === Math.floor(image.storedAt / 1000) * 1000;
}

/** If-None-Match: `*` or a comma-separated list of ETags, compared weakly (§13.1.2). */
function etagListMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

/**
 * `attachment` with the catalogue's file name: an ASCII fallback with anything a header
 * or a file system could misread replaced, and the exact name in RFC 8187 `filename*`.
 */
function contentDisposition(fileName: string, id: string): string {
  // Only the last path component: a name is a name, never a place to write to.
  const base = fileName.split(/[/\\]/).pop() ?? '';
  const name = base.replace(/^\.+$/, '') || `${id}.bin`;
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
