/** A training task: a model, its data, and how to evaluate it. Training loops and runners see only this. */
import type { Objective } from '../gradients/objective.js';
import type { ParamLayout } from '../networks/types.js';
import type { Surrogate } from '../neurons/surrogates.js';
import type { Rng } from '../util/rng.js';

export interface Evaluation {
  train_rel_l2: number;
  test_rel_l2: number;
}

export interface Task {
  readonly problem: string;
  readonly layout: ParamLayout;
  /** The model's configuration, saved with it. */
  readonly modelConfig: object;
  /** Number of training units that batches are drawn from (points, or functions for operator problems). */
  readonly nTrain: number;
  readonly surrogate: Surrogate;
  init(rng: Rng): Float64Array;
  /** The objective on the training units `idx` (valid until the next call). */
  batchObjective(idx: Int32Array): Objective;
  evaluate(params: Float64Array): Evaluation;
  /** Test-set predictions in the original units, for figures. */
  predictTest(params: Float64Array): Float64Array;
  /** An SVG figure of the test prediction next to the truth (and the point-wise error), if the task has one. */
  predictionFigure?(params: Float64Array, title: string): string;
}
