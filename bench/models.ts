/**
 * The three paper models as the benchmark runs them, each built from the library's own classes and sized
 * like the PyTorch peer (../shared/peer/torch_peer.py), with its definition of a batch:
 *
 * - mlp:      Mexican-hat spiking MLP 2→16→16→1 (MlpRegression), σ = 0.5. Batch = points (the library's
 *             Mexican-hat training points).
 * - deeponet: spiking DeepONet for Poisson (OperatorNet + DeepONetRegression): branch 51→32→32, trunk 1→32→32,
 *             latent p = 32 (the peer's; `train poisson` defaults to 16), σ = 0.3. Batch b = functions × points:
 *             max(1, round(b / 51)) functions × 51 points (100 → 2 × 51, 1,000 → 20 × 51, 10,000 → 196 × 51);
 *             the branch runs on the functions, the trunk once on the 51 points.
 * - seponet:  spiking SepONet for diffusion-reaction (OperatorNet + SepONetRegression): branch 100→16→16,
 *             trunk_t and trunk_x 1→16→16, rank r = 16, σ = 0.5. Batch b = 1 function × the full n × n grid,
 *             n = max(2, round(√b)) (100 → 10², 1,000 → 32², 10,000 → 100²).
 *
 * All: IF neurons (θ = 1, no leak, subtract reset), T = 32, Gaussian surrogate, linear readout, U(±1/√fan_in)
 * init (b₀ = 0), MSE. As in the peer, the input functions are Σ_{k=1..4} a_k/k sin(kπx + φ_k) (a_k ~ N(0,1),
 * φ_k ~ U(0, 2π)) at the sensors (DeepONet on [−1, 1], SepONet on [0, 1]) and the targets are N(0, 1) noise:
 * only the cost is measured, and the firing rates (which the kernels' cost depends on) come from the same
 * input distribution. Differences left: spikegrad's SepONet has the output bias b₀ (the peer's has none), so
 * its layer-wise RFG carries one more (MAC-free) group; the peer's steps include an Adam update, ours stop at
 * the gradient (an update of ≤ 5k parameters is microseconds).
 */
import { MlpRegression } from '../src/networks/mlp-objective.js';
import { createMlpKernel, type KernelOptions } from '../src/networks/kernel.js';
import { initUniformFanIn } from '../src/networks/init.js';
import { deepONetConfig, DeepONetRegression, OperatorNet } from '../src/networks/deeponet.js';
import { sepONetConfig, SepONetRegression } from '../src/networks/seponet.js';
import type { Objective } from '../src/gradients/objective.js';
import { gaussian } from '../src/neurons/surrogates.js';
import { mexicanHatData } from '../src/problems/mexican-hat.js';
import { Rng } from '../src/util/rng.js';
import { mlpPassMacs, operatorPassMacs, type PassMacs } from './macs.js';

export const MODELS = ['mlp', 'deeponet', 'seponet'] as const;
export type ModelName = (typeof MODELS)[number];

export const MODEL_TITLES: Record<ModelName, string> = {
  mlp: 'Mexican-hat spiking MLP 2→16→16→1, σ = 0.5',
  deeponet: 'spiking DeepONet (Poisson): branch 51→32→32, trunk 1→32→32, p = 32, σ = 0.3',
  seponet: 'spiking SepONet (diffusion-reaction): branch 100→16→16, trunks t, x 1→16→16, r = 16, σ = 0.5',
};

const T_DEFAULT = 32;
const NEURON = { threshold: 1, leak: 1, signed: false };
const DEEPONET_POINTS = 51;
const SEPONET_SENSORS = 100;

export interface ModelSetup {
  model: ModelName;
  obj: Objective;
  params: Float64Array;
  /** What the batch is, in the peer's words ("20 functions x 51 points"). */
  shape: string;
  /** Output points per step (the peer's `points`). */
  points: number;
  macs: PassMacs;
  close(): void;
}

export function parseModels(list: string): ModelName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(MODELS as readonly string[]).includes(n)) throw new Error(`unknown model '${n}' (${MODELS.join(', ')})`);
  return names as ModelName[];
}

/** The peer's batch → (functions, points per axis). */
export function batchShape(model: ModelName, batch: number): { functions: number; points: number; shape: string; total: number } {
  if (model === 'deeponet') {
    const nf = Math.max(1, Math.round(batch / DEEPONET_POINTS));
    return { functions: nf, points: DEEPONET_POINTS, shape: `${nf} functions x ${DEEPONET_POINTS} points`, total: nf * DEEPONET_POINTS };
  }
  if (model === 'seponet') {
    const n = Math.max(2, Math.round(Math.sqrt(batch)));
    return { functions: 1, points: n, shape: `1 function x ${n}x${n} grid`, total: n * n };
  }
  return { functions: batch, points: 1, shape: `${batch} points`, total: batch };
}

/** Spiking neuron-steps of one pass of `model` at the peer's `batch` (samples × T × hidden neurons, over the sub-networks): the surrogate slopes of one rfg or bp step. */
export function neuronSteps(model: ModelName, batch: number, T = T_DEFAULT): number {
  const s = batchShape(model, batch);
  if (model === 'mlp') return batch * T * (16 + 16);
  if (model === 'deeponet') return (s.functions + DEEPONET_POINTS) * T * 32;
  return (1 + 2 * s.points) * T * 16;
}

function linspace(a: number, b: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));
}

/** nf functions Σ_{k=1..4} a_k/k sin(kπx + φ_k) at the points xs, [nf][xs.length] (the peer's smooth_functions). */
function smoothFunctions(nf: number, xs: Float64Array, rng: Rng, modes = 4): Float64Array {
  const out = new Float64Array(nf * xs.length);
  for (let f = 0; f < nf; f++) {
    for (let k = 1; k <= modes; k++) {
      const a = rng.normal() / k;
      const ph = rng.uniform() * 2 * Math.PI;
      for (let i = 0; i < xs.length; i++) out[f * xs.length + i] += a * Math.sin(k * Math.PI * xs[i]! + ph);
    }
  }
  return out;
}

function randn(n: number, rng: Rng): Float64Array {
  const a = new Float64Array(n);
  rng.fillNormal(a, 1);
  return a;
}

/** A model on one batch with the given kernel engine, ready for forward / bp / rfg steps. */
export function setupModel(model: ModelName, engine: KernelOptions, batch: number, seed = 0, T = T_DEFAULT): ModelSetup {
  const rng = new Rng(seed);
  if (model === 'mlp') {
    const kernel = createMlpKernel({ kind: 'mlp', sizes: [2, 16, 16, 1], T, neuron: { ...NEURON }, readout: 'linear' }, engine);
    const { train } = mexicanHatData(rng, { nTrain: Math.max(batch, 1), gridSize: 2, sigma: 0.8 });
    const x = train.x.subarray(0, 2 * batch);
    const y = train.y.subarray(0, batch);
    const params = initUniformFanIn(kernel.layout, rng);
    const obj = new MlpRegression(kernel, { surrogate: gaussian(0.5) }).setBatch(x, y, batch);
    return { model, obj, params, shape: `${batch} points`, points: batch, macs: mlpPassMacs({ sizes: [2, 16, 16, 1], n: batch }, T), close: () => kernel.close?.() };
  }
  const s = batchShape(model, batch);
  if (model === 'deeponet') {
    const p = 32;
    const net = new OperatorNet(deepONetConfig({ sensors: DEEPONET_POINTS, coordDim: 1, branchHidden: [32], trunkHidden: [32], latent: p, T, neuron: NEURON, localLosses: false }), engine);
    const xs = linspace(-1, 1, DEEPONET_POINTS);
    const g = smoothFunctions(s.functions, xs, rng);
    const target = randn(s.total, rng);
    const params = net.init(rng);
    const obj = new DeepONetRegression(net, { surrogate: gaussian(0.3) }).setBatch(g, s.functions, xs, DEEPONET_POINTS, target);
    const macs = operatorPassMacs([{ sizes: [DEEPONET_POINTS, 32, p], n: s.functions }, { sizes: [1, 32, p], n: DEEPONET_POINTS }], p, T);
    return { model, obj, params, shape: s.shape, points: s.total, macs, close: () => net.kernels.forEach((k) => k.close?.()) };
  }
  const r = 16;
  const net = new OperatorNet(sepONetConfig({ sensors: SEPONET_SENSORS, branchHidden: [16], trunkHidden: [16], latent: r, T, neuron: NEURON, localLosses: false }), engine);
  const f = smoothFunctions(1, linspace(0, 1, SEPONET_SENSORS), rng);
  const grid = linspace(0, 1, s.points);
  const target = randn(s.total, rng);
  const params = net.init(rng);
  const obj = new SepONetRegression(net, { surrogate: gaussian(0.5) }).setBatch(f, 1, grid, grid.slice(), target);
  const macs = operatorPassMacs(
    [
      { sizes: [SEPONET_SENSORS, 16, r], n: 1 },
      { sizes: [1, 16, r], n: s.points },
      { sizes: [1, 16, r], n: s.points },
    ],
    r,
    T,
  );
  return { model, obj, params, shape: s.shape, points: s.total, macs, close: () => net.kernels.forEach((k) => k.close?.()) };
}
