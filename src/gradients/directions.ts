/** Random perturbation directions for forward-gradient and weight-perturbation estimators. */
import type { Rng } from '../util/rng.js';

export type DirectionDistribution = 'rademacher' | 'gaussian';

/** Fill v with i.i.d. zero-mean, unit-variance entries (E[v vᵀ] = I). */
export function fillDirection(v: Float64Array, rng: Rng, dist: DirectionDistribution): void {
  if (dist === 'rademacher') rng.fillRademacher(v);
  else rng.fillNormal(v);
}
