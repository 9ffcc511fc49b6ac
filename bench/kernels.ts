/**
 * Kernel micro benchmark: ms per training step of the three paper models (bench/models.ts: the Mexican-hat
 * spiking MLP, the spiking DeepONet and the spiking SepONet, sized and batched like the PyTorch peer) for each
 * kernel backend: forward (loss only), bp (forward with tape + adjoint), rfg-g (1 global tangent), rfg-l
 * (one tangent per layer), rfg-k8 (8 global tangents), each through the library's objective and the RFG
 * estimator, as training runs them (optimiser update excluded).
 *
 *   node dist/bench/kernels.js [--models mlp,deeponet,seponet] [--batch 100,1000,10000] [--backends ts,wasm,wasm2]
 *                              [--steps forward,bp,...] [--min-ms 1000] [--stat median|min] [--json]
 *
 * Backends: ts (reference MlpKernel), wasm (1 thread), wasmN (N threads). Median (or minimum) of ≥ 5 timed
 * steps after 3 warm-up steps (the warm-up also lets V8 tier the wasm code up). Each row also carries the CPU
 * that other processes used during its timed steps (other_cpu, cores, from /proc/stat): on a machine shared
 * with other work the minimum is the steadier figure; the JSON rows carry both.
 * The functions are exported for the main benchmark (bench/bench.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { MlpConfig } from '../src/networks/types.js';
import { bpGradient } from '../src/gradients/bp.js';
import { RfgEstimator } from '../src/gradients/rfg.js';
import { Rng } from '../src/util/rng.js';
import { WasmMlpKernel } from '../src/networks/wasm-kernel.js';
import { gaussian } from '../src/neurons/surrogates.js';
import { stepMacs } from './macs.js';
import { type ModelName, type ModelSetup, parseModels, setupModel } from './models.js';

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
  setup: ModelSetup;
  steps: Record<StepName, () => void>;
  close(): void;
}

/** The five training steps of `model` (default the Mexican-hat net) on the peer's batch `batch`, with the given kernel backend. */
export function setupSteps(backendName: string, batch: number, seed = 0, model: ModelName = 'mlp'): StepSetup {
  const setup = setupModel(model, parseBackend(backendName), batch, seed);
  const { obj, params } = setup;
  const grad = new Float64Array(obj.nParams);
  const est = (perturbation: 'global' | 'layer', directions: number) => new RfgEstimator({ perturbation, directions, distribution: 'rademacher' });
  const g = est('global', 1);
  const l = est('layer', 1);
  const k8 = est('global', 8);
  const r = new Rng(seed + 1);
  return {
    setup,
    steps: {
      forward: () => void obj.loss(params),
      bp: () => void bpGradient(obj, params, grad),
      'rfg-g': () => void g.estimate(obj, params, r, grad),
      'rfg-l': () => void l.estimate(obj, params, r, grad),
      'rfg-k8': () => void k8.estimate(obj, params, r, grad),
    },
    close: () => setup.close(),
  };
}

let clkTck = 0;
/** (busy jiffies of the whole machine, jiffies of this process incl. its worker threads), or null off Linux. */
export function cpuTicks(): { machine: number; self: number } | null {
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.split(/\s+/).slice(1, 9).map(Number);
    const st = readFileSync('/proc/self/stat', 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    // busy = all − idle − iowait (steal included: time another guest took from us is time we did not get).
    return { machine: v.reduce((a, b) => a + b, 0) - v[3]! - v[4]!, self: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

function ticksPerSecond(): number {
  if (!clkTck) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** Cores used by other processes between two cpuTicks() readings `ms` apart (null if unknown). */
export function otherCpu(a: ReturnType<typeof cpuTicks>, b: ReturnType<typeof cpuTicks>, ms: number): number | null {
  if (!a || !b || ms <= 0) return null;
  return Math.max(0, (b.machine - a.machine - (b.self - a.self)) / ticksPerSecond() / (ms / 1000));
}

/** Median and minimum ms of `f` over at least `minReps` runs and `minMs` ms, after `warmup` runs. */
export function timeStep(f: () => void, minMs = 1000, minReps = 5, warmup = 3): { median: number; min: number; reps: number; otherCpu: number | null } {
  for (let i = 0; i < warmup; i++) f();
  const times: number[] = [];
  const c0 = cpuTicks();
  const t0 = performance.now();
  while (times.length < minReps || performance.now() - t0 < minMs) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
    if (times.length >= 1000) break;
  }
  const other = otherCpu(c0, cpuTicks(), performance.now() - t0);
  times.sort((a, b) => a - b);
  return { median: times[times.length >> 1]!, min: times[0]!, reps: times.length, otherCpu: other };
}

export interface BenchRow {
  model: ModelName;
  backend: string;
  batch: number;
  step: StepName;
  /** Median ms per step. */
  ms: number;
  /** Minimum ms per step. */
  min: number;
  reps: number;
  /** Cores other processes used during the timed steps (null: unknown). */
  other_cpu: number | null;
  /** The batch in the peer's terms, and its output points. */
  shape: string;
  points: number;
  /** Counted MACs of one step (bench/macs.ts). */
  macs: number;
}

export interface BenchOptions {
  models?: ModelName[];
  batches?: number[];
  backends?: string[];
  steps?: StepName[];
  minMs?: number;
  /** Whether to time backend `backend` on this cell (default: all). */
  include?: (model: ModelName, backend: string, batch: number, setup: ModelSetup) => boolean;
  onRow?: (r: BenchRow) => void;
}

export function benchKernels(opts: BenchOptions = {}): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const model of opts.models ?? (['mlp', 'deeponet', 'seponet'] as ModelName[])) {
    for (const batch of opts.batches ?? [100, 1000, 10000]) {
      for (const backend of opts.backends ?? ['ts', 'wasm', 'wasm2']) {
        const s = setupSteps(backend, batch, 0, model);
        try {
          if (opts.include && !opts.include(model, backend, batch, s.setup)) continue;
          for (const step of opts.steps ?? STEPS) {
            const t = timeStep(s.steps[step], opts.minMs ?? 1000);
            const row: BenchRow = {
              model,
              backend,
              batch,
              step,
              ms: t.median,
              min: t.min,
              reps: t.reps,
              other_cpu: t.otherCpu,
              shape: s.setup.shape,
              points: s.setup.points,
              macs: stepMacs(s.setup.macs, step),
            };
            rows.push(row);
            opts.onRow?.(row);
          }
        } finally {
          s.close();
        }
      }
    }
  }
  return rows;
}

/** Markdown table: one row per (step, backend), one column per batch (median ms, or the minimum). */
export function formatTable(rows: BenchRow[], stat: 'median' | 'min' = 'median'): string {
  const batches = [...new Set(rows.map((r) => r.batch))];
  const keys = [...new Set(rows.map((r) => `${r.model}|${r.step}|${r.backend}`))];
  const lines = [`| model | step | backend | ${batches.map((b) => `batch ${b}`).join(' | ')} |`, `|---|---|---|${batches.map(() => '---:').join('|')}|`];
  for (const key of keys) {
    const [model, step, backend] = key.split('|');
    const cells = batches.map((b) => {
      const r = rows.find((q) => q.model === model && q.batch === b && q.step === step && q.backend === backend);
      return r ? fmt(stat === 'min' ? r.min : r.ms) : '';
    });
    lines.push(`| ${model} | ${step} | ${backend} | ${cells.join(' | ')} |`);
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
  const models = parseModels(arg('models') ?? 'mlp,deeponet,seponet');
  const rows = benchKernels({
    models,
    batches,
    backends,
    steps,
    minMs: Number(arg('min-ms') ?? 1000),
    onRow: json ? undefined : (r) => process.stderr.write(`${r.model} ${r.backend} batch ${r.batch} ${r.step}: median ${fmt(r.ms)} ms, min ${fmt(r.min)} ms (${r.reps} steps)\n`),
  });
  console.log(json ? JSON.stringify(rows, null, 1) : formatTable(rows, stat));
}

/**
 * Median ms of n Gaussian surrogate slopes s'(U − θ) = a·exp(−(U − θ)²/2σ²) on the wasm kernel's slope path (the
 * one every step's slopes take: blocks of 32 values, fdlibm's exp in stages; U − θ uniform in [−3, 1], σ = 0.5):
 * what the slopes of a step cost at the least, with nothing else around them.
 */
export function slopesMs(n: number, minMs = 300): number {
  const k = new WasmMlpKernel({ kind: 'mlp', sizes: [1, 2, 1], T: 1, neuron: { threshold: 1, leak: 1, signed: false }, readout: 'linear' });
  try {
    const rng = new Rng(3);
    const pre = new Float64Array(n);
    for (let i = 0; i < n; i++) pre[i] = 1 + rng.uniform() * 4 - 3;
    const r = k.slopesRunner(pre, gaussian(0.5));
    for (let i = 0; i < 3; i++) r.run();
    const times: number[] = [];
    const t0 = performance.now();
    while (times.length < 5 || performance.now() - t0 < minMs) {
      const t = performance.now();
      r.run();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1]!;
  } finally {
    k.close();
  }
}
