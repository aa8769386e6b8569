/**
 * The iris image rules (技术要求 1.1(5)(6), 1.2(2)), in the order they run. Each returns a
 * verdict with what it measured, so a refusal says what was found and what was needed
 * ("iris radius 42 px, needs 50–150"). The image rule and the boundary rule come first
 * because the others measure what they produce; once one of those fails, the rest do
 * not run.
 */
import { type GreyImage, readGreyBmp } from './bmp.js';
import { irisRegionGrey } from './iris-grey.js';
import { IRIS_GREY_LEVELS, IRIS_RADIUS_PIXELS } from './iris-limits.js';
import { type IrisBoundaries, locateIris, MIN_EDGE_CONTRAST } from './iris-locate.js';

export type IrisProblem = 'iris_bad_image' | 'iris_not_found' | 'iris_radius' | 'iris_grey';

export interface IrisVerdict {
  /** The problem this rule reports when it fails. */
  readonly rule: IrisProblem;
  readonly ok: boolean;
  /** What was measured: px for the radius, grey level for the grey; absent when nothing could be. */
  readonly measured?: number;
  /** For people: what was found and, on failure, what is needed. */
  readonly message: string;
}

/** What the rules have learnt so far about one image. */
export interface IrisFindings {
  image?: GreyImage;
  boundaries?: IrisBoundaries;
}

export interface IrisRule {
  /** For tests and documentation: what the rule asks. */
  readonly name: string;
  /** Runs once the rules before it passed; fills in what later rules need. */
  check(bytes: Uint8Array, found: IrisFindings): IrisVerdict;
}

const range = ({ min, max }: { min: number; max: number }) => `${min}–${max}`;

/** 1.2(2): a 640 × 480 single-channel 8-bit BMP. */
export const irisImageRule: IrisRule = {
  name: '640×480 single-channel 8-bit BMP',
  check(bytes, found) {
    const read = readGreyBmp(bytes);
    if (!read.ok) return { rule: 'iris_bad_image', ok: false, message: `iris image refused: ${read.reason}` };
    found.image = read.image;
    return { rule: 'iris_bad_image', ok: true, message: 'iris image 640×480, 8-bit grey BMP' };
  },
};

/** Pupil and iris boundaries located (the other rules measure them). */
export const irisBoundaryRule: IrisRule = {
  name: 'pupil and iris boundaries found',
  check(_bytes, found) {
    const boundaries = found.image && locateIris(found.image);
    if (!boundaries) {
      return {
        rule: 'iris_not_found',
        ok: false,
        message: `no pupil and iris boundary found (edges under ${MIN_EDGE_CONTRAST} grey levels, or none)`,
      };
    }
    found.boundaries = boundaries;
    const { pupil, iris } = boundaries;
    return {
      rule: 'iris_not_found',
      ok: true,
      message: `pupil r ${pupil.r} px at (${pupil.x}, ${pupil.y}), iris r ${iris.r} px at (${iris.x}, ${iris.y})`,
    };
  },
};

/** 1.1(5): iris radius within 50–150 px. */
export const irisRadiusRule: IrisRule = {
  name: `iris radius within ${range(IRIS_RADIUS_PIXELS)} px`,
  check(_bytes, { boundaries }) {
    const r = boundaries?.iris.r;
    const ok = r !== undefined && r >= IRIS_RADIUS_PIXELS.min && r <= IRIS_RADIUS_PIXELS.max;
    const message = `iris radius ${r ?? '?'} px${ok ? '' : `, needs ${range(IRIS_RADIUS_PIXELS)}`}`;
    return r === undefined
      ? { rule: 'iris_radius', ok, message }
      : { rule: 'iris_radius', ok, measured: r, message };
  },
};

/** 1.1(6): iris region grey within 65–195 (iris-grey.ts says which pixels and which statistic). */
export const irisGreyRule: IrisRule = {
  name: `iris region mean grey within ${range(IRIS_GREY_LEVELS)}`,
  check(_bytes, { image, boundaries }) {
    const mean = image && boundaries ? irisRegionGrey(image, boundaries).mean : undefined;
    const ok = mean !== undefined && mean >= IRIS_GREY_LEVELS.min && mean <= IRIS_GREY_LEVELS.max;
    const message = `iris region grey ${mean ?? '?'}${ok ? '' : `, needs ${range(IRIS_GREY_LEVELS)}`}`;
    return mean === undefined
      ? { rule: 'iris_grey', ok, message }
      : { rule: 'iris_grey', ok, measured: mean, message };
  },
};

export const IRIS_RULES: readonly IrisRule[] = [
  irisImageRule,
  irisBoundaryRule,
  irisRadiusRule,
  irisGreyRule,
];
/** The rules the others depend on: a failure of one of these ends the check. */
export const IRIS_PREREQUISITES: ReadonlySet<IrisRule> = new Set([irisImageRule, irisBoundaryRule]);
