/**
 * The real photos the mobile face check's tests use (testkit's real-faces table): two
 * different photos of the man (dark background, pink shirt; outdoors, white shirt) as
 * the enrolled photo and the selfie, and a woman's portrait as another person. Measured
 * with the pool (5 December 2026): the pair scores 0.75, the woman against the enrolled
 * photo 0.26, both far from the 0.5 threshold.
 */
import type { RealFaceName } from '@kaoqin/testkit';

export const ENROLLED: RealFaceName = 'manGrid1';
export const GENUINE_SELFIE: RealFaceName = 'manGrid2';
export const IMPOSTOR_SELFIE: RealFaceName = 'womanPortrait2';
