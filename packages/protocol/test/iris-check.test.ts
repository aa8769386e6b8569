/**
 * The iris check (技术要求 1.1(5)(6), 1.2(2)) on synthetic eyes with known radii and grey
 * levels: the boundaries found within ±3 px of the truth, each rule passing and failing
 * with its measured value, and the order the rules run in. Synthetic only: nothing here
 * says how the search does on real NIR captures.
 */
import { describe, expect, it } from 'vitest';
import {
  checkIris,
  IRIS_GREY_LEVELS,
  IRIS_RADIUS_PIXELS,
  IRIS_RULES,
  type IrisVerdict,
  irisRegionGrey,
  locateIris,
  type SyntheticEyeOptions,
  syntheticEye,
  writeGreyBmp,
} from '../src/photo/index.js';

const TOLERANCE = 3;

const EYES: readonly (SyntheticEyeOptions & { about: string })[] = [
  { about: 'centred, 30/100', pupilRadius: 30, irisRadius: 100 },
  {
    about: 'small iris, eyelid to half the iris',
    x: 200,
    y: 200,
    pupilRadius: 20,
    irisRadius: 55,
    eyelid: 0.5,
  },
  {
    about: 'large iris, off-centre iris, eyelid',
    pupilRadius: 60,
    irisRadius: 145,
    irisOffsetX: 3,
    irisOffsetY: -2,
    eyelid: 0.4,
    seed: 3,
  },
  { about: 'small pupil, noisy', x: 400, y: 260, pupilRadius: 15, irisRadius: 80, noise: 12, seed: 4 },
  {
    about: 'dark iris, dim sclera',
    x: 250,
    y: 230,
    pupilRadius: 45,
    irisRadius: 120,
    irisGrey: 90,
    scleraGrey: 170,
  },
  {
    about: 'bright iris',
    pupilRadius: 25,
    irisRadius: 70,
    pupilGrey: 40,
    irisGrey: 160,
    scleraGrey: 235,
    seed: 5,
  },
  { about: 'reflection in the pupil', pupilRadius: 30, irisRadius: 100, reflection: 8, seed: 10 },
  {
    about: 'reflection, eyelid over the top of the pupil',
    pupilRadius: 40,
    irisRadius: 110,
    reflection: 10,
    eyelid: 0.3,
    seed: 11,
  },
  { about: 'near the image corner', x: 110, y: 120, pupilRadius: 30, irisRadius: 90, seed: 12 },
  { about: 'very noisy', pupilRadius: 30, irisRadius: 100, noise: 25, seed: 13 },
  { about: 'radius under the rule', pupilRadius: 15, irisRadius: 42, seed: 6 },
  { about: 'radius over the rule', pupilRadius: 50, irisRadius: 165, seed: 8 },
];

const bmp = (o: SyntheticEyeOptions) => writeGreyBmp(syntheticEye(o));
const verdict = (verdicts: readonly IrisVerdict[], rule: IrisVerdict['rule']) =>
  verdicts.find((v) => v.rule === rule);

describe('syntheticEye', () => {
  it('gives the same pixels for the same options, other pixels for another seed', () => {
    const eye = { pupilRadius: 30, irisRadius: 100, eyelid: 0.5, reflection: 6 };
    const a = Buffer.from(syntheticEye({ ...eye, seed: 1 }).pixels);
    expect(a.equals(Buffer.from(syntheticEye({ ...eye, seed: 1 }).pixels))).toBe(true);
    expect(a.equals(Buffer.from(syntheticEye({ ...eye, seed: 2 }).pixels))).toBe(false);
  });
});

describe('locateIris on synthetic eyes', () => {
  it.each(EYES)('$about: pupil and iris within ±3 px of the truth', (eye) => {
    const found = locateIris(syntheticEye(eye));
    const px = eye.x ?? 320;
    const py = eye.y ?? 240;
    expect(found).toBeDefined();
    const { pupil, iris } = found ?? { pupil: { x: 0, y: 0, r: 0 }, iris: { x: 0, y: 0, r: 0 } };
    expect(Math.abs(pupil.r - eye.pupilRadius)).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs(pupil.x - px)).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs(pupil.y - py)).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs(iris.r - eye.irisRadius)).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs(iris.x - (px + (eye.irisOffsetX ?? 0)))).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs(iris.y - (py + (eye.irisOffsetY ?? 0)))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('finds nothing on an image with no eye (flat grey and noise)', () => {
    const blank = syntheticEye({
      pupilRadius: 30,
      irisRadius: 100,
      pupilGrey: 128,
      irisGrey: 128,
      scleraGrey: 128,
      skinGrey: 128,
      texture: 0,
    });
    expect(locateIris(blank)).toBeUndefined();
  });

  it('measures the iris region grey as the mean of the annulus, eyelid left out', () => {
    const eye = { pupilRadius: 30, irisRadius: 100, irisGrey: 110, eyelid: 0.5, skinGrey: 240 } as const;
    const image = syntheticEye(eye);
    const found = locateIris(image);
    expect(found).toBeDefined();
    const grey = found ? irisRegionGrey(image, found) : { mean: undefined, pixels: 0 };
    expect(Math.abs((grey.mean ?? 0) - eye.irisGrey)).toBeLessThanOrEqual(3);
    expect(grey.pixels).toBeGreaterThan(10_000);
  });
});

describe('checkIris', () => {
  it('passes a good eye with every rule and its measured value', () => {
    const check = checkIris(bmp({ pupilRadius: 35, irisRadius: 100, irisGrey: 120 }));
    expect(check.ok).toBe(true);
    expect(check.verdicts.map((v) => [v.rule, v.ok])).toEqual(
      IRIS_RULES.map((_r, i) => [RULE_ORDER[i], true]),
    );
    expect(Math.abs((verdict(check.verdicts, 'iris_radius')?.measured ?? 0) - 100)).toBeLessThanOrEqual(
      TOLERANCE,
    );
    expect(Math.abs((verdict(check.verdicts, 'iris_grey')?.measured ?? 0) - 120)).toBeLessThanOrEqual(3);
  });

  it.each([
    ['under', { pupilRadius: 15, irisRadius: 42 }, 42],
    ['over', { pupilRadius: 50, irisRadius: 165 }, 165],
  ] as const)('refuses an iris radius %s the range with the measured radius', (_name, eye, truth) => {
    const check = checkIris(bmp(eye));
    expect(check.ok).toBe(false);
    const radius = verdict(check.verdicts, 'iris_radius');
    expect(radius?.ok).toBe(false);
    expect(Math.abs((radius?.measured ?? 0) - truth)).toBeLessThanOrEqual(TOLERANCE);
    expect(radius?.message).toBe(
      `iris radius ${radius?.measured} px, needs ${IRIS_RADIUS_PIXELS.min}–${IRIS_RADIUS_PIXELS.max}`,
    );
    // The grey is still measured: every rule's verdict, not just the first failure.
    expect(verdict(check.verdicts, 'iris_grey')?.ok).toBe(true);
  });

  it.each([
    ['too dark', { pupilRadius: 30, irisRadius: 100, pupilGrey: 8, irisGrey: 52, scleraGrey: 150 }, 52],
    [
      'too bright',
      { pupilRadius: 30, irisRadius: 100, pupilGrey: 30, irisGrey: 208, scleraGrey: 252, noise: 3 },
      208,
    ],
  ] as const)('refuses an iris region %s with the measured grey', (_name, eye, truth) => {
    const check = checkIris(bmp(eye));
    expect(check.ok).toBe(false);
    const grey = verdict(check.verdicts, 'iris_grey');
    expect(grey?.ok).toBe(false);
    expect(Math.abs((grey?.measured ?? 0) - truth)).toBeLessThanOrEqual(3);
    expect(grey?.message).toBe(
      `iris region grey ${grey?.measured}, needs ${IRIS_GREY_LEVELS.min}–${IRIS_GREY_LEVELS.max}`,
    );
    expect(verdict(check.verdicts, 'iris_radius')?.ok).toBe(true);
  });

  it('passes radius and grey at the edges of their ranges', () => {
    const check = checkIris(bmp({ pupilRadius: 20, irisRadius: 52, irisGrey: 70, scleraGrey: 190, seed: 9 }));
    expect(check.verdicts.map((v) => v.ok)).toEqual([true, true, true, true]);
  });

  it('stops at a refused BMP, saying why', () => {
    const bytes = bmp({ pupilRadius: 30, irisRadius: 100 });
    new DataView(bytes.buffer).setInt32(18, 320, true);
    const check = checkIris(bytes);
    expect(check).toEqual({
      ok: false,
      verdicts: [
        { rule: 'iris_bad_image', ok: false, message: 'iris image refused: 320×480 px, needs 640×480' },
      ],
    });
  });

  it('stops when no boundary is found', () => {
    const flat = bmp({
      pupilRadius: 30,
      irisRadius: 100,
      pupilGrey: 128,
      irisGrey: 128,
      scleraGrey: 128,
      skinGrey: 128,
      texture: 0,
    });
    const check = checkIris(flat);
    expect(check.ok).toBe(false);
    expect(check.verdicts.map((v) => [v.rule, v.ok])).toEqual([
      ['iris_bad_image', true],
      ['iris_not_found', false],
    ]);
    expect(check.boundaries).toBeUndefined();
  });
});

const RULE_ORDER = ['iris_bad_image', 'iris_not_found', 'iris_radius', 'iris_grey'] as const;
