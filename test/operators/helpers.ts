/** Small DeepONet / SepONet instances with a random batch, for the operator tests. */
import { deepONetConfig, DeepONetRegression, OperatorNet, type OperatorRegression } from '../../src/networks/deeponet.js';
import type { PassOptions } from '../../src/networks/mlp.js';
import { sepONetConfig, SepONetRegression } from '../../src/networks/seponet.js';
import { Rng } from '../../src/util/rng.js';

export interface OpCase {
  kind: 'deeponet' | 'seponet';
  localLosses: boolean;
}

export interface OpInstance {
  net: OperatorNet;
  params: Float64Array;
  obj: OperatorRegression;
  inputs: Float64Array[];
  counts: number[];
  target: Float64Array;
  rng: Rng;
}

const NEURON = { threshold: 1, leak: 1, signed: false };

/**
 * DeepONet: 4 functions × 5 sensors, 6 points; SepONet: 3 functions × 5 sensors on a 4 (t) × 5 (x) grid.
 * `scale` enlarges the weights so that neurons fire and every path of the passes is exercised.
 */
export function makeOp(c: OpCase, opts: PassOptions, o: { T?: number; seed?: number; scale?: number; hidden?: number[]; latent?: number } = {}): OpInstance {
  const T = o.T ?? 8;
  const hidden = o.hidden ?? [6];
  const latent = o.latent ?? 4;
  const rng = new Rng(o.seed ?? 11);
  const sensors = 5;
  let net: OperatorNet;
  let inputs: Float64Array[];
  let counts: number[];
  if (c.kind === 'deeponet') {
    net = new OperatorNet(deepONetConfig({ sensors, coordDim: 1, branchHidden: hidden, trunkHidden: hidden, latent, T, neuron: NEURON, localLosses: c.localLosses }));
    counts = [4, 6];
    inputs = [randn(4 * sensors, rng), linspace(-1, 1, 6)];
  } else {
    net = new OperatorNet(sepONetConfig({ sensors, branchHidden: hidden, trunkHidden: hidden, latent, T, neuron: NEURON, localLosses: c.localLosses }));
    counts = [3, 4, 5];
    inputs = [randn(3 * sensors, rng), linspace(0, 1, 4), linspace(0, 1, 5)];
  }
  const params = net.init(rng);
  const scale = o.scale ?? 2.5;
  for (let i = 0; i < params.length; i++) params[i]! *= scale;
  params[net.b0Off] = 0.1;
  const target = randn(counts.reduce((a, b) => a * b, 1), rng, 0.5);
  const obj: OperatorRegression =
    c.kind === 'deeponet'
      ? new DeepONetRegression(net, opts).setBatch(inputs[0]!, counts[0]!, inputs[1]!, counts[1]!, target)
      : new SepONetRegression(net, opts).setBatch(inputs[0]!, counts[0]!, inputs[1]!, inputs[2]!, target);
  return { net, params, obj, inputs, counts, target, rng };
}

export function linspace(a: number, b: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

export function randn(n: number, rng: Rng, scale = 1): Float64Array {
  const a = new Float64Array(n);
  rng.fillNormal(a, scale);
  return a;
}

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function cosine(a: Float64Array, b: Float64Array): number {
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
}

export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

export const CASES: OpCase[] = [
  { kind: 'deeponet', localLosses: false },
  { kind: 'deeponet', localLosses: true },
  { kind: 'seponet', localLosses: false },
  { kind: 'seponet', localLosses: true },
];
