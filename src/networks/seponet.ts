/**
 * Spiking SepONet (paper, section 2): one branch net and one trunk net per coordinate,
 *
 *   G(f)(t, x) = Σ_q b_q(f) · tt_q(t) · tx_q(x) + b₀,
 *
 * evaluated on a tensor-product grid by outer products: trunk_t runs once on the n_t times, trunk_x once on
 * the n_x points, the branch on the batch's functions; the output [B][n_t][n_x] is the contraction
 * y[f, n, i] = Σ_q b[f, q] tt[n, q] tx[i, q] + b₀ (never a network call per grid point). The axis order
 * (functions, t, x) matches the diffusion-reaction data (u of function c at c·n_t·n_x + n·n_x + i).
 *
 * It is the K = 3 case of the low-rank product core in ./deeponet.ts, which supplies the three passes,
 * the flat parameter vector (`branch.*`, `trunk_t.*`, `trunk_x.*`, `bias0`, `heads.*`), the layer groups
 * and the local-loss heads (a hidden layer's head replaces its own factor, the other two stay).
 */
import type { PassOptions } from './mlp.js';
import { OperatorNet, OperatorRegression, type OperatorNetConfig } from './deeponet.js';
import type { MlpConfig } from './types.js';

export interface SepONetOptions {
  /** Sensors of the input function (branch input size), e.g. 100. */
  sensors: number;
  /** Hidden spiking layer widths, e.g. [16] (paper) for the branch and each trunk. */
  branchHidden: number[];
  trunkHidden: number[];
  /** Latent rank r (not published; default 16). */
  latent: number;
  T: number;
  neuron: MlpConfig['neuron'];
  localLosses: boolean;
}

export function sepONetConfig(o: SepONetOptions): OperatorNetConfig {
  const mlp = (sizes: number[]): MlpConfig => ({ kind: 'mlp', sizes, T: o.T, neuron: { ...o.neuron }, readout: 'linear' });
  return {
    kind: 'seponet',
    factors: [
      { name: 'branch', mlp: mlp([o.sensors, ...o.branchHidden, o.latent]) },
      { name: 'trunk_t', mlp: mlp([1, ...o.trunkHidden, o.latent]) },
      { name: 'trunk_x', mlp: mlp([1, ...o.trunkHidden, o.latent]) },
    ],
    latent: o.latent,
    localLosses: o.localLosses,
  };
}

/** The SepONet objective: f [B][sensors], times [n_t], points [n_x], target [B][n_t][n_x]. */
export class SepONetRegression extends OperatorRegression {
  constructor(net: OperatorNet, opts: PassOptions) {
    if (net.cfg.kind !== 'seponet' || net.nFactors !== 3) throw new Error('SepONetRegression needs a SepONet (branch, trunk_t, trunk_x)');
    super(net, opts);
  }

  setBatch(f: Float64Array, nFunctions: number, t: Float64Array, x: Float64Array, target: Float64Array): this {
    return this.setInputs([f, t, x], [nFunctions, t.length, x.length], target);
  }
}
