/**
 * Kernel micro benchmark: ms per training step of the Mexican-hat spiking MLP ([2, 16, 16, 1], T = 32, IF
 * neurons θ = 1, Gaussian surrogate σ = 0.5, U(±1/√fan_in) init, MSE) for each kernel backend:
 *   forward (loss only), bp (forward with tape + vjp), rfg-g (1 global tangent), rfg-l (one tangent per
 *   layer), rfg-k8 (8 global tangents), each through MlpRegression and the RFG estimator, as training runs them.
 *
 *   node dist/bench/kernels.js [--batch 100,1000,10000] [--backends ts,wasm,wasm2] [--steps forward,bp,...]
 *                              [--min-ms 1000] [--stat median|min] [--json]
 *
 * Backends: ts (reference MlpKernel), wasm (1 thread), wasmN (N threads). Median (or minimum) of ≥ 5 timed
 * steps after 3 warm-up steps (the warm-up also lets V8 tier the wasm code up). On a machine shared with other
 * work the minimum is the steadier figure; the JSON rows carry both.
 * The functions are exported for the main benchmark (bench/bench.ts).
 */
import { MlpRegression } from '../src/networks/mlp-objective.js';
import { createMlpKernel, type SpikingMlpKernel } from '../src/networks/kernel.js';
import { initUniformFanIn } from '../src/networks/init.js';
import type { MlpConfig } from '../src/networks/types.js';
import { gaussian } from '../src/neurons/surrogates.js';
import { bpGradient } from '../src/gradients/bp.js';
import { RfgEstimator } from '../src/gradients/rfg.js';
import { mexicanHatData } from '../src/problems/mexican-hat.js';
import { Rng } from '../src/util/rng.js';

export const MEXICAN_HAT_NET: MlpConfig = {
  kind: 'mlp',
  sizes: [2, 16, 16, 1],
  T: 32,
  neuron: { threshold: 1, leak: 1, signed: false },
  readout: 'linear',
};

export const STEPS = ['forward', 'bp', 'rfg-g', 'rfg-l', 'rfg-k8'] as const;
export type StepName = (typeof STEPS)[number];

/** 'ts' | 'wasm' | 'wasm<N>' (N threads). */
export function parseBackend(name: string): { backend: 'ts' | 'wasm'; threads: number } {
  if (name === 'ts') return { backend: 'ts', threads: 1 };
  const m = /^wasm(\d*)$/.exec(name);
  if (!m) throw new Error(`unknown backend '${name}' (ts, wasm, wasm2, …)`);
  return { backend: 'wasm', threads: m[1] ? Number(m[1]) : 1 };
}

export interface StepSetup {
  kernel: SpikingMlpKernel;
  steps: Record<StepName, () => void>;
  close(): void;
}

/** The five training steps on `batch` Mexican-hat points with the given kernel backend. */
export function setupSteps(backendName: string, batch: number, seed = 0): StepSetup {
  const kernel = createMlpKernel(MEXICAN_HAT_NET, parseBackend(backendName));
  const rng = new Rng(seed);
  const { train } = mexicanHatData(rng, { nTrain: Math.max(batch, 1), gridSize: 2, sigma: 0.8 });
  const params = initUniformFanIn(kernel.layout, rng);
  const obj = new MlpRegression(kernel, { surrogate: gaussian(0.5) });
  obj.setBatch(train.x.subarray(0, 2 * batch), train.y.subarray(0, batch), batch);
  const grad = new Float64Array(kernel.nParams);
  const est = (perturbation: 'global' | 'layer', directions: number) => new RfgEstimator({ perturbation, directions, distribution: 'rademacher' });
  const g = est('global', 1);
  const l = est('layer', 1);
  const k8 = est('global', 8);
  const r = new Rng(seed + 1);
  return {
    kernel,
    steps: {
      forward: () => void obj.loss(params),
      bp: () => void bpGradient(obj, params, grad),
      'rfg-g': () => void g.estimate(obj, params, r, grad),
      'rfg-l': () => void l.estimate(obj, params, r, grad),
      'rfg-k8': () => void k8.estimate(obj, params, r, grad),
    },
    close: () => kernel.close?.(),
  };
}

/** Median and minimum ms of `f` over at least `minReps` runs and `minMs` ms, after `warmup` runs. */
export function timeStep(f: () => void, minMs = 1000, minReps = 5, warmup = 3): { median: number; min: number; reps: number } {
  for (let i = 0; i < warmup; i++) f();
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < minReps || performance.now() - t0 < minMs) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
    if (times.length >= 1000) break;
  }
  times.sort((a, b) => a - b);
  return { median: times[times.length >> 1]!, min: times[0]!, reps: times.length };
}

export interface BenchRow {
  backend: string;
  batch: number;
  step: StepName;
  /** Median ms per step. */
  ms: number;
  /** Minimum ms per step. */
  min: number;
  reps: number;
}

export function benchKernels(opts: { batches?: number[]; backends?: string[]; steps?: StepName[]; minMs?: number; onRow?: (r: BenchRow) => void } = {}): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const batch of opts.batches ?? [100, 1000, 10000]) {
    for (const backend of opts.backends ?? ['ts', 'wasm', 'wasm2']) {
      const s = setupSteps(backend, batch);
      try {
        for (const step of opts.steps ?? STEPS) {
          const t = timeStep(s.steps[step], opts.minMs ?? 1000);
          const row = { backend, batch, step, ms: t.median, min: t.min, reps: t.reps };
          rows.push(row);
          opts.onRow?.(row);
        }
      } finally {
        s.close();
      }
    }
  }
  return rows;
}

/** Markdown table: one row per (step, backend), one column per batch (median ms, or the minimum). */
export function formatTable(rows: BenchRow[], stat: 'median' | 'min' = 'median'): string {
  const batches = [...new Set(rows.map((r) => r.batch))];
  const keys = [...new Set(rows.map((r) => `${r.step}|${r.backend}`))];
  const lines = [`| step | backend | ${batches.map((b) => `batch ${b}`).join(' | ')} |`, `|---|---|${batches.map(() => '---:').join('|')}|`];
  for (const key of keys) {
    const [step, backend] = key.split('|');
    const cells = batches.map((b) => {
      const r = rows.find((q) => q.batch === b && q.step === step && q.backend === backend);
      return r ? fmt(stat === 'min' ? r.min : r.ms) : '';
    });
    lines.push(`| ${step} | ${backend} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === new URL(process.argv[1] ?? '', 'file:').href) {
  const batches = (arg('batch') ?? '100,1000,10000').split(',').map(Number);
  const backends = (arg('backends') ?? 'ts,wasm,wasm2').split(',');
  const steps = (arg('steps') ?? STEPS.join(',')).split(',') as StepName[];
  for (const s of steps) if (!STEPS.includes(s)) throw new Error(`unknown step '${s}' (${STEPS.join(', ')})`);
  const json = process.argv.includes('--json');
  const stat = (arg('stat') ?? 'median') as 'median' | 'min';
  if (stat !== 'median' && stat !== 'min') throw new Error(`--stat must be median or min`);
  const rows = benchKernels({
    batches,
    backends,
    steps,
    minMs: Number(arg('min-ms') ?? 1000),
    onRow: json ? undefined : (r) => process.stderr.write(`${r.backend} batch ${r.batch} ${r.step}: median ${fmt(r.ms)} ms, min ${fmt(r.min)} ms (${r.reps} steps)\n`),
  });
  console.log(json ? JSON.stringify(rows, null, 1) : formatTable(rows, stat));
}
