/** Back-propagation through time: the exact surrogate gradient from one forward and one adjoint pass. */
import type { GradientEstimate, Objective } from './objective.js';

export function bpGradient(obj: Objective, params: Float64Array, grad = new Float64Array(obj.nParams)): GradientEstimate {
  const loss = obj.lossAndGrad(params, grad);
  return { loss, grad };
}
