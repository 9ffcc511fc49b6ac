/**
 * Operator-learning tasks (paper, section 4):
 * - 'poisson': spiking DeepONet, g ↦ u for −u'' = g on [−1, 1]; 800 training and 800 test functions on the
 *   51-point grid. A batch is B functions × all 51 points: the branch runs on the B functions, the trunk once
 *   on the grid.
 * - 'diffusion-reaction': spiking SepONet, f ↦ u(t, x); 100 training and 100 test functions on the 100 × 100
 *   grid. A batch is B functions × the whole grid (trunk_t on the 100 times, trunk_x on the 100 points).
 * Targets are min–max normalised on the training u; errors are the relative L2 over a whole set in the
 * original units. The data comes from the dataset cache (generated once into `dataDir`).
 *
 * The dataset is fixed by `operator.dataSeed` (default 0), not by the run seed: every run of a table sees the
 * same benchmark data, and the run seed changes only the initialisation, batches and perturbations.
 */
import { deepONetConfig, DeepONetRegression, OperatorNet, type OperatorNetConfig, OperatorRegression } from '../networks/deeponet.js';
import type { KernelOptions } from '../networks/kernel.js';
import { MinMaxScaler, relativeL2 } from '../networks/loss.js';
import { sepONetConfig, SepONetRegression } from '../networks/seponet.js';
import type { MlpConfig } from '../networks/types.js';
import { makeSurrogate, type Surrogate, type SurrogateSpec } from '../neurons/surrogates.js';
import { loadOrGenerateDiffusionReaction, loadOrGeneratePoisson } from '../problems/dataset-cache.js';
import type { Rng } from '../util/rng.js';
import { UserError } from '../util/errors.js';
import type { RunConfig } from './config.js';
import type { Method } from './methods.js';
import type { Evaluation, Task } from './task.js';
import type { TrainSettings } from './train.js';

export type OperatorProblem = 'poisson' | 'diffusion-reaction';

/** The settings of an operator run besides `model` (which holds the branch net: sizes, T, neuron). */
export interface OperatorSettings {
  net: 'deeponet' | 'seponet';
  /** Hidden spiking layer widths of each trunk net (the branch's are in model.sizes). */
  trunkHidden: number[];
  /** One projection head per hidden layer; loss = global + mean of the local losses. */
  localLosses: boolean;
  /** Where the generated datasets are cached. */
  dataDir: string;
  /** Seed of the dataset generator. */
  dataSeed: number;
}

export const DEFAULT_DATA_DIR = '.cache/data';

/** Stein samples of the weak-form surrogate (as for the MLP problems). */
const STEIN_SAMPLES = 1;

/**
 * Defaults per problem and method (see the per-method notes below; `spikegrad train poisson --method M`).
 * Architecture (paper): one hidden layer of width 32 (Poisson) / 16 (diffusion-reaction) in every sub-net,
 * T = 32, σ = 0.3 / 0.5. Latent size p = 32 / r = 16 is not published (our choice).
 */
export function operatorDefaults(problem: OperatorProblem, method: Method, seed: number): RunConfig {
  const poisson = problem === 'poisson';
  const sigma = poisson ? 0.3 : 0.5;
  const surrogate: SurrogateSpec = method.surrogate === 'SG' ? { name: 'gaussian', sigma } : { name: 'stein', sigma, samples: STEIN_SAMPLES };
  const hidden = poisson ? 32 : 16;
  const latent = poisson ? 32 : 16;
  const sensors = poisson ? 51 : 100;
  const model: MlpConfig = { kind: 'mlp', sizes: [sensors, hidden, latent], T: 32, neuron: { threshold: 1, leak: 1, signed: false }, readout: 'linear' };
  return {
    problem,
    method: method.name,
    seed,
    model,
    surrogate,
    normalize_targets: true,
    train: operatorTrainDefaults(problem, method),
    operator: { net: poisson ? 'deeponet' : 'seponet', trunkHidden: [hidden], localLosses: method.localLosses, dataDir: DEFAULT_DATA_DIR, dataSeed: 0 },
  };
}

/** Iterations, batch (functions per step) and learning rate per method, sized for the Table 1 time budget. */
export function operatorTrainDefaults(problem: OperatorProblem, method: Method): TrainSettings {
  const base: TrainSettings = {
    iterations: 2000,
    batch: problem === 'poisson' ? 50 : 10,
    lr: 1e-2,
    optimizer: { name: 'adam' },
    schedule: { name: 'cosine', finalFraction: 0.01 },
    evalEvery: 250,
    directions: 1,
    distribution: 'rademacher',
    wpEpsilon: 1e-2,
  };
  if (method.gradient === 'RFG') return { ...base, iterations: 10000, evalEvery: 1000 };
  if (method.gradient === 'WP') return { ...base, iterations: 10000, evalEvery: 1000 };
  return base;
}

/** The operator net of a run configuration. */
export function operatorNetConfig(cfg: RunConfig): OperatorNetConfig {
  const op = requireOperator(cfg);
  const s = cfg.model.sizes;
  if (cfg.model.readout !== 'linear') throw new UserError('operator nets need the linear readout');
  const common = { branchHidden: s.slice(1, -1), trunkHidden: op.trunkHidden, latent: s[s.length - 1]!, T: cfg.model.T, neuron: cfg.model.neuron, localLosses: op.localLosses };
  return op.net === 'deeponet' ? deepONetConfig({ ...common, sensors: s[0]!, coordDim: 1 }) : sepONetConfig({ ...common, sensors: s[0]! });
}

function requireOperator(cfg: RunConfig): OperatorSettings {
  if (!cfg.operator) throw new UserError(`problem '${cfg.problem}' needs the 'operator' settings in its configuration`);
  return cfg.operator;
}

/**
 * Builds the task (reads or generates the cached dataset). `dataRng` is unused: the data seed is in the config.
 * `engine` picks the sub-networks' kernel (results are bit-identical; wasm is faster).
 */
export function buildOperatorTask(cfg: RunConfig, _dataRng?: Rng, engine: KernelOptions = {}): OperatorTask {
  const op = requireOperator(cfg);
  const surrogate = makeSurrogate(cfg.surrogate);
  const net = new OperatorNet(operatorNetConfig(cfg), engine);
  if (cfg.problem === 'poisson') {
    const { dataset: d } = loadOrGeneratePoisson(op.dataDir, { seed: op.dataSeed });
    const grid = Float64Array.from(d.x);
    return new OperatorTask('poisson', net, surrogate, cfg.normalize_targets, {
      trainIn: d.trainG,
      trainU: d.trainU,
      testIn: d.testG,
      testU: d.testU,
      nTrain: d.nTrain,
      nTest: d.nTest,
      trunks: [grid],
    });
  }
  if (cfg.problem === 'diffusion-reaction') {
    const { dataset: d } = loadOrGenerateDiffusionReaction(op.dataDir, { seed: op.dataSeed });
    return new OperatorTask('diffusion-reaction', net, surrogate, cfg.normalize_targets, {
      trainIn: d.trainF,
      trainU: d.trainU,
      testIn: d.testF,
      testU: d.testU,
      nTrain: d.nTrain,
      nTest: d.nTest,
      trunks: [Float64Array.from(d.t), Float64Array.from(d.x)],
    });
  }
  throw new UserError(`'${cfg.problem}' is not an operator problem`);
}

/** Data of an operator task: branch inputs and targets per function, and the fixed trunk inputs (1-D grids). */
export interface OperatorData {
  trainIn: Float64Array;
  trainU: Float64Array;
  testIn: Float64Array;
  testU: Float64Array;
  nTrain: number;
  nTest: number;
  /** Trunk k's inputs, one coordinate per point, in the order of the target's axes after the function axis. */
  trunks: Float64Array[];
}

export class OperatorTask implements Task {
  readonly nTrain: number;
  readonly scaler: MinMaxScaler;
  readonly obj: OperatorRegression;
  private readonly trainY: Float64Array;
  private readonly sensors: number;
  /** Target values per function (the product of the grid sizes). */
  private readonly perFunction: number;
  private xb = new Float64Array(0);
  private yb = new Float64Array(0);

  constructor(
    readonly problem: string,
    readonly net: OperatorNet,
    readonly surrogate: Surrogate,
    normalizeTargets: boolean,
    readonly data: OperatorData,
  ) {
    this.sensors = net.kernels[0]!.dIn;
    if (data.trunks.length !== net.nFactors - 1) throw new Error(`the net has ${net.nFactors - 1} trunks, the data ${data.trunks.length} grids`);
    net.kernels.slice(1).forEach((k) => {
      if (k.dIn !== 1) throw new Error('trunk nets take one coordinate');
    });
    this.perFunction = data.trunks.reduce((a, t) => a * t.length, 1);
    if (data.trainIn.length !== data.nTrain * this.sensors || data.trainU.length !== data.nTrain * this.perFunction) {
      throw new Error(`data shapes do not match the network (${this.sensors} sensors, ${this.perFunction} outputs per function)`);
    }
    this.nTrain = data.nTrain;
    this.scaler = normalizeTargets ? MinMaxScaler.fit(data.trainU) : MinMaxScaler.identity();
    this.trainY = this.scaler.forward(data.trainU);
    const opts = { surrogate };
    this.obj = net.cfg.kind === 'deeponet' ? new DeepONetRegression(net, opts) : new SepONetRegression(net, opts);
  }

  get layout() {
    return this.net.layout;
  }

  get modelConfig(): object {
    return { ...this.net.cfg, target_scaling: { kind: 'min-max', min: this.scaler.min, max: this.scaler.max } };
  }

  init(rng: Rng): Float64Array {
    return this.net.init(rng);
  }

  /** The objective on the functions `idx`, each with its whole grid. */
  batchObjective(idx: Int32Array): OperatorRegression {
    const B = idx.length;
    const s = this.sensors;
    const q = this.perFunction;
    if (this.xb.length !== B * s) {
      this.xb = new Float64Array(B * s);
      this.yb = new Float64Array(B * q);
    }
    for (let j = 0; j < B; j++) {
      const i = idx[j]!;
      this.xb.set(this.data.trainIn.subarray(i * s, (i + 1) * s), j * s);
      this.yb.set(this.trainY.subarray(i * q, (i + 1) * q), j * q);
    }
    return this.obj.setInputs([this.xb, ...this.data.trunks], [B, ...this.data.trunks.map((t) => t.length)], this.yb);
  }

  /** Predictions in the original units for n functions (branch inputs `input` [n][sensors]). */
  predict(params: Float64Array, input: Float64Array, n: number): Float64Array {
    const y = this.net.predict(params, [input, ...this.data.trunks], [n, ...this.data.trunks.map((t) => t.length)], { surrogate: this.surrogate });
    return this.scaler.inverse(y);
  }

  predictTest(params: Float64Array): Float64Array {
    return this.predict(params, this.data.testIn, this.data.nTest);
  }

  evaluate(params: Float64Array): Evaluation {
    return {
      train_rel_l2: relativeL2(this.predict(params, this.data.trainIn, this.data.nTrain), this.data.trainU),
      test_rel_l2: relativeL2(this.predictTest(params), this.data.testU),
    };
  }
}
