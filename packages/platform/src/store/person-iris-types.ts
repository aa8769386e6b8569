/**
 * Iris images per person and eye (migration 0016): the row, the table and the repo's
 * contract. Apart from the repo (person-iris.ts) so the Store's contract can name it
 * without an import cycle through the schema types.
 */
export type Eye = 'left' | 'right';
export const EYES: readonly Eye[] = ['left', 'right'];

export interface PersonIrisTable {
  person_id: string;
  eye: Eye;
  raw_key: string;
  jp2_key: string;
  iris_radius: number;
  pupil_radius: number;
  grey: number;
  created_at: number;
}

export interface PersonIrisRow {
  personId: string;
  eye: Eye;
  /** The BMP as received (640 × 480, 8-bit grey). */
  rawKey: string;
  /** Its lossless JPEG 2000 export (a .jp2 file). */
  jp2Key: string;
  /** Measured by the check: px, and the iris region's mean grey. */
  irisRadius: number;
  pupilRadius: number;
  grey: number;
  createdAt: number;
}

export interface PersonIrisRepo {
  /** Sets the person's image of one eye; answers the one it replaced, if any. */
  put(row: PersonIrisRow): Promise<PersonIrisRow | undefined>;
  ofPerson(personId: string): Promise<PersonIrisRow[]>;
  /** The images of many persons (one page of a person task), by person. */
  ofPersons(personIds: readonly string[]): Promise<Map<string, PersonIrisRow[]>>;
  /** Removes one eye's image; answers it, if there was one. */
  remove(personId: string, eye: Eye): Promise<PersonIrisRow | undefined>;
  /** Removes every image of the person (erasure); answers them. */
  removeAll(personId: string): Promise<PersonIrisRow[]>;
  /**
   * Whether a blob may be deleted: no iris row and no person (person_blobs) holds it
   * any more. Called after remove/put dropped the person's own claim.
   */
  blobUnused(key: string): Promise<boolean>;
}
