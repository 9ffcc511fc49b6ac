/** Losses and metrics. */
import { valueRange } from '../util/range.js';

/** Mean squared error over all entries, and ∂L/∂y into `gy` if given. */
export function mse(y: Float64Array, target: Float64Array, gy?: Float64Array): number {
  if (y.length !== target.length) throw new Error(`prediction has ${y.length} values, target ${target.length}`);
  const n = y.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = y[i]! - target[i]!;
    s += d * d;
    if (gy) gy[i] = (2 * d) / n;
  }
  return s / n;
}

/** Relative L2 error ‖pred − true‖₂ / ‖true‖₂ over a whole set. */
export function relativeL2(pred: Float64Array, truth: Float64Array): number {
  if (pred.length !== truth.length) throw new Error(`prediction has ${pred.length} values, truth ${truth.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < pred.length; i++) {
    const d = pred[i]! - truth[i]!;
    num += d * d;
    den += truth[i]! * truth[i]!;
  }
  return Math.sqrt(num / den);
}

/** Min–max normalisation to [0, 1], fitted on the training targets; `inverse` maps predictions back. */
export class MinMaxScaler {
  constructor(readonly min: number, readonly max: number) {
    if (!(max > min)) throw new Error(`targets are constant (min = max = ${min}); cannot normalise`);
  }

  static fit(values: Float64Array): MinMaxScaler {
    const [lo, hi] = valueRange(values);
    return new MinMaxScaler(lo, hi);
  }

  static identity(): MinMaxScaler {
    return new MinMaxScaler(0, 1);
  }

  forward(v: Float64Array): Float64Array {
    const s = 1 / (this.max - this.min);
    return v.map((x) => (x - this.min) * s);
  }

  inverse(v: Float64Array): Float64Array {
    const r = this.max - this.min;
    return v.map((x) => x * r + this.min);
  }
}
