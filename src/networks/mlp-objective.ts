/** The regression objective of a spiking MLP on one batch: L = mean((f(θ, x) − y)²). */
import type { Objective } from '../gradients/objective.js';
import { mse } from './loss.js';
import type { SpikingMlpKernel } from './kernel.js';
import type { PassOptions } from './mlp.js';

export class MlpRegression implements Objective {
  readonly nParams: number;
  readonly layerRanges: ReadonlyArray<readonly [number, number]>;
  private x: Float64Array = new Float64Array(0);
  private y: Float64Array = new Float64Array(0);
  private batch = 0;

  constructor(readonly kernel: SpikingMlpKernel, readonly opts: PassOptions) {
    this.nParams = kernel.nParams;
    this.layerRanges = kernel.layerRanges;
  }

  /** Bind the batch the next calls evaluate on (x: [batch][d_in], y: [batch][d_out]). */
  setBatch(x: Float64Array, y: Float64Array, batch: number): this {
    if (x.length !== batch * this.kernel.dIn || y.length !== batch * this.kernel.dOut) throw new Error('batch shapes do not match the network');
    this.x = x;
    this.y = y;
    this.batch = batch;
    return this;
  }

  loss(params: Float64Array): number {
    this.kernel.setParams(params);
    return mse(this.kernel.forward(this.x, this.batch, this.opts), this.y);
  }

  lossAndGrad(params: Float64Array, grad: Float64Array): number {
    const k = this.kernel;
    k.setParams(params);
    const tape = k.newTape(this.batch);
    const pred = k.forward(this.x, this.batch, this.opts, tape);
    const gy = new Float64Array(pred.length);
    const loss = mse(pred, this.y, gy);
    grad.fill(0);
    k.vjp(this.x, tape, gy, grad, undefined, false);
    return loss;
  }

  lossAndJvp(params: Float64Array, V: Float64Array, M: number, out: Float64Array, group?: Int32Array): number {
    const k = this.kernel;
    k.setParams(params);
    const { y: pred, dy } = k.jvp(this.x, this.batch, V, M, this.opts, undefined, group ? firstLayers(group) : undefined);
    const gy = new Float64Array(pred.length);
    const loss = mse(pred, this.y, gy);
    const n = pred.length;
    for (let m = 0; m < M; m++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += gy[i]! * dy[m * n + i]!;
      out[m] = s;
    }
    return loss;
  }
}

/** For the MLP, layer g of layerRanges is kernel layer g (spiking layers, then the readout); −1 → 0. */
function firstLayers(group: Int32Array): Int32Array {
  return group.map((g) => (g < 0 ? 0 : g));
}
