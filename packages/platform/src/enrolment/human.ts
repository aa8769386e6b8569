/**
 * The face service over @kaoqin/faces (Human on TensorFlow.js WASM in a bounded worker
 * pool): created at start, the model loaded by the library at the first photo, closed
 * at stop. The pool runs off the request path and off the gateway's event loop.
 */
import type { EnrolmentVerdict } from '@kaoqin/protocol';
import type { FaceService } from './face-service.js';

/** The part of @kaoqin/faces' public API (its src/types.ts) the platform calls. */
interface FaceEngine {
  analyse(image: Uint8Array, opts?: { embedding?: boolean }): Promise<{ faces: { embedding?: number[] }[] }>;
  close(): Promise<void>;
}
interface FacesModule {
  createFacePool(opts: { workers: number; queueMax: number; nice?: number }): FaceEngine;
  checkFacePhoto(
    bytes: Uint8Array,
    engine: FaceEngine,
    opts: { field: string; embedding?: boolean },
  ): Promise<{
    ok: boolean;
    verdicts: EnrolmentVerdict[];
    analysis?: { faces: { embedding?: number[] }[] };
  }>;
  matchFaces(a: number[], b: number[]): { score: number; threshold: number; match: boolean };
  FACE_MATCH_THRESHOLD: number;
}

export interface HumanFacesOptions {
  workers: number;
  queueMax: number;
}

export async function openHumanFaces(opts: HumanFacesOptions): Promise<FaceService> {
  const faces = (await import('@kaoqin/faces')) as unknown as FacesModule;
  const engine = faces.createFacePool({ workers: opts.workers, queueMax: opts.queueMax });
  return {
    defaultThreshold: faces.FACE_MATCH_THRESHOLD,
    async checkPhoto(bytes, field, embedding) {
      const c = await faces.checkFacePhoto(bytes, engine, { field, embedding });
      const one = c.analysis?.faces.length === 1 ? c.analysis.faces[0] : undefined;
      return {
        ok: c.ok,
        verdicts: c.verdicts,
        ...(one?.embedding ? { embedding: one.embedding } : {}),
      };
    },
    async cardFaces(bytes) {
      const a = await engine.analyse(bytes, { embedding: true });
      const first = a.faces[0]?.embedding;
      return { count: a.faces.length, ...(first ? { embedding: first } : {}) };
    },
    similarity: (a, b) => faces.matchFaces(a, b).score,
    close: () => engine.close(),
  };
}
