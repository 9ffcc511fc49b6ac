import { AdaBelief, Adam } from './adam.js';
import type { Optimizer, OptimizerOptions } from './optimizer.js';
import { Sgd } from './sgd.js';

export function makeOptimizer(n: number, o: OptimizerOptions): Optimizer {
  switch (o.name) {
    case 'sgd':
      return new Sgd(n, o.momentum ?? 0.9, o.weightDecay ?? 0);
    case 'adam':
      return new Adam(n, o.beta1, o.beta2, o.eps, o.weightDecay);
    case 'adabelief':
      return new AdaBelief(n, o.beta1, o.beta2, o.eps, o.weightDecay);
    default:
      throw new Error(`unknown optimiser '${(o as OptimizerOptions).name}'`);
  }
}
export * from './optimizer.js';
export * from './schedules.js';
export { Adam, AdaBelief, Sgd };
