/** Management API accounts and their sessions. */
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { AccountPatch, AccountRepo, AccountRow, Role, SessionRepo } from './api-types.js';
import type { AccountsTable, Database } from './schema-types.js';
import { toBool01 } from './util.js';

function fromDb(r: Selectable<AccountsTable>): AccountRow {
  return {
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    role: r.role as Role,
    siteIds: JSON.parse(r.site_ids) as string[],
    vendorId: r.vendor_id,
    disabled: r.disabled === 1,
    failedLogins: r.failed_logins,
    lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function patchToDb(p: AccountPatch): Updateable<AccountsTable> {
  const set: Updateable<AccountsTable> = {};
  if (p.passwordHash !== undefined) set.password_hash = p.passwordHash;
  if (p.role !== undefined) set.role = p.role;
  if (p.siteIds !== undefined) set.site_ids = JSON.stringify(p.siteIds);
  if (p.vendorId !== undefined) set.vendor_id = p.vendorId;
  if (p.disabled !== undefined) set.disabled = toBool01(p.disabled);
  if (p.failedLogins !== undefined) set.failed_logins = p.failedLogins;
  if (p.lockedUntil !== undefined) set.locked_until = p.lockedUntil;
  if (p.updatedAt !== undefined) set.updated_at = p.updatedAt;
  return set;
}

export function accountRepo(db: Kysely<Database>): AccountRepo {
  return {
    async insert(a) {
      await db
        .insertInto('accounts')
        .values({
          id: a.id,
          username: a.username,
          password_hash: a.passwordHash,
          role: a.role,
          site_ids: JSON.stringify(a.siteIds),
          vendor_id: a.vendorId,
          disabled: toBool01(a.disabled),
          failed_logins: a.failedLogins,
          locked_until: a.lockedUntil,
          created_at: a.createdAt,
          updated_at: a.updatedAt,
        })
        .execute();
    },
    async byId(id) {
      const r = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return r && fromDb(r);
    },
    async byUsername(username) {
      const r = await db
        .selectFrom('accounts')
        .selectAll()
        .where('username', '=', username)
        .executeTakeFirst();
      return r && fromDb(r);
    },
    async page(after, limit) {
      let q = db.selectFrom('accounts').selectAll().orderBy('username').limit(limit);
      if (after !== undefined) q = q.where('username', '>', after);
      return (await q.execute()).map(fromDb);
    },
    async count() {
      const r = await db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async update(id, patch) {
      const set = patchToDb(patch);
      if (Object.keys(set).length === 0) return;
      await db.updateTable('accounts').set(set).where('id', '=', id).execute();
    },
  };
}

export function sessionRepo(db: Kysely<Database>): SessionRepo {
  return {
    async insert(s) {
      await db
        .insertInto('sessions')
        .values({
          token_hash: s.tokenHash,
          account_id: s.accountId,
          created_at: s.createdAt,
          expires_at: s.expiresAt,
          ip: s.ip,
        })
        .execute();
    },
    async get(tokenHash) {
      const r = await db
        .selectFrom('sessions')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return (
        r && {
          tokenHash: r.token_hash,
          accountId: r.account_id,
          createdAt: Number(r.created_at),
          expiresAt: Number(r.expires_at),
          ip: r.ip,
        }
      );
    },
    async withAccount(tokenHash) {
      const r = await db
        .selectFrom('sessions')
        .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
        .selectAll('accounts')
        .select([
          'sessions.token_hash as s_token_hash',
          'sessions.created_at as s_created_at',
          'sessions.expires_at as s_expires_at',
          'sessions.ip as s_ip',
        ])
        .where('sessions.token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (!r) return undefined;
      const { s_token_hash, s_created_at, s_expires_at, s_ip, ...account } = r;
      return {
        session: {
          tokenHash: s_token_hash,
          accountId: account.id,
          createdAt: Number(s_created_at),
          expiresAt: Number(s_expires_at),
          ip: s_ip,
        },
        account: fromDb(account),
      };
    },
    async delete(tokenHash) {
      await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
    },
    async deleteForAccount(accountId) {
      await db.deleteFrom('sessions').where('account_id', '=', accountId).execute();
    },
    async purge(now) {
      const r = await db.deleteFrom('sessions').where('expires_at', '<', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
