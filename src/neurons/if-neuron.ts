/**
 * The integrate-and-fire neuron as a pure step over (input current, state, parameters), with the field's
 * names: threshold θ, leak λ (beta in snnTorch), subtract reset. The network kernels in src/networks inline
 * exactly this step in their fused time loops; the tests check them against it.
 *
 *   U_pre[t] = λ · U[t−1] + Z[t]
 *   S[t]     = H(U_pre[t] − θ)                     (H(0) = 1)
 *              signed: +1 if U_pre ≥ θ, −1 if U_pre ≤ −θ, else 0
 *   U[t]     = U_pre[t] − θ · S[t]                 (subtract reset; carries no gradient)
 *
 * Derivatives used by the tangent and adjoint passes (reset detached):
 *   ∂S/∂U_pre ≈ s'(U_pre − θ)            signed: s'(U_pre − θ) + s'(−U_pre − θ)
 *   ∂U_pre[t]/∂U_pre[t−1] = λ
 */
import type { NeuronConfig } from '../networks/types.js';

export interface IfState {
  /** Membrane potential after the reset of the previous step. */
  u: number;
}

export interface IfStepResult {
  spike: number;
  /** Membrane potential before the reset (what the surrogate is evaluated at). */
  uPre: number;
  state: IfState;
}

export function spikeOf(uPre: number, neuron: NeuronConfig): number {
  const th = neuron.threshold;
  if (uPre >= th) return 1;
  if (neuron.signed && uPre <= -th) return -1;
  return 0;
}

export function ifStep(current: number, state: IfState, neuron: NeuronConfig): IfStepResult {
  const uPre = neuron.leak * state.u + current;
  const spike = spikeOf(uPre, neuron);
  return { spike, uPre, state: { u: uPre - neuron.threshold * spike } };
}

export function validateNeuron(n: NeuronConfig): void {
  if (!(n.threshold > 0) || !Number.isFinite(n.threshold)) throw new Error(`threshold must be > 0, got ${n.threshold}`);
  if (!(n.leak >= 0 && n.leak <= 1)) throw new Error(`leak must be in [0, 1], got ${n.leak}`);
}
