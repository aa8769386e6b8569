/**
 * The face service over @kaoqin/faces (Human on TensorFlow.js WASM in a bounded, lazy,
 * niced worker pool): created at start, the model loaded when the server warms it after
 * starting (app.ts) or else at the first photo, unloaded after `idleMs` without face
 * work (loaded again by the next photo), closed at stop. The pool runs off the
 * request path and off the gateway's event loop; a full queue refuses at once with
 * FacePoolBusyError (the API answers 503).
 */
import { checkFacePhoto, createFacePool, FACE_MATCH_THRESHOLD, faceSimilarity } from '@kaoqin/faces';
import type { FaceService } from './face-service.js';

export interface HumanFacesOptions {
  workers: number;
  queueMax: number;
  /** The workers end (freeing the model) after this long without face work; 0: never. */
  idleMs?: number;
}

export function openHumanFaces(opts: HumanFacesOptions): FaceService {
  const engine = createFacePool({
    workers: opts.workers,
    queueMax: opts.queueMax,
    ...(opts.idleMs !== undefined ? { idleMs: opts.idleMs } : {}),
  });
  return {
    defaultThreshold: FACE_MATCH_THRESHOLD,
    async checkPhoto(bytes, field, embedding) {
      const c = await checkFacePhoto(bytes, engine, { field, embedding });
      const faces = c.analysis?.faces ?? [];
      // The embedding of the one face: with none or several the face_count rule refuses anyway.
      const one = faces.length === 1 ? faces[0]?.embedding : undefined;
      return { ok: c.ok, verdicts: c.verdicts, ...(one ? { embedding: one } : {}) };
    },
    async cardFaces(bytes) {
      const a = await engine.analyse(bytes, { embedding: true });
      const first = a.faces[0]?.embedding;
      return { count: a.faces.length, ...(first ? { embedding: first } : {}) };
    },
    similarity: faceSimilarity,
    warm: () => engine.warm(),
    close: () => engine.close(),
  };
}
