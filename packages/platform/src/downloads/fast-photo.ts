/**
 * The common case of GET /dl/photo, answered on node:http ahead of Fastify: a well-formed
 * URL whose signature holds and whose photo is already in memory. An enrolment wave is
 * almost nothing but these (every device of the site fetches every photo), and Fastify's
 * per-request work (request and reply objects, a child logger, routing, hooks) cost about
 * as much as the rest of serving a cached photo (bench/distribution, profiled).
 *
 * Anything else goes on to the Fastify route (routes.ts), which stays the one place
 * that decides refusals, lookups, HEAD and conditional requests: a URL of another
 * shape (other parameters, escapes, a repeated one), a signature that does not check
 * out, a photo not yet cached, an If-None-Match. The answer here carries exactly the
 * headers and bytes the route sends for the same request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServedPhoto } from './cached-photos.js';
import { photoContentType, privateCache } from './routes.js';
import type { DownloadVerifier } from './signer.js';

/** Exactly `/dl/photo/<key>?e=<seconds>&s=<sig>`, the shape photoUrl makes (signer.ts). */
const SIGNED_PHOTO = /^\/dl\/photo\/([0-9a-f]{64})\?e=([0-9]{1,12})&s=([A-Za-z0-9_-]{43})$/;

export interface FastPhotoOptions {
  verifier: DownloadVerifier;
  /** The photo if it is in memory now (PhotoSource.peek). */
  peek(key: string): ServedPhoto | undefined;
  now?: () => number;
}

/**
 * Answers the request and returns true, or returns false having touched nothing (a front
 * route, http/front-routes.ts; its type is repeated here, as services import no transport).
 */
export function fastPhotoRoute(
  opts: FastPhotoOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const now = opts.now ?? Date.now;
  // Named, so that a profile can be cut to the photo phase (bench/distribution/README.md).
  return function servePhotoFromMemory(req, res) {
    if (req.method !== 'GET') return false;
    const url = req.url;
    if (url === undefined || !url.startsWith('/dl/photo/')) return false;
    if (req.headers['if-none-match'] !== undefined) return false;
    const m = SIGNED_PHOTO.exec(url);
    if (!m) return false;
    const key = m[1]!;
    const at = now();
    const ok = opts.verifier.verifyDownload('photo', key, m[2], m[3], at);
    if (!ok.ok) return false;
    const photo = opts.peek(key);
    if (photo === undefined) return false;
    const body = Buffer.from(photo.bytes.buffer, photo.bytes.byteOffset, photo.bytes.length);
    res.writeHead(200, {
      'cache-control': privateCache(ok.expiresAt, at),
      etag: `"${key}"`,
      'x-content-type-options': 'nosniff',
      'content-type': photoContentType(photo.ext),
      'content-length': String(body.length),
    });
    res.end(body);
    return true;
  };
}
