/**
 * Randomized forward-mode gradient (RFG): g = (1/K) Σ_k (∇L · v_k) v_k, where ∇L · v_k comes exactly from
 * the tangent pass (forward-mode differentiation through the surrogate), with K directions carried together
 * in one batched tangent pass.
 *
 * - perturbation 'global' (RFG-G): each v_k perturbs all parameters at once.
 * - perturbation 'layer' (RFG-L): for every layer l, v_{l,k} perturbs only that layer's parameters and
 *   g_l = (1/K) Σ_k (∇_l L · v_{l,k}) v_{l,k}. All layers' tangents share the one pass.
 * E[v vᵀ] = I makes both unbiased estimates of the surrogate gradient that back-propagation computes.
 */
import type { Rng } from '../util/rng.js';
import { type DirectionDistribution, fillDirection } from './directions.js';
import type { GradientEstimate, Objective } from './objective.js';

export interface RfgOptions {
  perturbation: 'global' | 'layer';
  /** Directions K per step (per layer for 'layer'). */
  directions: number;
  distribution: DirectionDistribution;
}

export const RFG_DEFAULTS: RfgOptions = { perturbation: 'global', directions: 1, distribution: 'rademacher' };

export class RfgEstimator {
  private V = new Float64Array(0);
  private dirDeriv = new Float64Array(0);
  private group = new Int32Array(0);

  constructor(readonly opts: RfgOptions) {
    if (!Number.isInteger(opts.directions) || opts.directions < 1) throw new Error(`directions must be an integer >= 1, got ${opts.directions}`);
  }

  /** Number of tangents in one pass for this objective. */
  channels(obj: Objective): number {
    return this.opts.perturbation === 'global' ? this.opts.directions : this.opts.directions * obj.layerRanges.length;
  }

  estimate(obj: Objective, params: Float64Array, rng: Rng, grad = new Float64Array(obj.nParams)): GradientEstimate {
    const P = obj.nParams;
    const K = this.opts.directions;
    const M = this.channels(obj);
    if (this.V.length !== M * P) {
      this.V = new Float64Array(M * P);
      this.dirDeriv = new Float64Array(M);
      this.group = new Int32Array(M);
    }
    const V = this.V;
    if (this.opts.perturbation === 'global') {
      this.group.fill(-1);
      fillDirection(V, rng, this.opts.distribution);
    } else {
      V.fill(0);
      const ranges = obj.layerRanges;
      for (let g = 0; g < ranges.length; g++) {
        const [a, b] = ranges[g]!;
        for (let k = 0; k < K; k++) {
          const m = g * K + k;
          this.group[m] = g;
          fillDirection(V.subarray(m * P + a, m * P + b), rng, this.opts.distribution);
        }
      }
    }
    const loss = obj.lossAndJvp(params, V, M, this.dirDeriv, this.group);
    grad.fill(0);
    const ranges = obj.layerRanges;
    for (let m = 0; m < M; m++) {
      const d = this.dirDeriv[m]! / K;
      if (d === 0) continue;
      const off = m * P;
      // A layer-wise direction is zero outside its layer: those terms (±0) would leave grad unchanged, bits
      // included (grad starts at +0, and x + ±0 = x, +0 + −0 = +0).
      const g = this.group[m]!;
      const [a, b] = g >= 0 ? ranges[g]! : [0, P];
      for (let i = a; i < b; i++) grad[i] += d * V[off + i]!;
    }
    return { loss, grad };
  }
}
