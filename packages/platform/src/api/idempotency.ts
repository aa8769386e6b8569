/**
 * Idempotency-Key on every POST (api.md "Writes"), as Stripe does: the first request with
 * a key runs and its answer is kept 24 h; a retry with the same key and the same request
 * gets that answer again (header `Idempotent-Replayed: true`), not a second resource. The
 * same key with a different request is refused (422), and a retry while the first is still
 * running gets 409. Keys are per account. Requests refused before their handler ran
 * (validation, auth) are not remembered; a 5xx answer is forgotten so a retry may succeed.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/index.js';
import { ApiError } from './problems.js';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60_000;
const KEEP_HEADERS = ['content-type', 'location', 'etag'];

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey?: string;
  }
}

function requestHash(req: FastifyRequest): string {
  const body = req.body === undefined ? '' : Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body);
  return createHash('sha256').update(`${req.method} ${req.url}\n`).update(body).digest('hex');
}

export function idempotencyHooks(store: Store, now: () => number) {
  return {
    /** preHandler: claim the key, or answer from what the first request got. */
    async claim(req: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (req.method !== 'POST' || !req.principal) return;
      const raw = req.headers['idempotency-key'];
      if (raw === undefined) return;
      const key = Array.isArray(raw) ? raw[0]! : raw;
      if (key.length === 0 || key.length > 255)
        throw new ApiError('validation_failed', undefined, [
          { path: 'headers.idempotency-key', message: '1 to 255 characters' },
        ]);
      const hash = requestHash(req);
      const accountId = req.principal.accountId;
      if (await store.idempotency.claim({ accountId, key, requestHash: hash, createdAt: now() })) {
        req.idempotencyKey = key;
        return;
      }
      const prior = await store.idempotency.get(accountId, key);
      if (!prior) throw new ApiError('conflict', { en: 'retry the request', zh: '请重试' });
      if (prior.createdAt < now() - IDEMPOTENCY_TTL_MS) {
        // Expired but not yet purged: this request is a new one.
        await store.idempotency.release(accountId, key);
        if (await store.idempotency.claim({ accountId, key, requestHash: hash, createdAt: now() })) {
          req.idempotencyKey = key;
          return;
        }
      }
      if (prior.requestHash !== hash)
        throw new ApiError('unprocessable', {
          en: 'this Idempotency-Key was used with a different request',
          zh: '该 Idempotency-Key 已用于另一个请求',
        });
      if (prior.status === null)
        throw new ApiError('conflict', {
          en: 'a request with this Idempotency-Key is still in progress',
          zh: '使用该 Idempotency-Key 的请求仍在处理中',
        });
      reply
        .code(prior.status)
        .headers(prior.headers ?? {})
        .header('idempotent-replayed', 'true');
      await reply.send(prior.body ?? '');
    },

    /** onSend: keep the answer of a claimed request (JSON answers; others are released). */
    async keep(req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
      const key = req.idempotencyKey;
      if (key === undefined || !req.principal) return payload;
      req.idempotencyKey = undefined;
      const accountId = req.principal.accountId;
      if (reply.statusCode >= 500 || typeof payload !== 'string') {
        await store.idempotency.release(accountId, key);
        return payload;
      }
      const headers: Record<string, string> = {};
      for (const h of KEEP_HEADERS) {
        const v = reply.getHeader(h);
        if (v !== undefined) headers[h] = String(v);
      }
      await store.idempotency.complete(accountId, key, reply.statusCode, headers, payload);
      return payload;
    },
  };
}
