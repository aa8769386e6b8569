/**
 * Face-vs-ID-card similarity on the real sample set (testkit real-faces): every genuine
 * pair (two different photos of the same man) and every impostor pair (the man and a
 * woman), scored with faceSimilarity, and the false accept / false reject rates at a range
 * of thresholds; FACE_MATCH_THRESHOLD is chosen from this table (docs/enrolment.md).
 *
 *   node --conditions=source --import tsx bench/enrolment/match.ts
 *
 * Two settings: photo against photo, and photo against the other photo shrunk to 102 × 126
 * px, the size of an ID card chip's photo (what the enrolment check really compares).
 */
import {
  checkFacePhoto,
  createFacePool,
  FACE_MATCH_THRESHOLD,
  type FaceEngine,
  faceSimilarity,
} from '@kaoqin/faces';
import {
  ID_CARD_PHOTO_HEIGHT as CARD_HEIGHT,
  ID_CARD_PHOTO_WIDTH as CARD_WIDTH,
  cropPhoto,
  GENUINE_CROPS,
  IMPOSTOR_CROPS,
  idCardPhotoOf,
  type RealFaceCrop,
} from '@kaoqin/testkit';

const THRESHOLDS = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6];

async function embedding(engine: FaceEngine, bytes: Uint8Array, label: string): Promise<number[]> {
  const analysis = await engine.analyse(bytes, { embedding: true });
  const faces = [...analysis.faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  const e = faces[0]?.embedding;
  if (!e) throw new Error(`no face found in ${label}`);
  return e;
}

interface Scores {
  genuine: number[];
  impostor: number[];
}

function pairs(men: number[][], women: number[][], cardMen: number[][] | undefined): Scores {
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let i = 0; i < men.length; i++) {
    for (let j = 0; j < men.length; j++) {
      if (i === j) continue;
      // Photo vs photo: each unordered pair once; photo vs card: ordered (photo i, card j).
      if (!cardMen && j < i) continue;
      genuine.push(faceSimilarity(men[i] as number[], (cardMen ?? men)[j] as number[]));
    }
    for (const w of women)
      impostor.push(faceSimilarity(cardMen ? (cardMen[i] as number[]) : (men[i] as number[]), w));
  }
  return { genuine, impostor };
}

function rates(s: Scores): string[] {
  const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1)}%`;
  return THRESHOLDS.map((t) => {
    const far = s.impostor.filter((x) => x >= t).length;
    const frr = s.genuine.filter((x) => x < t).length;
    const mark = t === FACE_MATCH_THRESHOLD ? ' ←' : '';
    return `| ${t.toFixed(2)} | ${pct(far, s.impostor.length)} (${far}/${s.impostor.length}) | ${pct(frr, s.genuine.length)} (${frr}/${s.genuine.length}) |${mark}`;
  });
}

function spread(xs: number[]): string {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) =>
    (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2);
  return `min ${at(0)}, 5% ${at(0.05)}, median ${at(0.5)}, 95% ${at(0.95)}, max ${(sorted.at(-1) ?? 0).toFixed(2)}`;
}

async function main(): Promise<void> {
  const engine = createFacePool({ workers: 2, queueMax: 256 });
  try {
    const men = await Promise.all(
      GENUINE_CROPS.map(async (c) => embedding(engine, await cropPhoto(c), c.note)),
    );
    const women = await Promise.all(
      IMPOSTOR_CROPS.map(async (c) => embedding(engine, await cropPhoto(c), c.note)),
    );
    const cards = await Promise.all(
      GENUINE_CROPS.map(async (c) => embedding(engine, await idCardPhotoOf(c), `${c.note} (card size)`)),
    );
    // The card-sized photos still pass detection: check one through the whole rule set for the record.
    const cardCheck = await checkFacePhoto(await idCardPhotoOf(GENUINE_CROPS[0] as RealFaceCrop), engine, {
      field: 'idCardPhoto',
    });
    console.log(
      `card-sized photo (${CARD_WIDTH}×${CARD_HEIGHT}): ${cardCheck.verdicts.map((v) => `${v.code} ${v.ok ? 'ok' : 'FAIL'} (${v.value})`).join('; ')}\n`,
    );

    for (const [title, scores] of [
      ['photo vs photo', pairs(men, women, undefined)],
      [`photo vs ${CARD_WIDTH}×${CARD_HEIGHT} card-sized photo`, pairs(men, women, cards)],
    ] as const) {
      console.log(`### ${title}: ${scores.genuine.length} genuine, ${scores.impostor.length} impostor pairs`);
      console.log(`genuine  ${spread(scores.genuine)}`);
      console.log(`impostor ${spread(scores.impostor)}\n`);
      console.log('| threshold | false accepts (FAR) | false rejects (FRR) |');
      console.log('|---|---|---|');
      for (const row of rates(scores)) console.log(row);
      console.log('');
    }
    console.log(`FACE_MATCH_THRESHOLD = ${FACE_MATCH_THRESHOLD}`);
  } finally {
    await engine.close();
  }
}

await main();
