/**
 * One training run of the playground, independent of the DOM and of workers (so that Node tests can drive it):
 * builds the task and initial state from the playground's settings with the library's own generators and
 * defaults, advances the library's `train` loop in chunks, and computes the views the page draws.
 *
 * Chunks: `train` is synchronous, so a worker that called it once could not be paused. `advance` runs `train`
 * from the current state with a checkpoint hook at every step; when the caller's budget says stop, the hook keeps
 * the state and throws to leave the loop. The next `advance` resumes from that state exactly as the CLI's
 * `--resume` does (same batches, directions, Stein keys and optimiser state), so where the chunks fall does not
 * change a single bit of the parameters: a run repeats bit-identically for a seed (test/web/session.test.ts).
 *
 * Imports use `.js` extensions (NodeNext for the project's tsc; Vite maps them to the .ts sources).
 */
import { defaultConfig, type RunConfig } from '../../src/experiments/config.js';
import { MlpTask } from '../../src/experiments/mlp-task.js';
import { OPERATOR_METHODS, MLP_METHODS, parseMethod, type Method } from '../../src/experiments/methods.js';
import { OperatorTask, operatorNetConfig } from '../../src/experiments/operator-task.js';
import { streamsFor, train, type MetricsRow, type TrainState } from '../../src/experiments/train.js';
import type { Evaluation, Task } from '../../src/experiments/task.js';
import { encodeWithChecksum, layoutTensors } from '../../src/io/safetensors.js';
import { OperatorNet } from '../../src/networks/deeponet.js';
import type { KernelOptions, SpikingMlpKernel } from '../../src/networks/kernel.js';
import { makeSurrogate } from '../../src/neurons/surrogates.js';
import { mexicanHatData } from '../../src/problems/mexican-hat.js';
import { makePoissonDataset } from '../../src/problems/poisson.js';
import { VERSION } from '../../src/version.js';
import { sha256Bytes, toHex } from './sha256.js';

export type Problem = 'mexican-hat' | 'poisson';
export const PROBLEMS: readonly Problem[] = ['mexican-hat', 'poisson'];
/** The methods the playground offers: surrogate (SG, WSG) × gradient (BP, RFG-G, RFG-L). */
export const METHODS = ['SG-BP', 'WSG-BP', 'SG-RFG-G', 'SG-RFG-L', 'WSG-RFG-G', 'WSG-RFG-L'] as const;

export interface Settings {
  problem: Problem;
  method: string;
  seed: number;
  iterations: number;
  /** Points (Mexican hat) or functions (Poisson) per step. */
  batch: number;
  lr: number;
  /** RFG directions K per step (per layer with RFG-L). */
  directions: number;
  /** Time steps T. */
  T: number;
  /** Width of every hidden spiking layer (both MLP layers; the branch and trunk layers of the DeepONet). */
  width: number;
  evalEvery: number;
}

export type Tunables = Omit<Settings, 'problem' | 'method' | 'seed'>;

/** Grid of the Mexican-hat test set (and heatmaps): 50 × 50 points on [−1, 1]², corners included. */
export const MH_GRID = 50;
/** Training points of the Mexican hat (the paper's 10,000) and functions of the Poisson sets (800 / 800). */
export const MH_TRAIN = 10000;
export const POISSON_FUNCTIONS = 800;
/** Input of the spike raster on the Mexican hat: the centre of the domain. */
export const MH_RASTER_INPUT: readonly [number, number] = [0, 0];

const isRfg = (method: string) => method.includes('-RFG');

/**
 * Defaults that learn visibly within ~30 s in a browser on a laptop: smaller batches than the paper's (100 points,
 * 50 functions) and fewer iterations; RFG gets more iterations, and on Poisson a smaller rate (its estimates are
 * noisier). The architecture is the paper's. Measured in headless Chromium on two cores: Mexican hat ~2 ms per
 * step with the Gaussian surrogate (wasm kernel), ~10 ms with the Stein one; Poisson ~10 ms.
 */
export function presetFor(problem: Problem, method: string): Tunables {
  const rfg = isRfg(method);
  if (problem === 'mexican-hat') {
    return { iterations: rfg ? 3000 : 2000, batch: 100, lr: 1e-2, directions: 1, T: 32, width: 16, evalEvery: 100 };
  }
  return { iterations: rfg ? 2000 : 1000, batch: 50, lr: rfg ? 3e-3 : 1e-2, directions: 1, T: 32, width: 32, evalEvery: rfg ? 100 : 50 };
}

export function defaultSettings(problem: Problem = 'mexican-hat', method = 'SG-BP', seed = 0): Settings {
  return { problem, method, seed, ...presetFor(problem, method) };
}

/** Checks a settings object from the form; returns a message per invalid field (empty when all are valid). */
export function validateSettings(s: Settings): Record<string, string> {
  const bad: Record<string, string> = {};
  const int = (k: keyof Settings, min: number, max: number) => {
    const v = s[k] as number;
    if (!Number.isInteger(v) || v < min || v > max) bad[k] = `an integer from ${min} to ${max}`;
  };
  if (!PROBLEMS.includes(s.problem)) bad['problem'] = 'unknown problem';
  if (!(METHODS as readonly string[]).includes(s.method)) bad['method'] = 'unknown method';
  int('seed', 0, 2 ** 32 - 1);
  int('iterations', 1, 1_000_000);
  int('batch', 1, s.problem === 'mexican-hat' ? MH_TRAIN : POISSON_FUNCTIONS);
  int('directions', 1, 256);
  int('T', 1, 256);
  int('width', 1, 256);
  int('evalEvery', 1, 1_000_000);
  if (!(Number.isFinite(s.lr) && s.lr > 0 && s.lr <= 10)) bad['lr'] = 'a number in (0, 10]';
  return bad;
}

/** The library's run configuration for these settings (what the CLI would record in config.json). */
export function runConfigFor(s: Settings): RunConfig {
  const cfg = defaultConfig(s.problem, s.method, s.seed);
  const latent = cfg.model.sizes[cfg.model.sizes.length - 1]!;
  cfg.model = {
    ...cfg.model,
    T: s.T,
    sizes: s.problem === 'mexican-hat' ? [2, s.width, s.width, 1] : [cfg.model.sizes[0]!, s.width, latent],
  };
  if (cfg.operator) cfg.operator = { ...cfg.operator, trunkHidden: [s.width], dataDir: '(generated in the browser)' };
  cfg.train = {
    ...cfg.train,
    iterations: s.iterations,
    batch: s.batch,
    lr: s.lr,
    directions: s.directions,
    evalEvery: s.evalEvery,
    // Forward gradients are noisy: a slow first moment averages ~100 steps' estimates (the library's Mexican-hat
    // default; used for Poisson too, where Adam's default β1 = 0.9 diverges with RFG).
    optimizer: isRfg(s.method) ? { name: 'adam', beta1: 0.99 } : { name: 'adam' },
  };
  return cfg;
}

export interface LayerInfo {
  name: string;
  /** Offset of the layer's neurons in the raster's rows. */
  start: number;
  width: number;
}

/** The target the predictions are drawn against. */
export type Truth =
  | { kind: 'grid'; n: number; values: Float64Array; caption: string }
  | { kind: 'line'; x: Float64Array; values: Float64Array; input: Float64Array; caption: string };

export interface Views {
  iteration: number;
  /** Predictions in the truth's layout. */
  prediction: Float64Array;
  /** Spikes of the raster input, [T][N] (N = all rows of `layers`). */
  raster: Float64Array;
  T: number;
  N: number;
  layers: LayerInfo[];
  /** Mean |spikes| per neuron per step of each layer (over the test grid / the shown sample). */
  rates: Array<{ name: string; rate: number }>;
  /** Synaptic events (spikes × fan-out) of one prediction, and what a dense network with the same T would do. */
  synapticEvents: number;
  denseEvents: number;
}

export interface StepCost {
  /** What one gradient step runs, in words. */
  passes: string;
  /** Floats the gradient pass keeps per step (BP's tape, RFG's directions). */
  memoryFloats: number;
  memoryWhat: string;
}

const YIELD = Symbol('yield');

export class Session {
  readonly cfg: RunConfig;
  readonly method: Method;
  readonly task: Task;
  readonly truth: Truth;
  state: TrainState;
  finished = false;
  /** Train and test error at iteration 0 (the loop itself evaluates only after steps). */
  readonly initial: Evaluation;
  private readonly mlp: MlpTask | null;
  private readonly op: OperatorTask | null;

  /**
   * `engine` selects the Mexican-hat MLP's kernel (src/networks/kernel.ts): the TypeScript reference (default) or
   * the WebAssembly SIMD kernel, bit-identical to it in Node (call `loadWasmModules()` first in a browser). The
   * DeepONet's sub-networks always use the TypeScript kernel.
   */
  constructor(
    readonly settings: Settings,
    readonly engine: KernelOptions = { backend: 'ts' },
  ) {
    const bad = validateSettings(settings);
    const keys = Object.keys(bad);
    if (keys.length > 0) throw new Error(`invalid settings: ${keys.map((k) => `${k} must be ${bad[k]}`).join('; ')}`);
    this.cfg = runConfigFor(settings);
    this.method = parseMethod(settings.method, settings.problem === 'mexican-hat' ? MLP_METHODS : OPERATOR_METHODS);
    // The streams and the initial state are those of the library's prepareRun (src/experiments/run.ts); only the
    // data differ: the Mexican-hat test grid is 50 × 50 (the CLI's is 100 × 100; the training points, drawn
    // first from the same data stream, are identical), and the Poisson data is generated in memory instead of
    // read from the dataset cache (same generator, same data seed 0).
    const streams = streamsFor(settings.seed);
    const surrogate = makeSurrogate(this.cfg.surrogate);
    if (settings.problem === 'mexican-hat') {
      const { train: tr, test } = mexicanHatData(streams.dataRng, { nTrain: MH_TRAIN, gridSize: MH_GRID, sigma: 0.8 });
      this.mlp = new MlpTask('mexican-hat', this.cfg.model, tr, test, surrogate, this.cfg.normalize_targets, engine);
      this.op = null;
      this.task = this.mlp;
      this.truth = { kind: 'grid', n: MH_GRID, values: test.y, caption: `Mexican hat on a ${MH_GRID} × ${MH_GRID} grid over [−1, 1]²` };
    } else {
      const d = makePoissonDataset({ seed: this.cfg.operator!.dataSeed, nTrain: POISSON_FUNCTIONS, nTest: POISSON_FUNCTIONS });
      const net = new OperatorNet(operatorNetConfig(this.cfg));
      // The library's input scalings (operator-task.ts) apply here too.
      const bs = this.cfg.operator!.branchInputScale ?? 1;
      const ts = this.cfg.operator!.trunkInputScale ?? 1;
      this.op = new OperatorTask('poisson', net, surrogate, this.cfg.normalize_targets, {
        trainIn: d.trainG.map((v) => v * bs),
        trainU: d.trainU,
        testIn: d.testG.map((v) => v * bs),
        testU: d.testU,
        nTrain: d.nTrain,
        nTest: d.nTest,
        trunks: [Float64Array.from(d.x, (v) => v * ts)],
        grids: [Float64Array.from(d.x)],
      });
      this.mlp = null;
      this.task = this.op;
      const n = d.nPoints;
      this.truth = {
        kind: 'line',
        x: Float64Array.from(d.x),
        values: d.testU.slice(0, n),
        input: d.testG.slice(0, n),
        caption: 'Test function 0: solution u of −u″ = g on [−1, 1]',
      };
    }
    const params = this.task.init(streams.initRng);
    this.state = {
      iteration: 0,
      params,
      optimizer: { name: this.cfg.train.optimizer.name, step: 0, tensors: {} },
      stepRng: streams.stepRng.getState(),
      batchKey: streams.batchKey,
      seconds: 0,
    };
    this.initial = this.task.evaluate(params);
  }

  get iteration(): number {
    return this.state.iteration;
  }

  /**
   * Train from the current state until `stop()` returns true (asked after every step) or the run ends. Returns
   * the number of steps taken. Hooks see every step and every evaluation row; a thrown error (divergence) passes
   * through.
   */
  advance(
    stop: () => boolean,
    hooks: { onStep?: (iteration: number, loss: number, evaluated: boolean) => void; onEval?: (row: MetricsRow) => void } = {},
  ): number {
    if (this.finished) return 0;
    const from = this.state.iteration;
    let kept: TrainState | null = null;
    try {
      const { state } = train(this.task, this.method, this.cfg.train, this.state, {
        onStep: (p) => hooks.onStep?.(p.iteration, p.loss, p.last !== undefined),
        onEval: (row) => hooks.onEval?.(row),
        checkpointEvery: 1,
        onCheckpoint: (s) => {
          if (stop()) {
            kept = s;
            throw YIELD;
          }
        },
      });
      this.state = state;
      this.finished = true;
    } catch (e) {
      if (e !== YIELD || kept === null) throw e;
      this.state = kept;
    }
    return this.state.iteration - from;
  }

  /** First 16 hex digits of the SHA-256 of the parameters (float64, little-endian): equal runs, equal prints. */
  fingerprint(): string {
    const p = this.state.params;
    return toHex(sha256Bytes(new Uint8Array(p.buffer, p.byteOffset, p.byteLength))).slice(0, 16);
  }

  /** The model as the CLI's model.safetensors holds it (same tensors and metadata; see src/io/safetensors.ts). */
  modelFile(): Uint8Array {
    const layout = this.task.layout;
    return encodeWithChecksum(layoutTensors(layout, this.state.params), {
      format: 'pt',
      spikegrad_config: JSON.stringify({ ...this.task.modelConfig, problem: this.cfg.problem, method: this.cfg.method }),
      spikegrad_layout: JSON.stringify(layout.tensors.map((t) => [t.name, t.shape])),
      spikegrad_version: VERSION,
    });
  }

  /** A file name stem for downloads: problem-method-seed-iteration. */
  get fileStem(): string {
    return `${this.cfg.problem}-${this.cfg.method}-s${this.cfg.seed}-it${this.state.iteration}`;
  }

  /** What a gradient step costs in passes and memory (from the configuration; the time is measured by the caller). */
  stepCost(): StepCost {
    const s = this.settings;
    const P = this.task.layout.size;
    const kernels = this.kernels();
    if (this.method.gradient === 'BP') {
      // Every factor net tapes spikes and surrogate slopes: 2 × units × T × N floats.
      const units = this.mlp ? [Math.min(s.batch, this.task.nTrain)] : [Math.min(s.batch, this.task.nTrain), this.truth.kind === 'line' ? this.truth.x.length : 0];
      const floats = kernels.reduce((a, k, i) => a + 2 * units[i]! * s.T * k.N, 0);
      return { passes: 'forward pass with a tape, then the adjoint (BPTT) pass', memoryFloats: floats, memoryWhat: 'tape (spikes and surrogate slopes, batch × T × neurons)' };
    }
    const groups = this.method.perturbation === 'layer' ? (this.mlp ? this.mlp.kernel.layerRanges.length : this.op!.net.layerRanges.length) : 1;
    const M = s.directions * groups;
    return {
      passes: `one tangent (forward-mode) pass carrying ${M} tangent${M === 1 ? '' : 's'}${groups > 1 ? ` (${s.directions} per group × ${groups} layer groups)` : ''}, no tape`,
      memoryFloats: M * P,
      memoryWhat: 'random directions (tangents × parameters); no tape, independent of T',
    };
  }

  /** Release the kernel's resources (wasm memory); the session is unusable afterwards. */
  close(): void {
    this.mlp?.kernel.close?.();
  }

  /** Which kernel computes the spiking passes, in words. */
  get kernelName(): string {
    if (!this.mlp) return 'TypeScript (DeepONet sub-networks)';
    if (this.engine.backend !== 'wasm') return 'TypeScript reference';
    return this.method.surrogate === 'WSG' ? 'WebAssembly SIMD (Stein surrogate passes fall back to TypeScript)' : 'WebAssembly SIMD';
  }

  private kernels(): SpikingMlpKernel[] {
    return this.mlp ? [this.mlp.kernel] : this.op!.net.kernels;
  }

  /** Predictions, the spike raster of one input, firing rates and synaptic events at the current parameters. */
  views(): Views {
    const params = this.state.params;
    const T = this.cfg.model.T;
    const surrogate = this.task.surrogate;
    if (this.mlp) {
      const task = this.mlp;
      const k = task.kernel;
      k.setParams(params);
      const L = k.nSpiking;
      const rates = new Float64Array(L);
      const n = task.test.n;
      const prediction = task.scaler.inverse(k.forward(task.test.x, n, { surrogate }, undefined, rates));
      for (let l = 0; l < L; l++) rates[l] = rates[l]! / n;
      const tape = k.newTape(1);
      k.forward(Float64Array.from(MH_RASTER_INPUT), 1, { surrogate }, tape);
      const layers = layerInfo(k, 'hidden');
      const ev = events(k, rates);
      return {
        iteration: this.iteration,
        prediction,
        raster: tape.s.slice(0, T * k.N),
        T,
        N: k.N,
        layers,
        rates: layers.map((ly, l) => ({ name: ly.name, rate: rates[l]! })),
        synapticEvents: ev.sparse,
        denseEvents: ev.dense,
      };
    }
    const task = this.op!;
    const net = task.net;
    const nPts = this.truth.kind === 'line' ? this.truth.x.length : 0;
    const g0 = task.data.testIn.subarray(0, net.kernels[0]!.dIn);
    const prediction = task.predict(params, g0, 1); // also loads every factor's parameters
    const [branch, trunk] = [net.kernels[0]!, net.kernels[1]!];
    const rb = new Float64Array(branch.nSpiking);
    const tape = branch.newTape(1);
    branch.forward(g0, 1, { surrogate }, tape, rb);
    const rt = new Float64Array(trunk.nSpiking);
    trunk.forward(task.data.trunks[0]!, nPts, { surrogate }, undefined, rt);
    for (let l = 0; l < rt.length; l++) rt[l] = rt[l]! / nPts;
    const eb = events(branch, rb);
    const et = events(trunk, rt);
    return {
      iteration: this.iteration,
      prediction,
      raster: tape.s.slice(0, T * branch.N),
      T,
      N: branch.N,
      layers: layerInfo(branch, 'branch'),
      rates: [
        ...Array.from(rb, (rate, l) => ({ name: `branch ${l + 1}`, rate })),
        ...Array.from(rt, (rate, l) => ({ name: `trunk ${l + 1}`, rate })),
      ],
      // One prediction of u on the grid: the branch once, the trunk at every grid point.
      synapticEvents: eb.sparse + nPts * et.sparse,
      denseEvents: eb.dense + nPts * et.dense,
    };
  }
}

/** Names and row offsets of a kernel's spiking layers (its neurons are numbered layer after layer). */
function layerInfo(k: SpikingMlpKernel, prefix: string): LayerInfo[] {
  let start = 0;
  return k.width.map((width, l) => {
    const info = { name: `${prefix} ${l + 1}`, start, width };
    start += width;
    return info;
  });
}

/**
 * Synaptic events of one sample through an MLP: every spike of layer l reaches the fan-out of layer l (the next
 * spiking layer or the readout), so events = Σ_l T · rate_l · width_l · fanout_l; dense = the same with rate 1. The
 * input layer's constant current (d_in × width_1 multiply-adds, once) is the same for both and left out.
 */
function events(k: SpikingMlpKernel, rates: Float64Array): { sparse: number; dense: number } {
  const T = k.cfg.T;
  let sparse = 0;
  let dense = 0;
  for (let l = 0; l < k.nSpiking; l++) {
    const fanout = l + 1 < k.nSpiking ? k.width[l + 1]! : k.cfg.readout === 'linear' ? k.dOut : 0;
    sparse += T * rates[l]! * k.width[l]! * fanout;
    dense += T * k.width[l]! * fanout;
  }
  return { sparse, dense };
}
