/**
 * A row's face photo from the ZIP, checked as enrolment checks it (§1.2 via checkPhoto)
 * and keyed as the blob store keys it (sha256), so an import can tell a photo the person
 * already has from a new one without storing anything.
 */
import { createHash } from 'node:crypto';
import { checkPhoto, type PhotoFormat } from '@kaoqin/protocol/photo';
import { type ImportProblem, importProblem } from './messages.js';
import type { PhotoZip } from './photos-zip.js';

export interface CheckedPhoto {
  bytes: Buffer;
  format: PhotoFormat;
  /** The blob store's content key: sha256 hex. */
  key: string;
  entryName: string;
}

/** No photo for the ID number, a checked one, or why the one there cannot be used. */
export type RowPhoto =
  | { kind: 'none' }
  | { kind: 'ok'; photo: CheckedPhoto }
  | { kind: 'bad'; problem: ImportProblem };

export async function rowPhoto(
  zip: PhotoZip | undefined,
  idNumber: string,
  maxBytes: number,
  /** Decode every pixel (catches a truncated file), or read the header only. */
  decode: boolean,
): Promise<RowPhoto> {
  const found = zip?.byIdNumber.get(idNumber);
  if (!zip || !found || found.length === 0) return { kind: 'none' };
  const bad = (code: Parameters<typeof importProblem>[0], params = {}): RowPhoto => ({
    kind: 'bad',
    problem: importProblem(code, { field: 'photo' }, params),
  });
  if (found.length > 1)
    return bad('photo_ambiguous', { entries: found.map((f) => f.entryName.replace(/^.*\//, '')).join(', ') });
  const entry = found[0]!;
  if (entry.refused) return bad(entry.refused);
  let bytes: Buffer;
  try {
    bytes = await zip.read(entry);
  } catch {
    return bad('zip_entry_unreadable');
  }
  const c = await checkPhoto(bytes, { decode, maxBytes });
  if (!c.ok) return bad(c.reason);
  return {
    kind: 'ok',
    photo: {
      bytes,
      format: c.format,
      key: createHash('sha256').update(bytes).digest('hex'),
      entryName: entry.entryName,
    },
  };
}
