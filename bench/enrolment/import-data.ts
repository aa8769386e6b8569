/**
 * The import's files: a CSV roster (UTF-8 with a BOM, as the template) of N workers with
 * valid ID numbers (testkit's idNumberOf, the sex column agreeing with the 17th digit),
 * and a ZIP of one face photo per worker named by the ID number. Photos are `real`
 * (testkit's realFace(n): distinct real faces that pass §1.2, what the detector must
 * see) or `synthetic` (makePhoto: a textured 160×160 JPEG with no face, only for runs
 * with the detector off, e.g. the smoke test).
 */
import * as testkit from '@kaoqin/testkit';
import JSZip from 'jszip';

export type PhotoKind = 'real' | 'synthetic';

export interface ImportFiles {
  roster: Buffer;
  photos: Buffer;
  persons: number;
  /** Mean photo size, bytes. */
  photoBytes: number;
  buildMs: number;
}

type PhotoOf = (n: number) => Promise<Uint8Array>;

/** realFace(n) from the testkit, looked up by name so the harness still builds for synthetic runs without it. */
function realFaceOf(): PhotoOf {
  const fn = (testkit as Record<string, unknown>).realFace;
  if (typeof fn !== 'function') {
    throw new Error(
      '@kaoqin/testkit has no realFace(n) yet: run with --photos synthetic --face-detector off',
    );
  }
  return async (n) => (await (fn as (n: number) => Promise<Uint8Array> | Uint8Array)(n)) as Uint8Array;
}

function photoSource(kind: PhotoKind): PhotoOf {
  return kind === 'real' ? realFaceOf() : (n) => testkit.makePhoto(n + 1);
}

function isPng(b: Uint8Array): boolean {
  return b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export async function buildImportFiles(
  persons: number,
  kind: PhotoKind,
  onProgress?: (done: number) => void,
): Promise<ImportFiles> {
  const t0 = performance.now();
  const photoOf = photoSource(kind);
  const zip = new JSZip();
  const lines = ['姓名,身份证号,性别,手机号,班组,工种,进场日期'];
  let bytes = 0;
  for (let i = 0; i < persons; i++) {
    const id = testkit.idNumberOf(i);
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
    const photo = await photoOf(i);
    bytes += photo.length;
    // Stored: JPEG does not deflate, and the platform reads stored entries fastest.
    zip.file(`photos/${id}.${isPng(photo) ? 'png' : 'jpg'}`, photo, {
      compression: 'STORE',
      createFolders: false,
    });
    if (onProgress && (i + 1) % 500 === 0) onProgress(i + 1);
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
