/**
 * Human (TensorFlow.js on WASM) set up for enrolment photos, inside one worker thread.
 * Everything comes from installed packages: the Node WASM build of Human, the tfjs WASM
 * binaries and Human's own models/ directory, fetched through file: URLs, so nothing is
 * downloaded at run time. Only the face detector (BlazeFace), the mesh (head pose) and,
 * when asked, the description model (faceres embedding) run; body, hand, object,
 * gesture, emotion, iris, antispoof and liveness are off.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fuseRelu6, type GraphModelJson } from './model-graph.js';

const require = createRequire(import.meta.url);
// Human's exports map hides package.json: resolve its Node entry (dist/human.node.js) and go up.
const humanDir = dirname(dirname(require.resolve('@vladmandic/human')));
/** Human's models/ directory (the graphs and weights it ships). */
export const HUMAN_MODELS_DIR = join(humanDir, 'models');
const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));

/** The few parts of Human's API this package uses (its bundled types pull in the DOM). */
export interface HumanFace {
  box: [number, number, number, number];
  /** The face mesh's 468 landmarks, [x, y, z] in input pixels. */
  mesh?: [number, number, number][];
  score: number;
  boxScore?: number;
  rotation?: { angle: { yaw: number; pitch: number; roll: number } } | null;
  embedding?: number[];
}
export interface HumanInstance {
  load(): Promise<void>;
  warmup?(): Promise<unknown>;
  detect(
    input: unknown,
    config?: Record<string, unknown>,
  ): Promise<{ face: HumanFace[]; error?: string | null }>;
  tf: {
    tensor3d(values: Uint8Array, shape: [number, number, number], dtype: 'int32'): { dispose(): void };
    ready(): Promise<void>;
    getBackend(): string;
  };
}
interface HumanModule {
  Human: new (config: Record<string, unknown>) => HumanInstance;
}

/** Detector settings; `description` is switched per call (embedding only when asked). */
export function humanConfig(embedding: boolean): Record<string, unknown> {
  return {
    backend: 'wasm',
    wasmPath: `${pathToFileURL(join(wasmDir, 'dist'))}/`,
    modelBasePath: `${pathToFileURL(HUMAN_MODELS_DIR)}/`,
    debug: false,
    async: true,
    warmup: 'none',
    // Each photo is a new image: never reuse a previous call's boxes.
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: {
        rotation: false,
        maxDetected: 10,
        minConfidence: 0.5,
        minSize: 0,
        skipFrames: 0,
        skipTime: 0,
        return: false,
      },
      mesh: { enabled: true },
      attention: { enabled: false },
      iris: { enabled: false },
      description: { enabled: embedding, skipFrames: 0, skipTime: 0 },
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

/** Graph rewrites on (the default) or off (a test compares the two). */
let rewriteGraphs = true;

/**
 * tfjs and Human fetch models and the .wasm by URL; Node's fetch has no file: scheme,
 * so answer file: URLs from disk and leave every other URL to the real fetch. A model's
 * graph (its .json) goes through model-graph.ts on the way.
 */
function installFileFetch(): void {
  const realFetch = globalThis.fetch;
  const fileFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file:')) return realFetch(input, init);
    const file = new URL(url);
    if (rewriteGraphs && url.endsWith('.json')) {
      const model = JSON.parse(await readFile(file, 'utf8')) as GraphModelJson;
      const read = (paths: string[]) =>
        Buffer.concat(paths.map((p) => readFileSync(fileURLToPath(new URL(p, file)))));
      const body = JSON.stringify(model.modelTopology ? fuseRelu6(model, read).model : model);
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    }
    const body = await readFile(file);
    const type = url.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
    return new Response(body, { status: 200, headers: { 'content-type': type } });
  };
  globalThis.fetch = fileFetch as typeof fetch;
}

/** Loads the models once (per worker) and answers when the backend is ready. */
export async function createHuman(options: { rewriteGraphs?: boolean } = {}): Promise<HumanInstance> {
  rewriteGraphs = options.rewriteGraphs ?? true;
  installFileFetch();
  const mod = require(join(humanDir, 'dist/human.node-wasm.js')) as HumanModule;
  const human = new mod.Human(humanConfig(true));
  await human.load();
  await human.tf.ready();
  return human;
}
