/**
 * Adam (Kingma & Ba 2015) and AdaBelief (Zhuang et al. 2020, the optimiser of the paper's authors) share
 * one loop; they differ only in the second moment: E[g²] for Adam, E[(g − m)²] + ε for AdaBelief.
 *   m ← β1 m + (1 − β1) g;  s ← β2 s + (1 − β2) q (+ ε for AdaBelief)
 *   θ ← θ − lr · (m / (1 − β1ᵗ)) / (sqrt(s / (1 − β2ᵗ)) + ε)
 */
import { checkState, type Optimizer, type OptimizerState } from './optimizer.js';

class AdaptiveMoments implements Optimizer {
  private m: Float64Array;
  private s: Float64Array;
  private t = 0;

  constructor(
    readonly name: 'adam' | 'adabelief',
    n: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
    readonly weightDecay = 0,
  ) {
    this.m = new Float64Array(n);
    this.s = new Float64Array(n);
  }

  step(params: Float64Array, grad: Float64Array, lr: number): void {
    this.t++;
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    const belief = this.name === 'adabelief';
    const m = this.m;
    const s = this.s;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i]! + wd * params[i]!;
      const mi = b1 * m[i]! + (1 - b1) * g;
      m[i] = mi;
      const q = belief ? (g - mi) * (g - mi) : g * g;
      const si = b2 * s[i]! + (1 - b2) * q + (belief ? eps : 0);
      s[i] = si;
      params[i] -= (lr * (mi / c1)) / (Math.sqrt(si / c2) + eps);
    }
  }

  getState(): OptimizerState {
    return { name: this.name, step: this.t, tensors: { m: this.m.slice(), s: this.s.slice() } };
  }

  setState(st: OptimizerState): void {
    checkState(st, this.name, ['m', 's'], this.m.length);
    this.m.set(st.tensors.m!);
    this.s.set(st.tensors.s!);
    this.t = st.step;
  }
}

export class Adam extends AdaptiveMoments {
  constructor(n: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0) {
    super('adam', n, beta1, beta2, eps, weightDecay);
  }
}

export class AdaBelief extends AdaptiveMoments {
  constructor(n: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-16, weightDecay = 0) {
    super('adabelief', n, beta1, beta2, eps, weightDecay);
  }
}
