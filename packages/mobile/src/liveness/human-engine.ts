/**
 * Human in the browser for the liveness challenge: the ESM build of the same Human as the
 * platform's face check, on the tfjs WASM backend, with models and .wasm files the page
 * serves itself (modelBase, wasmBase: nothing from a CDN). Loaded once per page; a load
 * that fails is forgotten so a later call can try again.
 */
import { livenessHumanConfig } from './human-config.js';
import type { HumanFaceLike } from './observe.js';

/** The part of Human's API used here (its full types are large and not needed). */
interface HumanLike {
  load(): Promise<void>;
  detect(input: HTMLCanvasElement): Promise<{ face: HumanFaceLike[]; error?: string | null }>;
  tf: { ready(): Promise<void> };
}

export interface FaceEngine {
  /** Human's faces on the frame drawn on the canvas. */
  detect(frame: HTMLCanvasElement): Promise<HumanFaceLike[]>;
}

let loading: { key: string; engine: Promise<FaceEngine> } | undefined;

async function load(modelBase: string, wasmBase: string): Promise<FaceEngine> {
  // The package's "module"/"import" entry is dist/human.esm.js (tfjs 4.22.0 bundled, the
  // version of the .wasm files the build copies); its subpath exports lack the "./" and
  // do not resolve.
  const { Human } = (await import('@vladmandic/human')) as unknown as {
    Human: new (config: Record<string, unknown>) => HumanLike;
  };
  const human = new Human(livenessHumanConfig(modelBase, wasmBase));
  await human.load();
  await human.tf.ready();
  const engine: FaceEngine = {
    async detect(frame) {
      const result = await human.detect(frame);
      if (result.error) throw new Error(`face model: ${result.error}`);
      return result.face;
    },
  };
  // One detection on a blank frame: the WASM kernels' first run is slow, better here
  // (while the page shows "loading") than inside the first step's time limit.
  const blank = document.createElement('canvas');
  blank.width = 64;
  blank.height = 64;
  await engine.detect(blank);
  return engine;
}

/** The engine for these paths, loading it on first use. */
export function faceEngine(modelBase: string, wasmBase: string): Promise<FaceEngine> {
  const key = `${modelBase}\n${wasmBase}`;
  if (loading?.key === key) return loading.engine;
  const engine = load(modelBase, wasmBase);
  const entry = { key, engine };
  loading = entry;
  engine.catch(() => {
    if (loading === entry) loading = undefined;
  });
  return engine;
}
