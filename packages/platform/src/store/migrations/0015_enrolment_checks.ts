/**
 * Enrolment checks kept with the person (issue 11 items 2, 3): the face-vs-ID-card 1:1
 * result (score, the threshold it was judged by, the outcome, when), the review state an
 * admin or labour manager settles when the policy enrolled a mismatch for review, and the
 * ID card's front and back images (sealed blobs, like the card photo). Existing persons
 * were never compared: `not_checked`, review `none`. The review index serves the list
 * filter "review required" without a scan.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const add = (column: string, type: 'text' | 'bigint' | 'real', notNullDefault?: string) =>
      db.schema
        .alterTable('persons')
        .addColumn(column, type, (c) =>
          notNullDefault === undefined ? c : c.notNull().defaultTo(notNullDefault),
        )
        .execute();
    // One column per statement: SQLite's ALTER TABLE adds one at a time.
    await add('face_match_score', 'real');
    await add('face_match_threshold', 'real');
    await add('face_match_outcome', 'text', 'not_checked');
    await add('face_checked_at', 'bigint');
    await add('review_state', 'text', 'none');
    await add('reviewed_by', 'text');
    await add('reviewed_at', 'bigint');
    await add('id_card_front_key', 'text');
    await add('id_card_back_key', 'text');
    await db.schema.createIndex('persons_review_idx').on('persons').columns(['review_state', 'id']).execute();
  },
};
