/**
 * The picture rules that need no face detector, as verdicts: JPG or PNG, under the size
 * limit, decodable, big enough (@kaoqin/protocol/photo's one §1.2 check). Face photos get
 * them when the detector is off; the card photo and the card's front and back images
 * always (a card image is checked for being an image, not for a face).
 */
import type { EnrolmentVerdict } from '@kaoqin/protocol';
import { checkPhoto, type PhotoFormat, type PhotoProblem } from '@kaoqin/protocol/photo';

/** What each refusal means to whoever holds the picture (技术要求 1.2). */
const HINT: Record<PhotoProblem, (limits: ImageLimits) => string> = {
  photo_bad_format: () => 'not a JPG or PNG image',
  photo_too_large: (l) => `must be smaller than ${Math.round(l.maxBytes / 1024)} KB (§1.2)`,
  photo_too_small: (l) => `must be at least ${l.minPixels} × ${l.minPixels} pixels (§1.2)`,
  photo_undecodable: () => 'cannot be decoded (truncated or corrupt)',
};

export interface ImageLimits {
  maxBytes: number;
  minPixels: number;
}

export interface ImageVerdict {
  verdict: EnrolmentVerdict;
  /** The format, when the image passed. */
  format?: PhotoFormat;
}

export async function imageVerdict(
  bytes: Uint8Array,
  field: string,
  limits: ImageLimits,
): Promise<ImageVerdict> {
  const c = await checkPhoto(bytes, {
    decode: true,
    maxBytes: limits.maxBytes,
    minFacePixels: limits.minPixels,
  });
  if (c.ok)
    return {
      format: c.format,
      verdict: {
        code: 'photo_file',
        ok: true,
        field,
        value: `${c.format} ${c.width}×${c.height} px, ${bytes.length} bytes`,
        message: 'a decodable JPG or PNG of the allowed size',
      },
    };
  return {
    verdict: {
      code: c.reason,
      ok: false,
      field,
      value: `${bytes.length} bytes`,
      message: HINT[c.reason](limits),
    },
  };
}
