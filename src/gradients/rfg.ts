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
import { WasmDirections } from './wasm-vec.js';

export interface RfgOptions {
  perturbation: 'global' | 'layer';
  /** Directions K per step (per layer for 'layer'). */
  directions: number;
  distribution: DirectionDistribution;
  /** Draw and accumulate with plain TypeScript loops instead of WebAssembly (same results; for tests). */
  plain?: boolean;
}

function tryWasmDirections(): WasmDirections | null {
  try {
    return new WasmDirections();
  } catch {
    return null;
  }
}

export const RFG_DEFAULTS: RfgOptions = { perturbation: 'global', directions: 1, distribution: 'rademacher' };

export class RfgEstimator {
  private V = new Float64Array(0);
  private dirDeriv = new Float64Array(0);
  private group = new Int32Array(0);
  /** Directions and accumulation in WebAssembly (same bits), or null: plain loops. */
  private readonly fast: WasmDirections | null;

  constructor(readonly opts: RfgOptions) {
    if (!Number.isInteger(opts.directions) || opts.directions < 1) throw new Error(`directions must be an integer >= 1, got ${opts.directions}`);
    this.fast = opts.distribution === 'rademacher' && !opts.plain ? tryWasmDirections() : null;
  }

  /** Number of tangents in one pass for this objective. */
  channels(obj: Objective): number {
    return this.opts.perturbation === 'global' ? this.opts.directions : this.opts.directions * obj.layerRanges.length;
  }

  estimate(obj: Objective, params: Float64Array, rng: Rng, grad = new Float64Array(obj.nParams)): GradientEstimate {
    const P = obj.nParams;
    const K = this.opts.directions;
    const M = this.channels(obj);
    const fast = this.fast;
    if (this.dirDeriv.length !== M || this.V.length !== M * P) {
      fast?.resize(M, P);
      this.V = fast ? fast.V : new Float64Array(M * P);
      this.dirDeriv = new Float64Array(M);
      this.group = new Int32Array(M);
    }
    const V = this.V;
    const fill = (off: number, n: number) => (fast ? fast.fillRademacher(rng, off, n) : fillDirection(V.subarray(off, off + n), rng, this.opts.distribution));
    const ranges = obj.layerRanges;
    if (this.opts.perturbation === 'global') {
      this.group.fill(-1);
      fill(0, M * P);
    } else {
      V.fill(0);
      for (let g = 0; g < ranges.length; g++) {
        const [a, b] = ranges[g]!;
        for (let k = 0; k < K; k++) {
          const m = g * K + k;
          this.group[m] = g;
          fill(m * P + a, b - a);
        }
      }
    }
    const loss = obj.lossAndJvp(params, V, M, this.dirDeriv, this.group);
    const acc = fast ? fast.G : grad;
    acc.fill(0);
    for (let m = 0; m < M; m++) {
      const d = this.dirDeriv[m]! / K;
      if (d === 0) continue;
      // A layer-wise direction is zero outside its layer: those terms (±0) would leave grad unchanged, bits
      // included (grad starts at +0, and x + ±0 = x, +0 + −0 = +0).
      const g = this.group[m]!;
      const [a, b] = g >= 0 ? ranges[g]! : [0, P];
      if (fast) fast.axpy(d, m, a, b);
      else for (let i = a; i < b; i++) grad[i] += d * V[m * P + i]!;
    }
    if (fast) grad.set(acc);
    return { loss, grad };
  }
}
