/**
 * Downloads a task needs: face photos (imgUrls, 3.3.3) and firmware images
 * (downloadUrl, 3.7), each retried with back-off and verified before use.
 *
 * Photos: the platform's photo URLs are content-addressed (`…/dl/photo/<sha256>?e=…&s=…`),
 * so when a URL's last path segment is 64 hex digits the bytes must hash to it; any
 * other URL (another platform) is accepted as served.
 *
 * Firmware: streamed to a file, never held in memory; a retry resumes with a Range
 * request from the bytes already on disk; the finished file is checked against the
 * size and sha256 of the signed descriptor (docs/protocol.md 4.11).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat, truncate } from 'node:fs/promises';
import { DeviceFailureError, FAILURE } from '../persons/failure.js';
import { backoffDelay, RETRY_DEFAULTS, type RetryOptions, sleep, withTimeout } from './retry.js';

export interface DownloadOptions extends RetryOptions {
  /** Per try; default 30 s for a photo, 5 min for a firmware image. */
  timeoutMs?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** A download failure; `transient` says whether another try may succeed. */
export class DownloadError extends Error {
  readonly transient: boolean;
  readonly status: number | undefined;
  constructor(message: string, transient: boolean, status?: number) {
    super(message);
    this.name = 'DownloadError';
    this.transient = transient;
    this.status = status;
  }
}

const HEX64 = /^[0-9a-f]{64}$/i;

/** The SHA-256 a photo URL promises: its last path segment when that is 64 hex digits. */
export function expectedPhotoHash(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const last = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  return HEX64.test(last) ? last.toLowerCase() : undefined;
}

/** Whether photo bytes are what their URL promises (true when it promises nothing). */
export function photoMatchesUrl(url: string, bytes: Uint8Array): boolean {
  const want = expectedPhotoHash(url);
  return want === undefined || createHash('sha256').update(bytes).digest('hex') === want;
}

/** 4xx other than these will not change by asking again (expired or forged URL, gone). */
const RETRY_STATUS = new Set([408, 425, 429]);
const transientStatus = (status: number): boolean => status >= 500 || RETRY_STATUS.has(status);

async function withRetries<T>(opts: DownloadOptions, what: string, once: () => Promise<T>): Promise<T> {
  const attempts = opts.attempts ?? RETRY_DEFAULTS.attempts;
  for (let attempt = 0; ; ) {
    try {
      return await once();
    } catch (e) {
      if (opts.signal?.aborted) throw new DownloadError(`${what}: the task runner is closing`, true);
      const err =
        e instanceof DownloadError || e instanceof DeviceFailureError
          ? e
          : new DownloadError(`${what}: ${(e as Error).message}`, true);
      if (!(err instanceof DownloadError) || !err.transient || ++attempt >= attempts) throw err;
    }
    try {
      await sleep(backoffDelay(attempt - 1, opts), opts.signal);
    } catch {
      throw new DownloadError(`${what}: the task runner is closing`, true);
    }
  }
}

/**
 * Downloads one face photo, at most maxBytes (a larger one fails with D12 at once: the
 * standard's photos are under 400 KB and a device must not buffer an unbounded body).
 * Other failures, after the retries, are a DownloadError; callers report D10.
 */
export function downloadPhoto(
  url: string,
  maxBytes: number,
  opts: DownloadOptions = {},
): Promise<Uint8Array> {
  const doFetch = opts.fetch ?? fetch;
  return withRetries(opts, 'photo', async () => {
    const res = await doFetch(url, { signal: withTimeout(opts.timeoutMs ?? 30_000, opts.signal) });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new DownloadError(`photo: HTTP ${res.status}`, transientStatus(res.status), res.status);
    }
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    if (declared > maxBytes) {
      await res.body?.cancel();
      throw new DeviceFailureError(FAILURE.PHOTO_TOO_LARGE, `photo is ${declared} bytes`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body) {
      for await (const chunk of res.body) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          await res.body.cancel().catch(() => {});
          throw new DeviceFailureError(FAILURE.PHOTO_TOO_LARGE, `photo is over ${maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
    }
    const bytes = Buffer.concat(chunks, size);
    // A mismatch is most likely a corrupted transfer: worth another try.
    if (!photoMatchesUrl(url, bytes))
      throw new DownloadError('photo: bytes do not match the hash in its URL', true);
    return bytes;
  });
}

export interface ExpectedFile {
  size: number;
  /** Lowercase hex SHA-256; when absent only the size is checked (sha256 is kaoqin's K12 addition). */
  sha256?: string | undefined;
}

export type FileCheck = { ok: true } | { ok: false; reason: 'size' | 'sha256'; actual: string };

/** Checks a downloaded file against the signed descriptor's size and sha256, streaming. */
export async function verifyFirmwareFile(path: string, expected: ExpectedFile): Promise<FileCheck> {
  const size = (await stat(path)).size;
  if (size !== expected.size) return { ok: false, reason: 'size', actual: String(size) };
  if (expected.sha256 === undefined) return { ok: true };
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const actual = hash.digest('hex');
  return actual === expected.sha256.toLowerCase() ? { ok: true } : { ok: false, reason: 'sha256', actual };
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/**
 * Downloads `url` into `path` until it holds `expectedSize` bytes. Bytes already in the
 * file (an earlier try, or an earlier run: the path is the caller's, per task) are kept
 * and the rest asked for with `Range: bytes=N-`; a server that answers 200 instead gets
 * the file rewritten from the start. More bytes than expected stop the download: the
 * file is not the one described.
 */
export function downloadToFile(
  url: string,
  path: string,
  expectedSize: number,
  opts: DownloadOptions = {},
): Promise<void> {
  const doFetch = opts.fetch ?? fetch;
  return withRetries(opts, 'firmware', async () => {
    let have = await sizeOf(path);
    if (have > expectedSize) {
      await truncate(path, 0);
      have = 0;
    }
    if (have === expectedSize) return;
    const res = await doFetch(url, {
      headers: have > 0 ? { range: `bytes=${have}-` } : {},
      signal: withTimeout(opts.timeoutMs ?? 300_000, opts.signal),
    });
    let offset: number;
    if (res.status === 206 && contentRangeStart(res.headers.get('content-range')) === have) offset = have;
    else if (res.status === 200) offset = 0;
    else {
      await res.body?.cancel();
      if (res.status === 206 || res.status === 416) {
        // A range we did not ask for, or none left to serve: start again from nothing.
        await truncate(path, 0);
        throw new DownloadError(`firmware: HTTP ${res.status} for bytes=${have}-`, true, res.status);
      }
      throw new DownloadError(`firmware: HTTP ${res.status}`, transientStatus(res.status), res.status);
    }
    const fh = await open(path, offset === 0 ? 'w' : 'a');
    try {
      let written = offset;
      if (res.body) {
        for await (const chunk of res.body) {
          written += chunk.byteLength;
          if (written > expectedSize) {
            await res.body.cancel().catch(() => {});
            throw new DownloadError(`firmware: more than the ${expectedSize} bytes described`, false);
          }
          await fh.write(chunk);
        }
      }
      await fh.sync();
      if (written !== expectedSize) {
        throw new DownloadError(`firmware: ${written} of ${expectedSize} bytes`, true);
      }
    } finally {
      await fh.close();
    }
  });
}

function contentRangeStart(header: string | null): number | undefined {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}
