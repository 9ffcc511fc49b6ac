/** Parameter initialisation: U(−1/√fan_in, 1/√fan_in) for weights and biases (PyTorch's nn.Linear default). */
import type { Rng } from '../util/rng.js';
import type { ParamLayout } from './types.js';

export function initUniformFanIn(layout: ParamLayout, rng: Rng, out = new Float64Array(layout.size)): Float64Array {
  // A bias takes the fan-in of the weight before it in the layout.
  let fanIn = 1;
  for (const t of layout.tensors) {
    if (t.shape.length === 2) fanIn = t.shape[1]!;
    const bound = 1 / Math.sqrt(fanIn);
    rng.fillUniform(out.subarray(t.offset, t.offset + t.size), -bound, bound);
  }
  return out;
}
