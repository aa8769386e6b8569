/**
 * The iris worker (a piscina task): the check (技术要求 1.1(5)(6), 1.2(2)) and, for an
 * image that passes, its lossless JPEG 2000 export. Both cost tens of milliseconds of
 * CPU each, which is why they run here and not on the event loop that serves the API
 * and the devices.
 */
import { checkIris, type IrisVerdict, readGreyBmp } from '@kaoqin/protocol/photo';
import { encodeJp2 } from './jp2.js';

export interface IrisJob {
  bmp: Uint8Array;
}

export interface IrisJobResult {
  ok: boolean;
  verdicts: IrisVerdict[];
  /** Measured when the boundaries were found. */
  pupilRadius?: number;
  irisRadius?: number;
  /** Present only when every rule passed. */
  jp2?: Uint8Array;
}

export default async function irisJob({ bmp }: IrisJob): Promise<IrisJobResult> {
  const check = checkIris(bmp);
  const out: IrisJobResult = { ok: check.ok, verdicts: [...check.verdicts] };
  if (check.boundaries) {
    out.pupilRadius = check.boundaries.pupil.r;
    out.irisRadius = check.boundaries.iris.r;
  }
  if (!check.ok) return out;
  const read = readGreyBmp(bmp);
  // The check has just read it: a failure here is a bug, not the image's fault.
  if (!read.ok) throw new Error(`iris image unreadable after passing the check: ${read.reason}`);
  out.jp2 = await encodeJp2(read.image);
  return out;
}
