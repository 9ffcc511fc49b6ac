/** Stochastic gradient descent with (heavy-ball) momentum: b ← μ b + g; θ ← θ − lr b. */
import { checkState, type Optimizer, type OptimizerState } from './optimizer.js';

export class Sgd implements Optimizer {
  readonly name = 'sgd';
  private buf: Float64Array;
  private t = 0;

  constructor(n: number, readonly momentum = 0, readonly weightDecay = 0) {
    this.buf = new Float64Array(n);
  }

  step(params: Float64Array, grad: Float64Array, lr: number): void {
    this.t++;
    const mu = this.momentum;
    const wd = this.weightDecay;
    const b = this.buf;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i]! + wd * params[i]!;
      const v = mu * b[i]! + g;
      b[i] = v;
      params[i] -= lr * v;
    }
  }

  getState(): OptimizerState {
    return { name: this.name, step: this.t, tensors: { momentum: this.buf.slice() } };
  }

  setState(s: OptimizerState): void {
    checkState(s, this.name, ['momentum'], this.buf.length);
    this.buf.set(s.tensors.momentum!);
    this.t = s.step;
  }
}
