/**
 * Synthetic eye images for iris tests: the generator lives beside the iris check in
 * @kaoqin/protocol/photo (the protocol's own tests use it and may not import the
 * testkit); here it is one import away for the other packages, with its BMP bytes.
 */
import { type SyntheticEyeOptions, syntheticEye, writeGreyBmp } from '@kaoqin/protocol/photo';

export { type SyntheticEyeOptions, syntheticEye };

/** A synthetic eye as the 640 × 480 single-channel BMP a capture device stores. */
export function eyeBmp(opts: SyntheticEyeOptions): Uint8Array {
  return writeGreyBmp(syntheticEye(opts));
}
