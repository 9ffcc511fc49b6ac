/**
 * The 1D Poisson operator-learning problem of the paper (section 4): learn g ↦ u where
 *   −u''(x) = g(x) on (a, b) = (−1, 1),  u(a) = u(b) = 0,
 * g a zero-mean unit-variance Gaussian random field with the RBF kernel and length scale ℓ = 1.
 *
 * Discretisation (the authors' data file matches it to 1e-14): n equispaced points x_i = a + i·h,
 * h = (b − a)/(n − 1), and the 3-point difference
 *   (−u_{i−1} + 2u_i − u_{i+1}) / h² = g_i,  i = 1 … n−2,  u_0 = u_{n−1} = 0,
 * a symmetric positive definite tridiagonal system solved by the Thomas algorithm. Its error is
 * O(h²): for smooth u the truncation error is −h² u''''/12 + O(h⁴).
 *
 * Dataset layout: every function is sampled at the same n grid points. The branch input is g at the n
 * points, the target is u at the same points (the trunk input is the grid `x`).
 */
import { Rng } from '../util/rng.js';
import { UserError } from '../util/errors.js';
import { GaussianRandomField } from './grf.js';
import { solveTridiagonal } from './linalg.js';

/**
 * Solves −u'' = g on [a, b] with u(a) = u(b) = 0 on the n-point equispaced grid (n = g.length ≥ 3,
 * boundaries included; g's boundary values are not used). Returns u on the same grid; u[0] and u[n−1]
 * are exactly 0.
 */
export function solvePoisson1D(g: Float64Array, a: number, b: number, out?: Float64Array): Float64Array {
  const n = g.length;
  if (n < 3) throw new UserError(`solvePoisson1D needs at least 3 grid points, got ${n}`);
  if (!(b > a) || !Number.isFinite(a) || !Number.isFinite(b)) throw new UserError(`solvePoisson1D needs a < b, got [${a}, ${b}]`);
  const u = out ?? new Float64Array(n);
  if (u.length !== n) throw new RangeError(`solvePoisson1D: output length ${u.length}, expected ${n}`);
  const h = (b - a) / (n - 1);
  const m = n - 2; // interior unknowns
  const lower = new Float64Array(m).fill(-1);
  const diag = new Float64Array(m).fill(2);
  const upper = new Float64Array(m).fill(-1);
  const rhs = new Float64Array(m);
  for (let i = 0; i < m; i++) rhs[i] = h * h * g[i + 1]!;
  solveTridiagonal(lower, diag, upper, rhs, u.subarray(1, n - 1));
  u[0] = 0;
  u[n - 1] = 0;
  return u;
}

export interface PoissonDatasetOptions {
  /** Number of training functions (default 800). */
  nTrain?: number;
  /** Number of test functions (default 800). */
  nTest?: number;
  /** Grid points on [a, b], boundaries included (default 51). */
  nPoints?: number;
  /** GRF length scale ℓ (default 1). */
  lengthScale?: number;
  /** Interval (default [−1, 1]). */
  a?: number;
  b?: number;
  /** Seed of the generator (an integer). */
  seed: number;
}

export interface PoissonDataset {
  /** The grid, length nPoints: the sensor points of g and the evaluation points of u. */
  x: Float64Array;
  /** Row-major [nTrain, nPoints]: g of each training function at x. */
  trainG: Float64Array;
  /** Row-major [nTrain, nPoints]: u of each training function at x. */
  trainU: Float64Array;
  testG: Float64Array;
  testU: Float64Array;
  nTrain: number;
  nTest: number;
  nPoints: number;
}

/** The parameters with defaults filled in (what the cache records). */
export function poissonParams(opts: PoissonDatasetOptions): Required<PoissonDatasetOptions> {
  const p = {
    nTrain: opts.nTrain ?? 800,
    nTest: opts.nTest ?? 800,
    nPoints: opts.nPoints ?? 51,
    lengthScale: opts.lengthScale ?? 1,
    a: opts.a ?? -1,
    b: opts.b ?? 1,
    seed: opts.seed,
  };
  checkCount('nTrain', p.nTrain, 0);
  checkCount('nTest', p.nTest, 0);
  checkCount('nPoints', p.nPoints, 3);
  checkSeed(p.seed);
  return p;
}

/**
 * Draws nTrain + nTest GRF functions g on the grid and solves for u. The training and test sets come
 * from two generators forked from Rng(seed), the training one first, so the test set does not depend on
 * nTrain (and vice versa).
 */
export function makePoissonDataset(opts: PoissonDatasetOptions): PoissonDataset {
  const p = poissonParams(opts);
  const grf = new GaussianRandomField({ a: p.a, b: p.b, lengthScale: p.lengthScale, nGrid: p.nPoints });
  const root = new Rng(p.seed);
  const trainRng = root.fork();
  const testRng = root.fork();
  const [trainG, trainU] = drawAndSolve(grf, trainRng, p.nTrain, p.a, p.b);
  const [testG, testU] = drawAndSolve(grf, testRng, p.nTest, p.a, p.b);
  return { x: grf.grid, trainG, trainU, testG, testU, nTrain: p.nTrain, nTest: p.nTest, nPoints: p.nPoints };
}

function drawAndSolve(grf: GaussianRandomField, rng: Rng, count: number, a: number, b: number): [Float64Array, Float64Array] {
  const n = grf.nGrid;
  const g = grf.sampleMany(rng, count);
  const u = new Float64Array(count * n);
  for (let c = 0; c < count; c++) solvePoisson1D(g.subarray(c * n, (c + 1) * n), a, b, u.subarray(c * n, (c + 1) * n));
  return [g, u];
}

export function checkCount(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min || v > 1e7) throw new UserError(`${name} must be an integer ≥ ${min}, got ${v}`);
}

export function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UserError(`seed must be a non-negative integer, got ${seed}`);
}
