/**
 * One rewrite of a TensorFlow.js graph model as it is loaded: Keras's ReLU6, exported as
 * Relu → Minimum(6) → Maximum(0) (clip_by_value), becomes one Relu6 node. The result is
 * the same numbers (relu6(x) = max(min(max(x, 0), 6), 0)), but the WASM backend runs
 * Minimum and Maximum against a scalar through its generic broadcasting loop: in Human's
 * FaceRes descriptor those 54 calls took about 46 of its 85 ms a photo on this machine's
 * cores, where one Relu6 pass costs about as little as a Relu. The model files in Human's
 * package stay untouched; only the graph handed to tfjs changes, and only where the two
 * constants are found to be 6 and 0 in the model's own weights.
 */

export interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}

export interface GraphModelJson {
  modelTopology: { node: GraphNode[] } & Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };

/**
 * The scalar constants' values, read from the weight files (`readWeights` answers one
 * manifest group's files joined, in order). Only float32 and float16 scalars are read:
 * a constant stored any other way is left unknown, so its clip is left as it is.
 */
function scalarWeights(
  model: GraphModelJson,
  wanted: ReadonlySet<string>,
  readWeights: (paths: string[]) => Uint8Array,
): Map<string, number> {
  const values = new Map<string, number>();
  for (const group of model.weightsManifest) {
    if (!group.weights.some((w) => wanted.has(w.name))) continue;
    const bytes = readWeights(group.paths);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 0;
    for (const w of group.weights) {
      const stored = w.quantization?.dtype ?? w.dtype;
      const size = (BYTES[stored] ?? Number.NaN) * w.shape.reduce((a, b) => a * b, 1);
      if (!Number.isFinite(size)) return values; // an unknown layout: stop reading
      if (wanted.has(w.name) && w.shape.length === 0 && offset + size <= bytes.byteLength) {
        if (stored === 'float32') values.set(w.name, view.getFloat32(offset, true));
        if (stored === 'float16') values.set(w.name, float16(view.getUint16(offset, true)));
      }
      offset += size;
    }
  }
  return values;
}

function float16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const producer = (input: string) => input.split(':')[0]!.replace(/^\^/, '');

/** The model with every ReLU6 clip as one Relu6 node, and how many were rewritten. */
export function fuseRelu6(
  model: GraphModelJson,
  readWeights: (paths: string[]) => Uint8Array,
): { model: GraphModelJson; fused: number } {
  const nodes = model.modelTopology.node;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const consumers = new Map<string, number>();
  for (const n of nodes)
    for (const i of n.input ?? []) consumers.set(producer(i), (consumers.get(producer(i)) ?? 0) + 1);
  const single = (n: GraphNode) => consumers.get(n.name) === 1;

  type Clip = { max: GraphNode; min: GraphNode; relu: GraphNode; six: string; zero: string };
  const clips: Clip[] = [];
  for (const max of nodes) {
    if (max.op !== 'Maximum' || max.input?.length !== 2) continue;
    const min = byName.get(producer(max.input[0]!));
    const zero = byName.get(producer(max.input[1]!));
    if (min?.op !== 'Minimum' || min.input?.length !== 2 || zero?.op !== 'Const' || !single(min)) continue;
    const relu = byName.get(producer(min.input[0]!));
    const six = byName.get(producer(min.input[1]!));
    if (relu?.op !== 'Relu' || relu.input?.length !== 1 || six?.op !== 'Const' || !single(relu)) continue;
    clips.push({ max, min, relu, six: six.name, zero: zero.name });
  }
  if (clips.length === 0) return { model, fused: 0 };

  const values = scalarWeights(model, new Set(clips.flatMap((c) => [c.six, c.zero])), readWeights);
  const dropped = new Set<string>();
  const replaced = new Map<string, GraphNode>();
  for (const c of clips) {
    if (values.get(c.six) !== 6 || values.get(c.zero) !== 0) continue;
    // The Maximum keeps its name, so whatever read the clip now reads the Relu6.
    replaced.set(c.max.name, { name: c.max.name, op: 'Relu6', input: [...c.relu.input!], attr: c.relu.attr });
    dropped.add(c.min.name);
    dropped.add(c.relu.name);
  }
  const node = nodes.filter((n) => !dropped.has(n.name)).map((n) => replaced.get(n.name) ?? n);
  return { model: { ...model, modelTopology: { ...model.modelTopology, node } }, fused: replaced.size };
}
