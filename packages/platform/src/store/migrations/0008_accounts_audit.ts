/**
 * The management API's own tables: accounts (login, role, the sites a site manager may
 * see, the vendor a vendor account speaks for, lockout state), their sessions (only a
 * hash of each token is kept, so a read of the database cannot log anyone in), the audit
 * log (who did or revealed what, when, from where) and remembered answers to POSTs that
 * carried an Idempotency-Key.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('accounts')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('site_ids', 'text', (c) => c.notNull())
      .addColumn('vendor_id', 'text')
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('sessions')
      .ifNotExists()
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('ip', 'text')
      .execute();
    await db.schema
      .createIndex('sessions_account_idx')
      .ifNotExists()
      .on('sessions')
      .column('account_id')
      .execute();
    await db.schema
      .createIndex('sessions_expires_idx')
      .ifNotExists()
      .on('sessions')
      .column('expires_at')
      .execute();

    await db.schema
      .createTable('audit_log')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('role', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('resource', 'text', (c) => c.notNull())
      .addColumn('resource_id', 'text')
      .addColumn('site_id', 'text')
      .addColumn('ip', 'text')
      .addColumn('detail', 'text')
      .execute();
    await db.schema
      .createIndex('audit_log_resource_idx')
      .ifNotExists()
      .on('audit_log')
      .columns(['resource', 'resource_id', 'id'])
      .execute();
    await db.schema
      .createIndex('audit_log_actor_idx')
      .ifNotExists()
      .on('audit_log')
      .columns(['actor', 'id'])
      .execute();

    await db.schema
      .createTable('idempotency_keys')
      .ifNotExists()
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('headers', 'text')
      .addColumn('body', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['account_id', 'key'])
      .execute();
    await db.schema
      .createIndex('idempotency_keys_created_idx')
      .ifNotExists()
      .on('idempotency_keys')
      .column('created_at')
      .execute();
  },
};
