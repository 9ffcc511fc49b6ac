/** Regression with a spiking MLP on (x, y) pairs, targets optionally min–max normalised. */
import { createMlpKernel, type KernelOptions, type SpikingMlpKernel } from '../networks/kernel.js';
import { MlpRegression } from '../networks/mlp-objective.js';
import { initUniformFanIn } from '../networks/init.js';
import { MinMaxScaler, relativeL2 } from '../networks/loss.js';
import type { MlpConfig } from '../networks/types.js';
import type { Surrogate } from '../neurons/surrogates.js';
import type { RegressionData } from '../problems/mexican-hat.js';
import type { Rng } from '../util/rng.js';
import { compose, heatmap } from '../plots/svg.js';
import type { Evaluation, Task } from './task.js';

export class MlpTask implements Task {
  readonly kernel: SpikingMlpKernel;
  readonly scaler: MinMaxScaler;
  readonly nTrain: number;
  private readonly trainY: Float64Array;
  private readonly obj: MlpRegression;
  private xb = new Float64Array(0);
  private yb = new Float64Array(0);

  constructor(
    readonly problem: string,
    readonly cfg: MlpConfig,
    readonly train: RegressionData,
    readonly test: RegressionData,
    readonly surrogate: Surrogate,
    normalizeTargets: boolean,
    engine: KernelOptions = {},
  ) {
    this.kernel = createMlpKernel(cfg, engine);
    if (train.dIn !== this.kernel.dIn || train.dOut !== this.kernel.dOut) {
      throw new Error(`data has ${train.dIn} inputs and ${train.dOut} outputs, the network ${this.kernel.dIn} and ${this.kernel.dOut}`);
    }
    this.scaler = normalizeTargets ? MinMaxScaler.fit(train.y) : MinMaxScaler.identity();
    this.trainY = this.scaler.forward(train.y);
    this.nTrain = train.n;
    this.obj = new MlpRegression(this.kernel, { surrogate });
  }

  get layout() {
    return this.kernel.layout;
  }

  get modelConfig(): object {
    return { ...this.cfg, target_scaling: { kind: 'min-max', min: this.scaler.min, max: this.scaler.max } };
  }

  init(rng: Rng): Float64Array {
    return initUniformFanIn(this.kernel.layout, rng);
  }

  batchObjective(idx: Int32Array): MlpRegression {
    const { dIn, dOut } = this.train;
    const B = idx.length;
    if (this.xb.length !== B * dIn) {
      this.xb = new Float64Array(B * dIn);
      this.yb = new Float64Array(B * dOut);
    }
    for (let j = 0; j < B; j++) {
      const i = idx[j]!;
      for (let d = 0; d < dIn; d++) this.xb[j * dIn + d] = this.train.x[i * dIn + d]!;
      for (let d = 0; d < dOut; d++) this.yb[j * dOut + d] = this.trainY[i * dOut + d]!;
    }
    return this.obj.setBatch(this.xb, this.yb, B);
  }

  predict(params: Float64Array, data: RegressionData): Float64Array {
    this.kernel.setParams(params);
    return this.scaler.inverse(this.kernel.forward(data.x, data.n, { surrogate: this.surrogate }));
  }

  predictTest(params: Float64Array): Float64Array {
    return this.predict(params, this.test);
  }

  /** Truth, prediction and point-wise error on the test grid (2D inputs on a square grid, as the Mexican hat). */
  predictionFigure(params: Float64Array, title: string): string {
    const n = Math.round(Math.sqrt(this.test.n));
    if (this.test.dIn !== 2 || n * n !== this.test.n) throw new Error('prediction figures need a square 2D test grid');
    const pred = this.predictTest(params);
    const truth = this.test.y;
    // The grid is indexed i·n + j at (x_i, y_j); draw y up and x right: row r = j, column c = i.
    const toImage = (v: Float64Array) => {
      const img = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) img[j * n + i] = v[i * n + j]!;
      return img;
    };
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of truth) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const err = pred.map((p, i) => Math.abs(p - truth[i]!));
    const panels = [
      heatmap(toImage(truth), n, n, { title: 'ground truth', vmin: lo, vmax: hi, flipY: true, xlabel: 'x', ylabel: 'y' }),
      heatmap(toImage(pred), n, n, { title: 'prediction', vmin: lo, vmax: hi, flipY: true, xlabel: 'x', ylabel: 'y' }),
      heatmap(toImage(err), n, n, { title: `|error|, rel. L2 ${relativeL2(pred, truth).toFixed(4)}`, flipY: true, xlabel: 'x', ylabel: 'y' }),
    ];
    return compose(panels, 3, title);
  }

  evaluate(params: Float64Array): Evaluation {
    return {
      train_rel_l2: relativeL2(this.predict(params, this.train), this.train.y),
      test_rel_l2: relativeL2(this.predict(params, this.test), this.test.y),
    };
  }
}
