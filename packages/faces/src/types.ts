/**
 * The public shape of @kaoqin/faces. The platform codes against these; the worker pool
 * behind them is this package's own business.
 */
import type { EnrolmentVerdict } from '@kaoqin/protocol';

export interface FaceBox {
  /** Pixels in the photo as decoded (EXIF orientation applied). */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DetectedFace {
  box: FaceBox;
  /** Detector confidence, 0–1. */
  score: number;
  /** Head pose in degrees (0 = facing the camera); yaw left/right, pitch up/down. */
  yaw: number;
  pitch: number;
  roll: number;
  /** Present when an embedding was asked for: the face descriptor for 1:1 matching. */
  embedding?: number[];
}

export interface FaceAnalysis {
  width: number;
  height: number;
  faces: DetectedFace[];
}

export interface AnalyseOptions {
  /** Also compute each face's embedding (slower: only for 1:1 matching). */
  embedding?: boolean;
}

/** A detector running off the caller's event loop (a bounded worker pool). */
export interface FaceEngine {
  analyse(image: Uint8Array, opts?: AnalyseOptions): Promise<FaceAnalysis>;
  /** Loads the model now instead of at the first call. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

export interface FacePhotoCheck {
  ok: boolean;
  /** Every face rule's verdict (field as given by the caller, e.g. "photos.0"). */
  verdicts: EnrolmentVerdict[];
  analysis?: FaceAnalysis;
}
