/**
 * Where an import's plans land: the persons domain (tasks/persons.ts), through its public
 * API only, so an imported worker is enrolled, checked, sealed and assigned exactly as
 * one added by hand. Identities are created without being sent (Persons.addMany), and the
 * import sends them at the end, one delta task per device of the site for the whole
 * batch (Persons.distribute), not one per row.
 */

import type { EnrolmentVerdict } from '@kaoqin/protocol';
import type { ErasableBlobStore } from '../blobs/types.js';
import type { PersonRow, Store } from '../store/index.js';
import type { Persons } from '../tasks/persons.js';
import { type Existing, IDENTITY_FIELDS, identityOf, type Plan } from './plan.js';
import type { RosterRecord } from './roster-values.js';
import type { CheckedPhoto } from './row-photo.js';

export type UpdatePlan = Extract<Plan, { kind: 'update' }>;

export interface RosterTarget {
  /** What the platform holds for the ID number, with the person's assignment to the site. */
  lookup(idNumber: string, siteId: string): Promise<Existing | undefined>;
  /** Creates the identity and its assignment to the site; sends nothing yet. Returns the person id. */
  create(siteId: string, r: RosterRecord, photo: CheckedPhoto): Promise<string>;
  update(siteId: string, r: RosterRecord, plan: UpdatePlan): Promise<void>;
  /** Sends what `create` made to the site's devices: one task per device. Returns tasks enqueued. */
  distribute(siteId: string): Promise<number>;
  /**
   * Stores a chunk's photos in one group commit before their rows are written, so each
   * enrolment finds its photo stored and skips its own fsyncs (blobs/local.ts putMany).
   */
  prestore(photos: readonly CheckedPhoto[]): Promise<void>;
  /** A prestored photo whose row failed: deleted unless a person has it (no orphan on disk). */
  release(photo: CheckedPhoto): Promise<void>;
  /** The enrolment check's face photo rules on a row's photo: the failed ones (a dry run's check). */
  checkPhoto(bytes: Uint8Array): Promise<EnrolmentVerdict[]>;
}

export function personsTarget(persons: Persons, faces: ErasableBlobStore, store: Store): RosterTarget {
  /** Created and not yet sent. */
  const created: PersonRow[] = [];
  return {
    async checkPhoto(bytes) {
      // Without the detector the row's photo check (row-photo.ts) has run these rules already.
      if (!persons.detectingFaces) return [];
      return (await persons.check({ photos: [bytes] })).refusals;
    },
    async lookup(idNumber, siteId) {
      const p = await persons.findByIdNumber(idNumber);
      if (p?.status !== 'active') return undefined;
      const pii = persons.pii(p);
      const identity: Existing['identity'] = { name: p.name };
      for (const f of IDENTITY_FIELDS) if (f !== 'name' && pii[f] !== undefined) identity[f] = pii[f];
      const a = (await persons.assignments.activeOf(p.id)).find((x) => x.siteId === siteId);
      return {
        personId: p.id,
        identity,
        photoKeys: p.photoKeys,
        ...(a
          ? {
              assignment: {
                id: a.id,
                company: a.company,
                team: a.team,
                trade: a.trade,
                joinedOn: a.joinedOn,
                leftOn: a.leftOn,
              },
            }
          : {}),
      };
    },

    async create(siteId, r, photo) {
      const [person] = await persons.addMany([
        {
          siteId,
          idNumber: r.idNumber,
          ...identityOf(r),
          name: r.name,
          photos: [photo.bytes],
          ...(r.company !== undefined ? { company: r.company } : {}),
          ...(r.team !== undefined ? { team: r.team } : {}),
          ...(r.trade !== undefined ? { trade: r.trade } : {}),
          ...(r.joinedOn !== undefined ? { joinedOn: r.joinedOn } : {}),
        },
      ]);
      if (r.leftOn !== undefined) {
        // addMany assigns without a leave date; a roster row that has one sets it after,
        // and a worker who has left already is not sent to the devices at all.
        const a = (await persons.assignments.activeOf(person!.id)).find((x) => x.siteId === siteId);
        const after = a && (await persons.assignments.update(a.id, { leftOn: r.leftOn }));
        if (after?.status === 'ended') return person!.id;
      }
      created.push(person!);
      return person!.id;
    },

    async update(siteId, r, plan) {
      const id = plan.existing.personId;
      // The photo first: the change most likely refused, so a refused photo leaves the row as it was.
      if (plan.photo) await persons.setPhotos(id, [plan.photo.bytes]);
      if (Object.keys(plan.identity).length > 0) await persons.update(id, plan.identity);
      if (plan.assignment === 'add') {
        const person = await persons.active(id);
        await persons.assignments.assign(person, {
          siteId,
          company: r.company ?? null,
          team: r.team ?? null,
          trade: r.trade ?? null,
          ...(r.joinedOn !== undefined ? { joinedOn: r.joinedOn } : {}),
          leftOn: r.leftOn ?? null,
        });
      } else if (plan.assignment && plan.existing.assignment) {
        await persons.assignments.update(plan.existing.assignment.id, plan.assignment);
      }
    },

    async prestore(photos) {
      if (photos.length > 0) await faces.putMany(photos.map((p) => ({ bytes: p.bytes, ext: p.format })));
    },

    async release(photo) {
      if (!(await store.persons.blobInUse(photo.key, ''))) await faces.delete(photo.key);
    },

    async distribute(siteId) {
      if (created.length === 0) return 0;
      const sent = await persons.distribute(siteId, created.splice(0));
      return [...sent.values()].filter((e) => e.taskId !== undefined).length;
    },
  };
}
