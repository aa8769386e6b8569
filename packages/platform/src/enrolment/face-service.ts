/**
 * What the enrolment check needs of a face detector, as a port: the face photo rules of
 * §1.2(1) with their verdicts, the card photo's faces, and a similarity of two
 * embeddings. human.ts fills it with @kaoqin/faces' worker pool; with the config's
 * faceDetector 'off' there is none, and only the format/size rules run (test suites and
 * benchmarks of other parts, which enrol synthetic non-face pictures).
 */
import type { EnrolmentVerdict } from '@kaoqin/protocol';

export interface FacePhotoVerdicts {
  ok: boolean;
  /** Every rule's verdict, on the field given (photos.0, …). */
  verdicts: EnrolmentVerdict[];
  /** The one face's embedding, when asked for and the photo had one face. */
  embedding?: number[];
}

export interface CardFaces {
  /** Faces the detector found on the card photo. */
  count: number;
  /** The first face's embedding, when there was one. */
  embedding?: number[];
}

export interface FaceService {
  /** The face photo rules (format and size included) on one photo. */
  checkPhoto(bytes: Uint8Array, field: string, embedding: boolean): Promise<FacePhotoVerdicts>;
  /** Faces on the ID card's photo (small: the chip's is 102 × 126), with an embedding. */
  cardFaces(bytes: Uint8Array): Promise<CardFaces>;
  /** Similarity of two embeddings, 0–1, higher is likelier the same person. */
  similarity(a: number[], b: number[]): number;
  /** The library's own threshold (the config's default). */
  readonly defaultThreshold: number;
  /** Loads the model now (the server warms it after it starts) instead of at the first photo. */
  warm(): Promise<void>;
  close(): Promise<void>;
}
