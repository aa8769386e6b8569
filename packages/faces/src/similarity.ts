/**
 * 1:1 face matching (issue 11 item 3): the enrolment photo against the ID card's chip
 * photo. Similarity is Human's own measure for faceres descriptors (a scaled Euclidean
 * distance mapped to 0–1), so the numbers read like Human's documentation and demos.
 */
import { FACE_MATCH_THRESHOLD } from './limits.js';

/** Human's defaults for faceres embeddings (Human.match.similarity: order 2, multiplier 25, min 0.2, max 0.8). */
const MULTIPLIER = 25;
const MIN = 0.2;
const MAX = 0.8;

/** 0 (different) – 1 (same face): Human's similarity without its rounding to 2 decimals. */
export function faceSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || a.length !== b.length) return 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    sum += d * d;
  }
  if (sum === 0) return 1;
  const distance = MULTIPLIER * sum;
  const scaled = (1 - Math.sqrt(distance) / 100 - MIN) / (MAX - MIN);
  return Math.min(1, Math.max(0, scaled));
}

export interface FaceMatch {
  score: number;
  threshold: number;
  match: boolean;
}

export function matchFaces(
  photoEmbedding: readonly number[],
  cardEmbedding: readonly number[],
  threshold = FACE_MATCH_THRESHOLD,
): FaceMatch {
  const score = faceSimilarity(photoEmbedding, cardEmbedding);
  return { score, threshold, match: score >= threshold };
}
