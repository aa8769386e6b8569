/**
 * Human's settings for the liveness challenge, shared by the page and the Node tests.
 * Only the face detector, the mesh (head pose) and the iris model (eyelids) run: the
 * iris model is what makes a closed eye measurable, the rest would only cost frames.
 * Human's image filter is off (it halved the frame rate in headless Chromium and the
 * models do not need it).
 */
export function livenessHumanConfig(modelBasePath: string, wasmPath: string): Record<string, unknown> {
  return {
    backend: 'wasm',
    wasmPath,
    modelBasePath,
    debug: false,
    async: true,
    warmup: 'none',
    // Every frame is detected afresh: a cached box from a frame before a turn would lag.
    cacheSensitivity: 0,
    cacheModels: false,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: {
        rotation: false,
        // Two are enough to tell "more than one face"; more only costs time.
        maxDetected: 2,
        minConfidence: 0.5,
        skipFrames: 0,
        skipTime: 0,
        return: false,
      },
      mesh: { enabled: true },
      attention: { enabled: false },
      iris: { enabled: true },
      description: { enabled: false },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  };
}
