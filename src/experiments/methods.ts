/**
 * Method names as in the paper: surrogate − gradient calculation − perturbation, e.g. SG-RFG-L.
 *   surrogate:  SG (Gaussian) | WSG (weak form, Stein)
 *   gradient:   BP (back-propagation through time) | RFG (randomized forward-mode gradient) |
 *               WP (weight perturbation: forward passes only, surrogate unused)
 *   perturbation (RFG only): G (global) | L (layer-wise)
 *   optional suffix LL: local losses (operator problems)
 */
import { UserError } from '../util/errors.js';

export type SurrogateKind = 'SG' | 'WSG';
export type GradientKind = 'BP' | 'RFG' | 'WP';

export interface Method {
  name: string;
  surrogate: SurrogateKind;
  gradient: GradientKind;
  perturbation: 'global' | 'layer' | null;
  localLosses: boolean;
}

export const MLP_METHODS = ['SG-BP', 'WSG-BP', 'SG-RFG-G', 'SG-RFG-L', 'WSG-RFG-G', 'WSG-RFG-L', 'SG-WP'] as const;

/** Operator problems: the ten rows of the paper's Table 1, and weight perturbation. */
export const OPERATOR_METHODS = [
  'SG-BP', 'WSG-BP', 'SG-BP-LL', 'WSG-BP-LL',
  'SG-RFG-G', 'WSG-RFG-G', 'SG-RFG-L', 'WSG-RFG-L', 'SG-RFG-LL', 'WSG-RFG-LL',
  'SG-WP',
] as const;

export function parseMethod(name: string, allowed: readonly string[] = MLP_METHODS): Method {
  if (!allowed.includes(name)) {
    throw new UserError(`unknown method '${name}' (expected one of ${allowed.join(', ')})`);
  }
  const parts = name.split('-');
  const localLosses = parts[parts.length - 1] === 'LL';
  if (localLosses) parts.pop();
  const surrogate = parts[0] as SurrogateKind;
  const gradient = parts[1] as GradientKind;
  const perturbation = gradient === 'RFG' ? (parts[2] === 'G' ? 'global' : 'layer') : null;
  // In Table 1, the RFG-LL rows use layer-wise perturbation of the layers and their local heads.
  return { name, surrogate, gradient, perturbation: localLosses && gradient === 'RFG' ? 'layer' : perturbation, localLosses };
}
