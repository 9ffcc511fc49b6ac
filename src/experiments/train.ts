/**
 * The training loop, common to every problem and method.
 *
 * Random streams (all from the one seed, so that a run is bit-identical on every machine):
 *   root = Rng(seed) → data = root.fork(), init = root.fork(), batchKey = root.nextU32(), step = root.fork().
 * Batches: epoch e visits the training units in the order of a permutation drawn from Rng(batchKey ⊕ e), so a
 * run resumed at iteration i draws exactly the batches an uninterrupted run would. The step stream draws the
 * perturbation directions and the Stein keys; its state is part of a checkpoint.
 */
import { bpGradient } from '../gradients/bp.js';
import type { GradientEstimate } from '../gradients/objective.js';
import { RfgEstimator } from '../gradients/rfg.js';
import type { DirectionDistribution } from '../gradients/directions.js';
import { WeightPerturbationEstimator } from '../gradients/weight-perturbation.js';
import { makeOptimizer, type Optimizer, type OptimizerOptions, type OptimizerState } from '../optim/index.js';
import { learningRate, type ScheduleOptions } from '../optim/schedules.js';
import { mix32, Rng, type RngState } from '../util/rng.js';
import type { Method } from './methods.js';
import type { Evaluation, Task } from './task.js';

export interface TrainSettings {
  iterations: number;
  batch: number;
  lr: number;
  optimizer: OptimizerOptions;
  schedule: ScheduleOptions;
  /** Evaluate train and test error every this many iterations (and at the end). */
  evalEvery: number;
  /** Directions per step for RFG (per layer with layer-wise perturbation) and weight perturbation. */
  directions: number;
  distribution: DirectionDistribution;
  /** Weight-perturbation step ε. */
  wpEpsilon: number;
}

export interface MetricsRow extends Evaluation {
  iteration: number;
  /** Mean training loss (normalised targets) over the iterations since the previous row. */
  loss: number;
  lr: number;
  seconds: number;
}

export interface TrainProgress {
  iteration: number;
  loss: number;
  last?: MetricsRow;
}

/** Everything needed to continue a run exactly where it stopped. */
export interface TrainState {
  iteration: number;
  params: Float64Array;
  optimizer: OptimizerState;
  stepRng: { s: RngState; spare: number | null };
  batchKey: number;
  seconds: number;
}

export interface TrainHooks {
  onStep?: (p: TrainProgress) => void;
  onEval?: (row: MetricsRow) => void;
  /** Called every `checkpointEvery` iterations with the state to save. */
  onCheckpoint?: (s: TrainState) => void;
  checkpointEvery?: number;
}

export interface Streams {
  dataRng: Rng;
  initRng: Rng;
  batchKey: number;
  stepRng: Rng;
}

export function streamsFor(seed: number): Streams {
  const root = new Rng(seed);
  const dataRng = root.fork();
  const initRng = root.fork();
  const batchKey = root.nextU32();
  const stepRng = root.fork();
  return { dataRng, initRng, batchKey, stepRng };
}

export class DivergedError extends Error {}

export function makeEstimator(method: Method, s: TrainSettings) {
  if (method.gradient === 'BP') return null;
  if (method.gradient === 'RFG') {
    return new RfgEstimator({ perturbation: method.perturbation ?? 'global', directions: s.directions, distribution: s.distribution });
  }
  return new WeightPerturbationEstimator({ directions: s.directions, epsilon: s.wpEpsilon, distribution: s.distribution });
}

/** Batch indices for iteration `it`: consecutive slices of per-epoch permutations. */
export class BatchSampler {
  private perm: Int32Array;
  private epoch = -1;

  constructor(readonly n: number, readonly batch: number, readonly key: number) {
    this.perm = new Int32Array(n);
  }

  indices(it: number, out: Int32Array): Int32Array {
    const B = out.length;
    for (let j = 0; j < B; j++) {
      const g = it * B + j; // global position in the stream of samples
      const e = Math.floor(g / this.n);
      if (e !== this.epoch) this.permute(e);
      out[j] = this.perm[g - e * this.n]!;
    }
    return out;
  }

  private permute(e: number): void {
    for (let i = 0; i < this.n; i++) this.perm[i] = i;
    new Rng(mix32((this.key ^ mix32(e)) >>> 0)).shuffle(this.perm);
    this.epoch = e;
  }
}

export function train(
  task: Task,
  method: Method,
  s: TrainSettings,
  start: TrainState,
  hooks: TrainHooks = {},
): { state: TrainState; metrics: MetricsRow[] } {
  const params = start.params;
  const opt: Optimizer = makeOptimizer(params.length, s.optimizer);
  if (start.iteration > 0) opt.setState(start.optimizer);
  const stepRng = Rng.fromState(start.stepRng);
  const estimator = makeEstimator(method, s);
  const batch = Math.min(s.batch, task.nTrain);
  const sampler = new BatchSampler(task.nTrain, batch, start.batchKey);
  const idx = new Int32Array(batch);
  const grad = new Float64Array(params.length);
  const metrics: MetricsRow[] = [];
  const t0 = performance.now() - start.seconds * 1000;
  let lossSum = 0;
  let lossCount = 0;
  const stateAt = (iteration: number): TrainState => ({
    iteration,
    params,
    optimizer: opt.getState(),
    stepRng: stepRng.getState(),
    batchKey: start.batchKey,
    seconds: (performance.now() - t0) / 1000,
  });
  for (let it = start.iteration; it < s.iterations; it++) {
    const obj = task.batchObjective(sampler.indices(it, idx));
    if (task.surrogate.stochastic) task.surrogate.setKey(stepRng.nextU32());
    let est: GradientEstimate;
    if (estimator === null) est = bpGradient(obj, params, grad);
    else est = estimator.estimate(obj, params, stepRng, grad);
    if (!Number.isFinite(est.loss)) throw new DivergedError(`training diverged at iteration ${it} (loss ${est.loss}); try a smaller --lr`);
    const lr = learningRate(s.lr, it, s.iterations, s.schedule);
    opt.step(params, est.grad, lr);
    lossSum += est.loss;
    lossCount++;
    const done = it + 1;
    let row: MetricsRow | undefined;
    if (done % s.evalEvery === 0 || done === s.iterations) {
      const ev = task.evaluate(params);
      row = { iteration: done, loss: lossSum / lossCount, lr, ...ev, seconds: (performance.now() - t0) / 1000 };
      lossSum = 0;
      lossCount = 0;
      metrics.push(row);
      hooks.onEval?.(row);
    }
    hooks.onStep?.({ iteration: done, loss: est.loss, ...(row ? { last: row } : {}) });
    if (hooks.onCheckpoint && hooks.checkpointEvery && done % hooks.checkpointEvery === 0 && done < s.iterations) {
      hooks.onCheckpoint(stateAt(done));
    }
  }
  return { state: stateAt(s.iterations), metrics };
}
