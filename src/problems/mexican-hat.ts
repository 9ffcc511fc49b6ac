/**
 * The 2D Mexican-hat wavelet regression of the paper (section 4):
 *   ψ(x, y) = 1/(πσ⁴) (1 − (x² + y²)/(2σ²)) exp(−(x² + y²)/(2σ²)),  σ = 0.8, on [−1, 1]².
 * 10,000 training points drawn uniformly with the seeded generator; the test set is the 100 × 100 grid
 * of equispaced points including the corners (row-major: index = i·100 + j at (x_i, y_j)).
 */
import type { Rng } from '../util/rng.js';

export function mexicanHat(x: number, y: number, sigma = 0.8): number {
  const r2 = (x * x + y * y) / (sigma * sigma);
  return (1 / (Math.PI * sigma ** 4)) * (1 - r2 / 2) * Math.exp(-r2 / 2);
}

export interface RegressionData {
  /** Inputs [n][d_in]. */
  x: Float64Array;
  /** Targets [n][d_out]. */
  y: Float64Array;
  n: number;
  dIn: number;
  dOut: number;
}

export interface MexicanHatOptions {
  nTrain: number;
  gridSize: number;
  sigma: number;
}

export const MEXICAN_HAT_DEFAULTS: MexicanHatOptions = { nTrain: 10000, gridSize: 100, sigma: 0.8 };

export function mexicanHatData(rng: Rng, o: MexicanHatOptions = MEXICAN_HAT_DEFAULTS): { train: RegressionData; test: RegressionData } {
  const tx = new Float64Array(2 * o.nTrain);
  const ty = new Float64Array(o.nTrain);
  for (let i = 0; i < o.nTrain; i++) {
    const a = rng.range(-1, 1);
    const b = rng.range(-1, 1);
    tx[2 * i] = a;
    tx[2 * i + 1] = b;
    ty[i] = mexicanHat(a, b, o.sigma);
  }
  const g = o.gridSize;
  const gx = new Float64Array(2 * g * g);
  const gy = new Float64Array(g * g);
  for (let i = 0; i < g; i++) {
    for (let j = 0; j < g; j++) {
      const a = -1 + (2 * i) / (g - 1);
      const b = -1 + (2 * j) / (g - 1);
      const k = i * g + j;
      gx[2 * k] = a;
      gx[2 * k + 1] = b;
      gy[k] = mexicanHat(a, b, o.sigma);
    }
  }
  return {
    train: { x: tx, y: ty, n: o.nTrain, dIn: 2, dOut: 1 },
    test: { x: gx, y: gy, n: g * g, dIn: 2, dOut: 1 },
  };
}
