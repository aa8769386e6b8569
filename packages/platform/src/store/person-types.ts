/**
 * The store's contract for persons (§1.1(1)) as platform-wide identities and their site
 * assignments (§1.1(7) 一次采集，多台设备使用): one row per worker, keyed by the keyed hash
 * of the ID number, on any number of sites. A site's roster is the persons with an active
 * assignment there. Sealed fields stay sealed here; the store never sees a key.
 */

export type PersonStatus = 'active' | 'erased';

export interface PersonRow {
  id: string;
  name: string;
  /** Sealed JSON of the ID-card fields and phone (tasks/persons.ts PersonPii); '' once erased. */
  piiEnc: string;
  /** Keyed hash of the ID number: unique among persons not erased; null once erased. */
  idNumberHash: string | null;
  /** First six characters of the ID number; null on rows enrolled before migration 0010. */
  idNumberHead: string | null;
  idNumberTail: string;
  photoKeys: string[];
  /** The ID card's own photo (§1.1(1) 照片), a blob key; never sent to devices. */
  idCardPhotoKey: string | null;
  /** The ID card's front and back images (§1.1(2)), sealed blobs; never sent to devices. */
  idCardFrontKey: string | null;
  idCardBackKey: string | null;
  /** Face vs the card photo at enrolment (§1.1(4)) and, when the policy flagged it, its review. */
  faceMatch: FaceMatchRecord;
  status: PersonStatus;
  /** Bumped by every change: the etag of If-Match. */
  version: number;
  createdAt: number;
  updatedAt: number;
  erasedAt: number | null;
}

export type FaceMatchOutcome = 'match' | 'mismatch' | 'not_checked';
export type ReviewState = 'none' | 'required' | 'accepted' | 'rejected';

/** The 1:1 result kept with the person (migration 0015). */
export interface FaceMatchRecord {
  /** Similarity of the first face photo and the card photo; null when not compared. */
  score: number | null;
  /** The threshold the score was judged by (config faceMatchThreshold at the time). */
  threshold: number | null;
  outcome: FaceMatchOutcome;
  checkedAt: number | null;
  review: ReviewState;
  /** The account that accepted or rejected, and when. */
  reviewedBy: string | null;
  reviewedAt: number | null;
}

/** Never compared (before migration 0015, no card photo, or the detector off). */
export const NOT_CHECKED: FaceMatchRecord = {
  score: null,
  threshold: null,
  outcome: 'not_checked',
  checkedAt: null,
  review: 'none',
  reviewedBy: null,
  reviewedAt: null,
};

/** What an update may change on an identity. */
export type PersonPatch = Partial<
  Pick<
    PersonRow,
    | 'name'
    | 'piiEnc'
    | 'idNumberHash'
    | 'idNumberHead'
    | 'idNumberTail'
    | 'photoKeys'
    | 'idCardPhotoKey'
    | 'idCardFrontKey'
    | 'idCardBackKey'
    | 'faceMatch'
  >
>;

/** Why a conditional write did not happen. */
export type PersonWriteRefusal = 'not_found' | 'stale';

export interface PersonPageQuery {
  /** Keyset: persons with an id above this (ids grow with creation time). */
  afterId?: string;
  limit: number;
  /** Only names starting with this (case-sensitive). */
  namePrefix?: string;
  idNumberHash?: string;
  /** Default: every status. */
  status?: PersonStatus;
  /** Only persons ever assigned to one of these sites; an empty list matches nothing. */
  siteIds?: readonly string[];
  /** Only persons in this review state (e.g. required: flagged 1:1 mismatches). */
  review?: ReviewState;
  /** Only persons with an ID card photo. */
  withIdCardPhoto?: boolean;
}

export type AssignmentStatus = 'active' | 'ended';

/** A person's work on a site. Dates are calendar days, yyyy-MM-dd, China time. */
export interface AssignmentRow {
  id: string;
  personId: string;
  siteId: string;
  /** 参建/分包单位 the person works for on this site. */
  company: string | null;
  /** 班组. */
  team: string | null;
  /** 工种. */
  trade: string | null;
  joinedOn: string;
  /** The last day; an active assignment with a leftOn is ended by the periodic job once due. */
  leftOn: string | null;
  status: AssignmentStatus;
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
}

export type AssignmentPatch = Partial<
  Pick<AssignmentRow, 'company' | 'team' | 'trade' | 'joinedOn' | 'leftOn'>
>;

/** One row of a site's roster: the person and their active assignment there. */
export interface RosterEntry {
  person: PersonRow;
  assignment: AssignmentRow;
}

export interface PersonRepo {
  /**
   * Throws a unique violation (isUniqueViolation) when the ID number is enrolled already.
   * Insert and update also record the person's photo blobs (person_blobs) for erasure.
   */
  insert(row: PersonRow): Promise<void>;
  get(id: string): Promise<PersonRow | undefined>;
  /** The identity holding this ID number (erased persons hold none). */
  findByIdNumber(idNumberHash: string): Promise<PersonRow | undefined>;
  /** Keyset page in id order. */
  page(q: PersonPageQuery): Promise<PersonRow[]>;
  /**
   * Sets the fields given, bumps version and updatedAt; with `ifVersion`, only when the
   * stored version is still that one. Erased persons are not found. A patch that takes an
   * ID number another person holds throws a unique violation.
   */
  update(
    id: string,
    patch: PersonPatch,
    now: number,
    ifVersion?: number,
  ): Promise<PersonRow | PersonWriteRefusal>;
  /** Persons with an active assignment at the site, in id order (the frozen roster of a full send). */
  activeOfSite(siteId: string): Promise<PersonRow[]>;
  countActive(siteId: string): Promise<number>;
  /** Ids only, for the sign-in path's roster cache. */
  activeIdsOfSite(siteId: string): Promise<string[]>;
  /** Keyset page of a site's roster, in person id order after `afterPersonId`. */
  rosterPage(siteId: string, afterPersonId: string | undefined, limit: number): Promise<RosterEntry[]>;
  /** Whether a person other than `exceptPersonId` has (or had) this blob as a photo. */
  blobInUse(key: string, exceptPersonId: string): Promise<boolean>;
  /**
   * Erasure (PIPL): scrubs the person's sealed fields, name, ID number hash and photo keys
   * and the copies of the name elsewhere (frozen task rosters, devices' uploads, remembered
   * answers), in one transaction, and then has the database drop the old bytes from its
   * files where it can. Returns the row as it was and every photo blob the person ever
   * had (now forgotten), or undefined when there is none to erase.
   */
  erase(id: string, now: number): Promise<{ before: PersonRow; blobKeys: string[] } | undefined>;
  /** The identity a person id was merged into by migration 0010, if it was. */
  mergedInto(mergedId: string): Promise<string | undefined>;
}

export interface AssignmentRepo {
  /** Throws a unique violation when the person already has an active assignment at the site. */
  insert(row: AssignmentRow): Promise<void>;
  get(id: string): Promise<AssignmentRow | undefined>;
  /** Every assignment of the person, in id order (a person has a handful). */
  ofPerson(personId: string): Promise<AssignmentRow[]>;
  /** The updated row, or undefined when there is none. */
  update(id: string, patch: AssignmentPatch, now: number): Promise<AssignmentRow | undefined>;
  /** Ends an active assignment on `leftOn`; undefined when it is not active (already ended). */
  end(id: string, leftOn: string, now: number): Promise<AssignmentRow | undefined>;
  /** Active assignments whose leftOn is on or before `today`, oldest leave date first. */
  dueToEnd(today: string, limit: number): Promise<AssignmentRow[]>;
}
