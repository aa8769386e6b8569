/**
 * Outbound webhooks (issue 12 item 8): the registrations, their durable outbox of
 * deliveries, and the mark up to which the attendance table has been turned into
 * deliveries. A delivery row is written (committed) before any send, so a crash between
 * an attendance commit and its POST loses nothing: the follower resumes from the mark
 * and the sender from the pending rows.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('webhooks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('site_ids', 'text')
      .addColumn('description', 'text')
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('secret_enc', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('webhook_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('site_id', 'text')
      // The event's data as JSON; null for attendance.created, rendered from the
      // attendance row at send time (an erased person's name is not kept here).
      .addColumn('data', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('last_response', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .execute();
    // One delivery per webhook and event: publishing the same event twice adds nothing.
    await db.schema
      .createIndex('webhook_deliveries_event_idx')
      .on('webhook_deliveries')
      .columns(['webhook_id', 'event_type', 'event_id'])
      .unique()
      .execute();
    // The sender's "what is due": pending rows by time, without reading delivered ones.
    await db.schema
      .createIndex('webhook_deliveries_due_idx')
      .on('webhook_deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute();
    // A webhook's deliveries, newest first (keyset pages).
    await db.schema
      .createIndex('webhook_deliveries_hook_idx')
      .on('webhook_deliveries')
      .columns(['webhook_id', 'id'])
      .execute();

    await db.schema
      .createTable('webhook_marks')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('last_id', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
