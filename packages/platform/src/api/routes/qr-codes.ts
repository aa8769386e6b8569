/**
 * Person QR codes (issue 12 item 3, docs/qr-codes.md):
 *
 *   GET  /sites/{siteId}/qr-keys                 the site's public keys (offline verification)
 *   POST /sites/{siteId}/qr-keys/rotate          a new current key; old codes keep verifying
 *   POST /persons/{personId}/qr-codes            { siteId, validDays? } issue a code
 *   GET  /persons/{personId}/qr-code?siteId=     the code last issued (JSON)
 *   GET  /persons/{personId}/qr-code.png?siteId= the same, printed (PNG or SVG)
 *   GET  /persons/{personId}/qr-code.svg?siteId=
 *
 * A code is a credential to clock in as its person, so only those who change a site's
 * workers issue and print them (admin, operator, the site's managers); the public keys
 * are no secret and are read by everyone who reads the site, and by a vendor with a
 * device on it (the firmware verifies codes offline). A site manager is confined to the
 * account's sites: another site, or a person not on them, is 404.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { publicKeyFromRaw, spkiDer } from '../../domain/qr/keys.js';
import { renderPng, renderSvg } from '../../domain/qr/render.js';
import {
  QR_DEFAULT_VALID_DAYS,
  QR_MAX_VALID_DAYS,
  QR_ROTATION_GRACE_MS,
  QrError,
} from '../../domain/qr/service.js';
import type { PersonQrCodeRow, QrKeyRow } from '../../store/index.js';
import type { Principal } from '../auth/principal.js';
import { invalid, notFound } from '../problems.js';
import { isoCst, isoOrNull } from '../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';
import { activePerson, ID, personParams } from './persons/common.js';
import { noSite, siteInScope, siteParams } from './sites/common.js';

const DAY_MS = 86_400_000;

const keyView = (k: QrKeyRow) => ({
  keyId: k.keyId,
  algorithm: 'Ed25519' as const,
  /** The raw 32-byte public key (RFC 8032), base64. */
  publicKey: k.publicKey,
  /** The same key as SubjectPublicKeyInfo DER (RFC 8410), base64: what most crypto libraries import. */
  spki: spkiDer(publicKeyFromRaw(Buffer.from(k.publicKey, 'base64'))).toString('base64'),
  current: k.retiredAt === null,
  createdAt: isoCst(k.createdAt),
  retiredAt: isoOrNull(k.retiredAt),
  /** After this, no code this key signed can be valid: a device may drop the key. Null while current. */
  usableUntil:
    k.retiredAt === null ? null : isoCst(k.retiredAt + QR_ROTATION_GRACE_MS + QR_MAX_VALID_DAYS * DAY_MS),
});

const codePath = (c: { personId: string; siteId: string }, ext: string) =>
  `/api/v1/persons/${c.personId}/qr-code${ext}?siteId=${encodeURIComponent(c.siteId)}`;

const codeView = (c: PersonQrCodeRow) => ({
  personId: c.personId,
  siteId: c.siteId,
  keyId: c.keyId,
  codeValue: c.codeValue,
  issuedAt: isoCst(c.issuedAt),
  expiresAt: isoCst(c.expiresAt),
  pngUrl: codePath(c, '.png'),
  svgUrl: codePath(c, '.svg'),
});

/** The site of a code route: in the caller's scope, or 404 (existence not disclosed). */
async function codeSite(deps: ApiDeps, by: Principal, personId: string, siteId: string): Promise<void> {
  await activePerson(deps, by, personId);
  await siteInScope(deps, by, siteId);
}

/** A vendor reads a site's keys when one of its devices is on the site; others by site scope. */
async function keySite(deps: ApiDeps, by: Principal, siteId: string): Promise<void> {
  if (by.role !== 'vendor') {
    await siteInScope(deps, by, siteId);
    return;
  }
  const devices = by.vendorId
    ? await deps.data.store.devices.list({ vendorId: by.vendorId, siteId, limit: 1 })
    : [];
  if (devices.length === 0) throw noSite(siteId);
}

const noCode = (personId: string, siteId: string) =>
  notFound({
    en: `person ${personId} has no unexpired QR code for site ${siteId}: issue one (POST /api/v1/persons/${personId}/qr-codes)`,
    zh: '该人员在此工地没有有效的二维码，请先签发',
  });

export function qrCodeRoutes(api: ApiApp, deps: ApiDeps): void {
  const { qr } = deps.data;
  const siteQuery = z.strictObject({ siteId: ID.describe('the site the code is for') });

  api.get(
    '/sites/:siteId/qr-keys',
    {
      config: { roles: R.deviceReaders },
      schema: {
        tags: ['sites'],
        summary: 'The site’s public keys for person QR codes, the current one last (verify codes offline)',
        params: siteParams,
      },
    },
    async (req) => {
      await keySite(deps, principalOf(req), req.params.siteId);
      const keys = await qr.keysOf(req.params.siteId);
      return { siteId: req.params.siteId, items: keys.map(keyView) };
    },
  );

  api.post(
    '/sites/:siteId/qr-keys/rotate',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags: ['sites'],
        summary:
          'Make a new current key for the site’s QR codes; codes of older keys verify until they expire',
        params: siteParams,
      },
    },
    async (req) => {
      const by = principalOf(req);
      const site = await siteInScope(deps, by, req.params.siteId);
      const key = await qr.rotate(site.id);
      await deps.audit.record({
        by,
        action: 'site.qr_keys.rotate',
        resource: 'site',
        resourceId: site.id,
        siteId: site.id,
        detail: { keyId: key.keyId },
      });
      return keyView(key);
    },
  );

  api.post(
    '/persons/:personId/qr-codes',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags: ['persons'],
        summary:
          'Issue the person a QR code for a site they are assigned to (replaces the one issued before)',
        params: personParams,
        body: z.strictObject({
          siteId: ID,
          validDays: z
            .number()
            .int()
            .min(1)
            .max(QR_MAX_VALID_DAYS)
            .optional()
            .describe(`days the code is valid (default ${QR_DEFAULT_VALID_DAYS})`),
        }),
      },
    },
    async (req, reply) => {
      const by = principalOf(req);
      const { personId } = req.params;
      const { siteId, validDays } = req.body;
      await codeSite(deps, by, personId, siteId);
      let code: PersonQrCodeRow;
      try {
        code = await qr.issue(personId, siteId, validDays);
      } catch (e) {
        if (!(e instanceof QrError)) throw e;
        if (e.code === 'person_not_found') throw notFound({ en: e.message, zh: '人员不存在' });
        if (e.code === 'bad_validity') throw invalid('body.validDays', e.message);
        if (e.code === 'not_assigned')
          throw invalid('body.siteId', 'the person is not assigned to this site');
        throw invalid('params.personId', e.message);
      }
      await deps.audit.record({
        by,
        action: 'person.qr_code.issue',
        resource: 'person',
        resourceId: personId,
        siteId,
        detail: { keyId: code.keyId, expiresAt: isoCst(code.expiresAt) },
      });
      reply.code(201).header('location', codePath(code, ''));
      return codeView(code);
    },
  );

  /** The person's code for the site, unexpired, or 404. */
  async function currentCode(by: Principal, personId: string, siteId: string): Promise<PersonQrCodeRow> {
    await codeSite(deps, by, personId, siteId);
    const code = await qr.current(personId, siteId);
    if (!code || code.expiresAt <= deps.now()) throw noCode(personId, siteId);
    return code;
  }

  api.get(
    '/persons/:personId/qr-code',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags: ['persons'],
        summary: 'The person’s unexpired QR code for a site',
        params: personParams,
        querystring: siteQuery,
      },
    },
    async (req, reply) => {
      const code = await currentCode(principalOf(req), req.params.personId, req.query.siteId);
      reply.header('cache-control', 'no-store');
      return codeView(code);
    },
  );

  const printed = async (reply: FastifyReply, code: PersonQrCodeRow, format: 'png' | 'svg') => {
    // A code is a credential: no shared cache keeps a copy.
    reply.header('cache-control', 'no-store');
    if (format === 'png') return reply.type('image/png').send(await renderPng(code.codeValue));
    return reply.type('image/svg+xml; charset=utf-8').send(await renderSvg(code.codeValue));
  };

  for (const format of ['png', 'svg'] as const)
    api.get(
      `/persons/:personId/qr-code.${format}`,
      {
        config: { roles: R.siteWriters },
        schema: {
          tags: ['persons'],
          summary: `The person’s unexpired QR code for a site, printed as ${format.toUpperCase()} (ECC M, version ≤ 6)`,
          params: personParams,
          querystring: siteQuery,
        },
      },
      async (req, reply) =>
        printed(reply, await currentCode(principalOf(req), req.params.personId, req.query.siteId), format),
    );
}
