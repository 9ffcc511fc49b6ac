/**
 * Weight perturbation: g = (1/K) Σ_k [(L(θ + εv_k) − L(θ − εv_k)) / (2ε)] v_k, from forward passes alone.
 * No surrogate and no automatic differentiation: the spikes stay the true Heaviside step, which is what a
 * neuromorphic chip running the network could measure. ε must be large enough that the perturbation moves
 * some spikes (the loss of a spiking network is piecewise constant in most weights).
 */
import type { Rng } from '../util/rng.js';
import { type DirectionDistribution, fillDirection } from './directions.js';
import type { GradientEstimate, Objective } from './objective.js';

export interface WeightPerturbationOptions {
  directions: number;
  epsilon: number;
  distribution: DirectionDistribution;
}

export const WP_DEFAULTS: WeightPerturbationOptions = { directions: 1, epsilon: 1e-2, distribution: 'rademacher' };

export class WeightPerturbationEstimator {
  private v = new Float64Array(0);
  private probe = new Float64Array(0);

  constructor(readonly opts: WeightPerturbationOptions) {
    if (!Number.isInteger(opts.directions) || opts.directions < 1) throw new Error(`directions must be an integer >= 1, got ${opts.directions}`);
    if (!(opts.epsilon > 0)) throw new Error(`epsilon must be > 0, got ${opts.epsilon}`);
  }

  estimate(obj: Objective, params: Float64Array, rng: Rng, grad = new Float64Array(obj.nParams)): GradientEstimate {
    const P = obj.nParams;
    if (this.v.length !== P) {
      this.v = new Float64Array(P);
      this.probe = new Float64Array(P);
    }
    const { directions: K, epsilon: eps } = this.opts;
    const v = this.v;
    const probe = this.probe;
    grad.fill(0);
    for (let k = 0; k < K; k++) {
      fillDirection(v, rng, this.opts.distribution);
      for (let i = 0; i < P; i++) probe[i] = params[i]! + eps * v[i]!;
      const lp = obj.loss(probe);
      for (let i = 0; i < P; i++) probe[i] = params[i]! - eps * v[i]!;
      const lm = obj.loss(probe);
      const d = (lp - lm) / (2 * eps * K);
      for (let i = 0; i < P; i++) grad[i] += d * v[i]!;
    }
    const loss = obj.loss(params);
    return { loss, grad };
  }
}
