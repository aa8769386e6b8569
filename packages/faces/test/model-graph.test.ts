/**
 * The ReLU6 rewrite (model-graph.ts) on Human's real FaceRes graph: every clip becomes
 * one Relu6, nothing else changes, and the descriptors it gives are the ones the
 * untouched graph gives. A clip whose bounds are not 0 and 6 is left alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { realFace } from '@kaoqin/testkit';
import { describe, expect, it } from 'vitest';
import { HUMAN_MODELS_DIR } from '../src/human-setup.js';
import { fuseRelu6, type GraphModelJson } from '../src/model-graph.js';
import { createFacePool } from '../src/pool.js';
import { faceSimilarity } from '../src/similarity.js';

const readModel = (name: string) =>
  JSON.parse(readFileSync(join(HUMAN_MODELS_DIR, name), 'utf8')) as GraphModelJson;
const readWeights = (paths: string[]) =>
  Buffer.concat(paths.map((p) => readFileSync(join(HUMAN_MODELS_DIR, p))));
const ops = (m: GraphModelJson) => m.modelTopology.node.map((n) => n.op);

describe('fuseRelu6', () => {
  it('turns each of FaceRes clip_by_value(Relu) into one Relu6 and leaves the rest', () => {
    const before = readModel('faceres.json');
    const { model, fused } = fuseRelu6(before, readWeights);
    const count = (m: GraphModelJson, op: string) => ops(m).filter((o) => o === op).length;
    expect(fused).toBe(27);
    expect(count(before, 'Minimum')).toBe(27);
    expect(count(model, 'Minimum') + count(model, 'Maximum')).toBe(0);
    expect(count(model, 'Relu6')).toBe(27);
    expect(count(model, 'Relu')).toBe(count(before, 'Relu') - 27);
    expect(model.modelTopology.node.length).toBe(before.modelTopology.node.length - 2 * 27);
    // Every input still names a node of the graph.
    const names = new Set(model.modelTopology.node.map((n) => n.name));
    for (const n of model.modelTopology.node)
      for (const i of n.input ?? []) expect(names.has(i.split(':')[0]!.replace(/^\^/, ''))).toBe(true);
    expect(model.weightsManifest).toEqual(before.weightsManifest);
  });

  it('leaves the detector and mesh graphs (no clips) as they are', () => {
    for (const name of ['blazeface.json', 'facemesh.json']) {
      const before = readModel(name);
      const { model, fused } = fuseRelu6(before, readWeights);
      expect(fused).toBe(0);
      expect(model).toBe(before);
    }
  });

  it('leaves a clip to other bounds than 0 and 6 alone', () => {
    const weights = new Float32Array([5, 0]);
    const model: GraphModelJson = {
      modelTopology: {
        node: [
          { name: 'x', op: 'Placeholder' },
          { name: 'r', op: 'Relu', input: ['x'] },
          { name: 'hi', op: 'Const' },
          { name: 'lo', op: 'Const' },
          { name: 'min', op: 'Minimum', input: ['r', 'hi'] },
          { name: 'max', op: 'Maximum', input: ['min', 'lo'] },
        ],
      },
      weightsManifest: [
        {
          paths: ['w.bin'],
          weights: [
            { name: 'hi', shape: [], dtype: 'float32' },
            { name: 'lo', shape: [], dtype: 'float32' },
          ],
        },
      ],
    };
    const bytes = new Uint8Array(weights.buffer);
    expect(fuseRelu6(model, () => bytes).fused).toBe(0);
    weights[0] = 6;
    const six = fuseRelu6(model, () => bytes);
    expect(six.fused).toBe(1);
    expect(six.model.modelTopology.node.find((n) => n.name === 'max')).toMatchObject({
      op: 'Relu6',
      input: ['x'],
    });
  });
});

describe('descriptors with the rewrite', () => {
  it('are those of the untouched graph', { timeout: 120_000 }, async () => {
    const photos = await realFace(3);
    // Human keeps its models per module, so each graph loads in its own pool's thread.
    const embeddings = async (rewriteGraphs: boolean) => {
      const pool = createFacePool({ workers: 1, queueMax: 8, rewriteGraphs });
      try {
        const out: number[][] = [];
        for (const p of photos) out.push((await pool.analyse(p, { embedding: true })).faces[0]!.embedding!);
        return out;
      } finally {
        await pool.close();
      }
    };
    const plain = await embeddings(false);
    const fused = await embeddings(true);
    for (let i = 0; i < photos.length; i++) {
      expect(fused[i]!.length).toBe(1024);
      const diff = Math.max(...fused[i]!.map((v, k) => Math.abs(v - plain[i]![k]!)));
      expect(diff).toBeLessThan(1e-4);
      expect(faceSimilarity(fused[i]!, plain[i]!)).toBeGreaterThan(0.999);
    }
    // Different people still differ: the comparison above is not between constants.
    expect(faceSimilarity(fused[0]!, fused[1]!)).toBeLessThan(0.9);
  });
});
