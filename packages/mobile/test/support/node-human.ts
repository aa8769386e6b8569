/**
 * Human in Node for the liveness tests: the Node WASM build of the same Human version
 * the page loads, with the page's models (blazeface, facemesh, iris) and the same
 * detector settings (liveness/human-config.ts), read from the installed packages through
 * file: URLs (Node's fetch has no file: scheme). Frames go in as raw RGB.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { livenessHumanConfig } from '../../src/liveness/human-config.js';
import type { HumanFaceLike } from '../../src/liveness/observe.js';

const require = createRequire(import.meta.url);
const humanDir = dirname(dirname(require.resolve('@vladmandic/human')));
const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

interface Tensor {
  dispose(): void;
}
export interface NodeHuman {
  detect(
    input: Tensor,
    config?: Record<string, unknown>,
  ): Promise<{ face: HumanFaceLike[]; error?: string | null }>;
  load(): Promise<void>;
  tf: {
    tensor3d(values: Uint8Array, shape: [number, number, number], dtype: 'int32'): Tensor;
    ready(): Promise<void>;
  };
}

function installFileFetch(): void {
  const realFetch = globalThis.fetch;
  if ((realFetch as { fileAware?: boolean }).fileAware) return;
  const fileFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file:')) return realFetch(input, init);
    const body = await readFile(new URL(url));
    const type = url.endsWith('.wasm')
      ? 'application/wasm'
      : url.endsWith('.json')
        ? 'application/json'
        : 'application/octet-stream';
    return new Response(body, { status: 200, headers: { 'content-type': type } });
  };
  Object.assign(fileFetch, { fileAware: true });
  globalThis.fetch = fileFetch as typeof fetch;
}

let human: Promise<NodeHuman> | undefined;

/** The page's Human configuration with Node's paths. */
export function nodeHumanConfig(): Record<string, unknown> {
  return livenessHumanConfig(`${pathToFileURL(join(humanDir, 'models'))}/`, `${pathToFileURL(wasmDir)}/`);
}

/** One Human for the test file, loaded once. */
export function nodeHuman(): Promise<NodeHuman> {
  human ??= (async () => {
    installFileFetch();
    const mod = require(join(humanDir, 'dist/human.node-wasm.js')) as {
      Human: new (config: Record<string, unknown>) => NodeHuman;
    };
    const h = new mod.Human(nodeHumanConfig());
    await h.load();
    await h.tf.ready();
    return h;
  })();
  return human;
}

/** Human's faces in one raw RGB frame. */
export async function detectRgb(rgb: Uint8Array, width: number, height: number): Promise<HumanFaceLike[]> {
  const h = await nodeHuman();
  const tensor = h.tf.tensor3d(rgb, [height, width, 3], 'int32');
  try {
    const result = await h.detect(tensor);
    if (result.error) throw new Error(`Human: ${result.error}`);
    return result.face;
  } finally {
    tensor.dispose();
  }
}
