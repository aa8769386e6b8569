/**
 * /api/v1/vendors: the vendors whose devices speak to the platform (clause 1.1), their
 * credentials and their RSA public key (clause 1.6, D12).
 *
 * Credentials are shown once: `accessKey` and `accessSecret` only in the answer to the
 * POST that made them (and the secret again in the answer to a rotation), never in a
 * read; a read shows `accessId`, the public name devices send in C_AUTH. Every write
 * goes through the domain's Vendors, which updates the running gateway's cache at once:
 * a rotation or revocation refuses the next request with the old credentials (401_02,
 * D7), and a key set or removed changes the very next answer to the vendor's devices,
 * on TCP (answers and D3 pushes) and HTTP alike.
 */
import { z } from 'zod';
import { describeVendorKey, VendorKeyError } from '../../domain/vendor-keys.js';
import type { VendorCredentials } from '../../domain/vendors.js';
import type { VendorRow } from '../../store/index.js';
import { vendorScope } from '../auth/principal.js';
import { cursorId, pageOf, pageQuery } from '../pagination.js';
import { invalid, notFound } from '../problems.js';
import { isoCst } from '../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';

/** Operators manage vendors; auditors read them; a vendor account reads its own. */
const READERS = ['admin', 'operator', 'vendor', 'auditor'] as const;

const view = (v: VendorRow) => {
  const key = v.publicKeyPem === null ? undefined : describeVendorKey(v.publicKeyPem);
  return {
    vendorId: v.id,
    name: v.name,
    accessId: v.accessId,
    status: v.status,
    /** Bumped by every rotation: tokens issued under an older secret are refused. */
    secretVersion: v.secretVersion,
    /** D12: null = answers in clear; otherwise every successful answer's response is sealed. */
    publicKey:
      v.publicKeyPem === null ? null : { fingerprint: key?.fingerprint ?? null, bits: key?.bits ?? null },
    createdAt: isoCst(v.createdAt),
    updatedAt: isoCst(v.updatedAt),
  };
};

/** The one answer that carries a secret: creation and rotation. */
const credentialsView = (row: VendorRow, creds: VendorCredentials, withKey: boolean) => ({
  ...view(row),
  ...(withKey ? { accessKey: creds.accessKey } : {}),
  accessSecret: creds.accessSecret,
});

export function vendorRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['vendors'];
  const { store } = deps.data;
  // Ids are the platform's own (UUIDs): anything else cannot name a vendor, and a NUL
  // byte would reach PostgreSQL, which refuses it in text.
  const byId = { params: z.strictObject({ vendorId: z.string().regex(/^[0-9A-Za-z-]{1,64}$/) }) };

  /** The vendor if the caller may see it; 404 otherwise (existence is not disclosed). */
  async function visible(req: Parameters<typeof principalOf>[0], vendorId: string): Promise<VendorRow> {
    const scope = vendorScope(principalOf(req));
    const row = scope === undefined || scope === vendorId ? await store.vendors.byId(vendorId) : undefined;
    if (!row) throw notFound({ en: `no vendor ${vendorId}`, zh: '厂商不存在' });
    return row;
  }

  api.get(
    '/vendors',
    {
      config: { roles: READERS },
      schema: {
        tags,
        summary: 'List vendors (a vendor account sees its own); never shows a secret',
        querystring: z.strictObject(pageQuery),
      },
    },
    async (req) => {
      const { limit, cursor } = req.query;
      const after = cursorId(cursor);
      const scope = vendorScope(principalOf(req));
      if (scope !== undefined) {
        const own = after === undefined || after < scope ? await store.vendors.byId(scope) : undefined;
        return pageOf(own ? [own] : [], limit, (v) => [v.id], view);
      }
      return pageOf(await store.vendors.page(after, limit + 1), limit, (v) => [v.id], view);
    },
  );

  api.post(
    '/vendors',
    {
      config: { roles: R.operators },
      schema: {
        tags,
        summary: 'Create a vendor; its accessKey and accessSecret are in this answer only',
        body: z.strictObject({
          name: z
            .string()
            .trim()
            .min(1)
            .max(128)
            .regex(/^\P{Cc}*$/u, 'no control characters'),
        }),
      },
    },
    async (req, reply) => {
      const creds = await deps.data.vendors.create(req.body.name);
      const row = await store.vendors.byId(creds.vendorId);
      if (!row) throw new Error(`vendor ${creds.vendorId} vanished after creation`);
      await deps.audit.record({
        by: principalOf(req),
        action: 'vendor.create',
        resource: 'vendor',
        resourceId: row.id,
        detail: { name: row.name, accessId: row.accessId },
      });
      reply.code(201).header('location', `/api/v1/vendors/${row.id}`);
      return credentialsView(row, creds, true);
    },
  );

  api.get(
    '/vendors/:vendorId',
    {
      config: { roles: READERS },
      schema: { tags, summary: 'One vendor: status, secret version, public key fingerprint', ...byId },
    },
    async (req) => view(await visible(req, req.params.vendorId)),
  );

  api.post(
    '/vendors/:vendorId/rotate',
    {
      config: { roles: R.operators },
      schema: {
        tags,
        summary: 'Issue a new accessSecret (in this answer only); tokens under the old one fail 401_02',
        ...byId,
      },
    },
    async (req) => {
      const before = await visible(req, req.params.vendorId);
      const creds = await deps.data.vendors.rotate(before.id);
      const row = await visible(req, before.id);
      await deps.audit.record({
        by: principalOf(req),
        action: 'vendor.rotate',
        resource: 'vendor',
        resourceId: row.id,
        detail: { secretVersion: row.secretVersion, reinstated: before.status !== 'active' },
      });
      return credentialsView(row, creds, false);
    },
  );

  api.post(
    '/vendors/:vendorId/revoke',
    {
      config: { roles: R.operators },
      schema: {
        tags,
        summary: 'Revoke the vendor: its devices are refused (401_02) until a rotation',
        ...byId,
      },
    },
    async (req) => {
      const before = await visible(req, req.params.vendorId);
      const row = await deps.data.vendors.revoke(before.id);
      await deps.audit.record({
        by: principalOf(req),
        action: 'vendor.revoke',
        resource: 'vendor',
        resourceId: row.id,
        detail: { name: row.name },
      });
      return view(row);
    },
  );

  api.put(
    '/vendors/:vendorId/public-key',
    {
      config: { roles: R.operators },
      schema: {
        tags,
        summary: 'Register the RSA public key (≥ 2048 bits): every successful answer is then sealed (D12)',
        ...byId,
        body: z.strictObject({ publicKeyPem: z.string().min(1).max(16_384) }),
      },
    },
    async (req) => {
      const before = await visible(req, req.params.vendorId);
      let row: VendorRow;
      try {
        row = await deps.data.vendors.setPublicKey(before.id, req.body.publicKeyPem);
      } catch (e) {
        if (e instanceof VendorKeyError) throw invalid('body.publicKeyPem', e.message);
        throw e;
      }
      const shown = view(row);
      await deps.audit.record({
        by: principalOf(req),
        action: 'vendor.public_key.set',
        resource: 'vendor',
        resourceId: row.id,
        detail: { ...shown.publicKey, replaced: before.publicKeyPem !== null },
      });
      return shown;
    },
  );

  api.delete(
    '/vendors/:vendorId/public-key',
    {
      config: { roles: R.operators },
      schema: { tags, summary: 'Remove the public key: answers go in clear again', ...byId },
    },
    async (req, reply) => {
      const before = await visible(req, req.params.vendorId);
      await deps.data.vendors.setPublicKey(before.id, null);
      await deps.audit.record({
        by: principalOf(req),
        action: 'vendor.public_key.remove',
        resource: 'vendor',
        resourceId: before.id,
        detail: { had: before.publicKeyPem !== null },
      });
      return reply.code(204).send();
    },
  );
}
