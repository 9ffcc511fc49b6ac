import { MlpKernel } from '../../src/networks/mlp.js';
import { initUniformFanIn } from '../../src/networks/init.js';
import type { MlpConfig, NeuronConfig, Readout } from '../../src/networks/types.js';
import { Rng } from '../../src/util/rng.js';

export function makeNet(sizes: number[], opts: { T?: number; neuron?: Partial<NeuronConfig>; readout?: Readout; seed?: number; scale?: number } = {}) {
  const cfg: MlpConfig = {
    kind: 'mlp',
    sizes,
    T: opts.T ?? 8,
    neuron: { threshold: 1, leak: 1, signed: false, ...opts.neuron },
    readout: opts.readout ?? 'linear',
  };
  const k = new MlpKernel(cfg);
  const rng = new Rng(opts.seed ?? 1);
  const params = initUniformFanIn(k.layout, rng);
  // Larger weights make layers fire more, so every path of the passes is exercised.
  if (opts.scale) for (let i = 0; i < params.length; i++) params[i]! *= opts.scale;
  k.setParams(params);
  return { cfg, k, params, rng };
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
