/**
 * The import's files: a CSV roster (UTF-8 with a BOM, as the template) of N workers with
 * valid ID numbers (testkit's idNumberOf, the sex column agreeing with the 17th digit),
 * and a ZIP of one face photo per worker named by the ID number. Photos are `real`
 * (testkit's realFace: real faces that pass §1.2, what the detector must see, made
 * distinct here) or `synthetic` (makePhoto: a textured 160×160 JPEG with no face, only for runs
 * with the detector off, e.g. the smoke test).
 */
import { createHash } from 'node:crypto';
import { idNumberOf, makePhoto, realFace } from '@kaoqin/testkit';
import JSZip from 'jszip';
import sharp from 'sharp';

export type PhotoKind = 'real' | 'synthetic';

export interface ImportFiles {
  roster: Buffer;
  photos: Buffer;
  persons: number;
  /** Mean photo size, bytes. */
  photoBytes: number;
  buildMs: number;
}

/**
 * n photos whose bytes all differ. realFace's variations (brightness, JPEG quality) repeat
 * after a few thousand; a repeat is re-encoded by sharp at another quality until it is new,
 * which changes the bytes and leaves the face as it was.
 */
async function realFaces(n: number): Promise<Uint8Array[]> {
  const photos = await realFace(n);
  const seen = new Set<string>();
  const hash = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  let q = 0;
  for (let i = 0; i < photos.length; i++) {
    let photo = photos[i]!;
    // Bounded: quality walks 70…97 and blur changes with each pass, so a new hash comes quickly.
    for (let tries = 0; seen.has(hash(photo)) && tries < 200; tries++) {
      photo = await sharp(photos[i]!)
        .jpeg({ quality: 70 + (q++ % 28) })
        .toBuffer();
    }
    if (seen.has(hash(photo))) throw new Error(`could not make photo ${i} distinct`);
    seen.add(hash(photo));
    photos[i] = photo;
  }
  return photos;
}

async function photosOf(n: number, kind: PhotoKind): Promise<Uint8Array[]> {
  if (kind === 'real') return realFaces(n);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(await makePhoto(i + 1));
  return out;
}

function isPng(b: Uint8Array): boolean {
  return b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export async function buildImportFiles(persons: number, kind: PhotoKind): Promise<ImportFiles> {
  const t0 = performance.now();
  const all = await photosOf(persons, kind);
  const zip = new JSZip();
  const lines = ['姓名,身份证号,性别,手机号,班组,工种,进场日期'];
  let bytes = 0;
  for (let i = 0; i < persons; i++) {
    const id = idNumberOf(i);
    const male = Number(id[16]) % 2 === 1;
    lines.push(
      [
        `工人${i}`,
        id,
        male ? '男' : '女',
        `139${String(i).padStart(8, '0')}`,
        `${i % 20}班`,
        '普工',
        '2024-03-05',
      ]
        .map(csvCell)
        .join(','),
    );
    const photo = all[i]!;
    bytes += photo.length;
    // Stored: JPEG does not deflate, and the platform reads stored entries fastest.
    zip.file(`photos/${id}.${isPng(photo) ? 'png' : 'jpg'}`, photo, {
      compression: 'STORE',
      createFolders: false,
    });
  }
  const roster = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.join('\r\n')}\r\n`)]);
  const photos = await zip.generateAsync({ type: 'nodebuffer', platform: 'UNIX' });
  return {
    roster,
    photos,
    persons,
    photoBytes: persons ? bytes / persons : 0,
    buildMs: performance.now() - t0,
  };
}
