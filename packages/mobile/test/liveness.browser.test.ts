/**
 * runLiveness in headless Chromium on the fake camera: a tiny harness page (bundled here
 * with esbuild from src/liveness, served with Human's models and the tfjs .wasm files
 * from the installed packages) opens the camera, which plays testkit's livenessVideo or
 * stillVideo, and runs the challenge with its random challenges. The liveness video
 * passes and its selfie is a 480 × 480 JPEG; the still video fails with a timeout.
 * Also measures Human's frame rate on the camera in this browser. The page's own
 * end-to-end suite (clock-in.browser.test.ts) runs the same code inside the app.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { livenessVideo, stillVideo, tempDir } from '@kaoqin/testkit';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchWithCamera } from './support/browser.js';

const skip = browserSkipReason() !== undefined;

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const MODELS = join(dirname(dirname(require.resolve('@vladmandic/human'))), 'models');
const WASM = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

/** The harness page's script: a string, so this file needs no DOM types. */
const ENTRY = `
import { runLiveness } from './index.ts';
import { faceEngine } from './human-engine.ts';
import { observeFrame } from './observe.ts';
async function camera() {
  const video = document.querySelector('video');
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  video.srcObject = stream;
  await video.play();
  return { video, stream };
}
window.__liveness = async (timeoutMs, abortAfterMs) => {
  const abort = new AbortController();
  if (abortAfterMs !== undefined) setTimeout(() => abort.abort(), abortAfterMs);
  const { video, stream } = await camera();
  const prompts = [];
  const t0 = performance.now();
  const result = await runLiveness({
    video, modelBase: '/models/', wasmBase: '/wasm/', timeoutMs, signal: abort.signal,
    onPrompt: (p) => prompts.push({ ...p, t: Math.round(performance.now() - t0) }),
  });
  const out = { ...result, prompts, ms: Math.round(performance.now() - t0) };
  if (result.passed) {
    const bitmap = await createImageBitmap(result.selfie);
    const head = new Uint8Array(await result.selfie.slice(0, 3).arrayBuffer());
    out.selfie = { type: result.selfie.type, size: result.selfie.size, width: bitmap.width, height: bitmap.height, soi: Array.from(head) };
  }
  for (const t of stream.getTracks()) t.stop();
  return out;
};
window.__fps = async (n) => {
  const { video, stream } = await camera();
  const engine = await faceEngine('/models/', '/wasm/');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    ctx.drawImage(video, 0, 0);
    await engine.detect(canvas);
  }
  const fps = (n * 1000) / (performance.now() - t0);
  for (const t of stream.getTracks()) t.stop();
  return fps;
};
window.__observe = async (ms) => {
  const { video, stream } = await camera();
  const engine = await faceEngine('/models/', '/wasm/');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const out = [];
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    ctx.drawImage(video, 0, 0);
    const t = performance.now() - t0;
    const o = observeFrame(t, await engine.detect(canvas));
    out.push({ t: Math.round(t), faces: o.faces, yaw: o.face?.yaw, eyes: o.face ? (o.face.leftEye + o.face.rightEye) / 2 : undefined });
  }
  for (const t of stream.getTracks()) t.stop();
  return out;
};
`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
};

let server: Server;
let origin: string;
let dir: { dir: string; remove(): Promise<void> };
const videos: Record<'live' | 'still', string> = { live: '', still: '' };

beforeAll(async () => {
  if (skip) return;
  dir = await tempDir('liveness-browser-');
  videos.live = join(dir.dir, 'live.y4m');
  videos.still = join(dir.dir, 'still.y4m');
  await livenessVideo(videos.live);
  await stillVideo(videos.still);
  const bundle = await build({
    stdin: { contents: ENTRY, resolveDir: join(here, '../src/liveness'), loader: 'js' },
    bundle: true,
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]?.contents ?? new Uint8Array();
  const page =
    '<!doctype html><meta charset="utf-8"><video muted playsinline></video><script type="module" src="/harness.js"></script>';
  server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    try {
      let body: Uint8Array | string;
      if (path === '/') body = page;
      else if (path === '/harness.js') body = script;
      else if (path.startsWith('/models/')) body = await readFile(join(MODELS, normalize(path.slice(8))));
      else if (path.startsWith('/wasm/')) body = await readFile(join(WASM, normalize(path.slice(6))));
      else throw new Error('not found');
      res.writeHead(200, { 'content-type': TYPES[extname(path) || '.html'] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  server?.close();
  await dir?.remove();
});

interface Seen {
  t: number;
  faces: number;
  yaw?: number;
  eyes?: number;
}

interface HarnessResult {
  passed: boolean;
  reason?: string;
  failedAt?: string;
  challenges: string[];
  prompts: { kind: string; challenge?: string; t: number }[];
  ms: number;
  selfie?: { type: string; size: number; width: number; height: number; soi: number[] };
}

async function inBrowser<T>(
  y4m: string,
  run: (page: import('playwright-core').Page) => Promise<T>,
): Promise<T> {
  const browser = await launchWithCamera(y4m);
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(origin);
    await page.waitForFunction('typeof window.__liveness === "function"');
    const out = await run(page);
    expect(errors).toEqual([]);
    return out;
  } finally {
    await browser.close();
  }
}

describe.skipIf(skip)('runLiveness in headless Chromium on the fake camera', () => {
  it('passes the liveness video with its random challenges, twice, and gives a 480 × 480 JPEG selfie', async () => {
    const results = await inBrowser(videos.live, async (page) => {
      const fps = (await page.evaluate('window.__fps(30)')) as number;
      // One loop and a half of observations: what Human in this browser reads of each pose.
      const seen = (await page.evaluate('window.__observe(10000)')) as Seen[];
      const frontal = seen.filter((o) => o.faces === 1 && Math.abs(o.yaw ?? 99) < 8);
      const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1] as number;
      const yaw0 = median(frontal.map((o) => o.yaw as number));
      const eyes0 = median(frontal.map((o) => o.eyes as number));
      const eyesMin = Math.min(...frontal.map((o) => o.eyes as number));
      const yaws = seen.filter((o) => o.faces === 1).map((o) => o.yaw as number);
      console.info(
        `[liveness browser] ${seen.length} observations in 10 s, faces always 1: ${seen.every((o) => o.faces === 1)}; ` +
          `frontal yaw ${yaw0.toFixed(1)}°, eyes ${eyes0.toFixed(3)}, closed ${eyesMin.toFixed(3)} (${(eyesMin / eyes0).toFixed(2)}); ` +
          `yaw ${Math.min(...yaws).toFixed(1)}° … ${Math.max(...yaws).toFixed(1)}°`,
      );
      expect(eyesMin / eyes0).toBeLessThan(0.65);
      expect(Math.min(...yaws) - yaw0).toBeLessThanOrEqual(-15);
      expect(Math.max(...yaws) - yaw0).toBeGreaterThanOrEqual(15);
      const runs: HarnessResult[] = [];
      for (let i = 0; i < 2; i++)
        runs.push((await page.evaluate('window.__liveness(10000)')) as HarnessResult);
      return { fps, runs };
    });
    for (const r of results.runs) {
      const steps = r.prompts.map((p) => `${p.kind === 'challenge' ? p.challenge : p.kind}@${p.t}`).join(' ');
      console.info(
        `[liveness browser] ${r.passed ? 'passed' : `failed ${r.reason}`} ${r.challenges.join(',')} in ${r.ms} ms: ${steps}`,
      );
      expect(r, JSON.stringify(r)).toMatchObject({ passed: true });
      expect(r.challenges).toHaveLength(2);
      expect(r.selfie).toMatchObject({
        type: 'image/jpeg',
        width: 480,
        height: 480,
        soi: [0xff, 0xd8, 0xff],
      });
      expect(r.prompts.map((p) => p.kind)).toEqual(['loading', 'center', 'challenge', 'challenge', 'done']);
    }
    console.info(`[liveness browser] Human on the camera: ${results.fps.toFixed(1)} frames/s`);
  }, 120_000);

  it('fails the still video: the first challenge times out; an abort ends a run at once', async () => {
    const [aborted, r] = await inBrowser(videos.still, async (page) => [
      (await page.evaluate('window.__liveness(6000, 1500)')) as HarnessResult,
      (await page.evaluate('window.__liveness(6000)')) as HarnessResult,
    ]);
    expect(aborted).toMatchObject({ passed: false, reason: 'aborted' });
    expect(aborted.ms).toBeLessThan(3000);
    console.info(`[liveness browser] still: ${r.reason} at ${r.failedAt} after ${r.ms} ms`);
    expect(r).toMatchObject({ passed: false, reason: 'timeout', failedAt: r.challenges[0] });
  }, 120_000);
});
