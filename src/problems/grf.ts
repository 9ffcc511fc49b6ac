/**
 * Gaussian random fields on an interval [a, b]: zero mean, covariance k(x, x') = exp(−|x − x'|²/(2ℓ²))
 * (the RBF kernel, variance 1, length scale ℓ), as the input functions of the operator-learning problems.
 *
 * Sampling. On a grid x₀ … x_{n−1} the field values form a Gaussian vector with covariance matrix
 * K_ij = k(x_i, x_j). We factorise K = V Λ Vᵀ (symmetric eigendecomposition; the discrete Karhunen–Loève
 * expansion) and draw  s = Σ_j √λ_j z_j v_j  with z_j ~ N(0, 1) independent, so Cov(s) = V Λ Vᵀ = K.
 *
 * Why not Cholesky: for ℓ comparable to the interval (ℓ = 1 on [−1, 1]) the eigenvalues of K decay
 * like a Gaussian, and all but the first ~15 are below machine precision·‖K‖. K is then numerically
 * singular (rounding even makes some computed eigenvalues negative) and plain Cholesky fails; adding
 * jitter (deepxde adds 1e-13·I) distorts the covariance. Here eigenvalues below `relTol`·λ_max are
 * treated as zero: they are rounding noise (Jacobi computes them to an absolute accuracy of about
 * 1e-15·‖K‖), and the variance they would add is at most n·relTol·λ_max in total. Negative computed
 * eigenvalues are clipped to 0 in the same step. Only the r retained modes are stored, and each sample
 * costs r standard normals and n·r multiply-adds.
 *
 * Grid choice. The field is sampled directly on the grid where it is needed (the 51 Poisson points, the
 * 100 diffusion-reaction points), so no interpolation error enters the data. To evaluate at other
 * points, sample on a finer grid and use `interpolateLinear` (deepxde's approach: a fine grid, then
 * interpolation to the sensors); linear interpolation of a smooth field costs O(h²·max|s''|).
 *
 * Determinism: the kernel matrix, the Jacobi iteration and the sorting are deterministic, and every
 * random draw comes from the given `Rng`, in mode order, so one seed gives the same samples bit for bit.
 */
import type { Rng } from '../util/rng.js';
import { UserError } from '../util/errors.js';
import { symmetricEigen } from './linalg.js';

export interface GaussianRandomFieldOptions {
  /** Left end of the interval. */
  a: number;
  /** Right end of the interval (> a). */
  b: number;
  /** Kernel length scale ℓ > 0. */
  lengthScale: number;
  /** Number of equispaced grid points, endpoints included (2 … 500; the Jacobi factorisation is O(n³): about 2 s at n = 400). */
  nGrid: number;
  /** Eigenvalues below relTol·λ_max are dropped. Default 1e-12. */
  relTol?: number;
}

export const MAX_GRF_GRID = 500;

export class GaussianRandomField {
  readonly a: number;
  readonly b: number;
  readonly lengthScale: number;
  /** The sampling grid: nGrid equispaced points from a to b (both included). */
  readonly grid: Float64Array;
  /** All eigenvalues of the kernel matrix on the grid, descending, negatives clipped to 0. */
  readonly eigenvalues: Float64Array;
  /** Number of retained Karhunen–Loève modes (and of normals drawn per sample). */
  readonly rank: number;
  /** Fraction of the total variance (trace of K) carried by the dropped modes. */
  readonly droppedVarianceFraction: number;
  /** n×rank, row-major: column j is √λ_j v_j. A sample is modes·z. */
  private readonly modes: Float64Array;

  constructor(opts: GaussianRandomFieldOptions) {
    const { a, b, lengthScale, nGrid } = opts;
    const relTol = opts.relTol ?? 1e-12;
    if (!Number.isFinite(a) || !Number.isFinite(b) || !(b > a)) throw new UserError(`GRF interval must satisfy a < b, got [${a}, ${b}]`);
    if (!(lengthScale > 0) || !Number.isFinite(lengthScale)) throw new UserError(`GRF length scale must be a positive number, got ${lengthScale}`);
    if (!Number.isInteger(nGrid) || nGrid < 2 || nGrid > MAX_GRF_GRID) {
      throw new UserError(`GRF grid size must be an integer in [2, ${MAX_GRF_GRID}], got ${nGrid}`);
    }
    if (!(relTol >= 0 && relTol < 1)) throw new UserError(`GRF relTol must be in [0, 1), got ${relTol}`);
    this.a = a;
    this.b = b;
    this.lengthScale = lengthScale;
    this.grid = linspace(a, b, nGrid);

    const n = nGrid;
    const k = rbfKernelMatrix(this.grid, lengthScale);
    const { values, vectors } = symmetricEigen(k, n);
    const lambdaMax = Math.max(values[0]!, 0);
    const cutoff = relTol * lambdaMax;
    let rank = 0;
    while (rank < n && values[rank]! > cutoff) rank++;
    let dropped = 0;
    const eig = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      eig[j] = Math.max(values[j]!, 0);
      if (j >= rank) dropped += eig[j]!;
    }
    this.eigenvalues = eig;
    this.rank = rank;
    this.droppedVarianceFraction = dropped / n; // trace(K) = n (unit variance)
    this.modes = new Float64Array(n * rank);
    for (let j = 0; j < rank; j++) {
      const sq = Math.sqrt(eig[j]!);
      for (let i = 0; i < n; i++) this.modes[i * rank + j] = sq * vectors[i * n + j]!;
    }
  }

  get nGrid(): number {
    return this.grid.length;
  }

  /** One sample of the field on `grid` (draws `rank` normals from rng). */
  sample(rng: Rng, out?: Float64Array): Float64Array {
    const n = this.grid.length;
    const r = this.rank;
    const s = out ?? new Float64Array(n);
    if (s.length !== n) throw new RangeError(`GRF sample: output length ${s.length}, expected ${n}`);
    const z = new Float64Array(r);
    rng.fillNormal(z);
    for (let i = 0; i < n; i++) {
      let v = 0;
      const row = i * r;
      for (let j = 0; j < r; j++) v += this.modes[row + j]! * z[j]!;
      s[i] = v;
    }
    return s;
  }

  /** `count` samples, row-major [count, nGrid]. */
  sampleMany(rng: Rng, count: number): Float64Array {
    const n = this.grid.length;
    const out = new Float64Array(count * n);
    for (let c = 0; c < count; c++) this.sample(rng, out.subarray(c * n, (c + 1) * n));
    return out;
  }

  /** The covariance the samples actually have, Σ_{j<rank} λ_j v_j v_jᵀ (n×n), to compare with the kernel. */
  impliedCovariance(): Float64Array {
    const n = this.grid.length;
    const r = this.rank;
    const c = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        let s = 0;
        for (let j = 0; j < r; j++) s += this.modes[i * r + j]! * this.modes[k * r + j]!;
        c[i * n + k] = s;
      }
    }
    return c;
  }

  /** One sample evaluated at arbitrary points in [a, b] by linear interpolation from the grid. */
  sampleAt(rng: Rng, points: Float64Array): Float64Array {
    return interpolateLinear(this.grid, this.sample(rng), points);
  }
}

/** The kernel value exp(−(x − y)²/(2ℓ²)). */
export function rbfKernel(x: number, y: number, lengthScale: number): number {
  const d = x - y;
  return Math.exp(-(d * d) / (2 * lengthScale * lengthScale));
}

/** K_ij = exp(−(x_i − x_j)²/(2ℓ²)), n×n row-major. */
export function rbfKernelMatrix(x: Float64Array, lengthScale: number): Float64Array {
  const n = x.length;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    k[i * n + i] = 1;
    for (let j = i + 1; j < n; j++) {
      const v = rbfKernel(x[i]!, x[j]!, lengthScale);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  }
  return k;
}

/** n equispaced points from a to b, both included; the last point is exactly b. */
export function linspace(a: number, b: number, n: number): Float64Array {
  const x = new Float64Array(n);
  if (n === 1) {
    x[0] = a;
    return x;
  }
  const h = (b - a) / (n - 1);
  for (let i = 0; i < n; i++) x[i] = a + i * h;
  x[n - 1] = b;
  return x;
}

/**
 * Piecewise-linear interpolation of (xs, ys) at the query points; xs strictly increasing. Queries
 * outside [xs₀, xs_last] are an error (no extrapolation).
 */
export function interpolateLinear(xs: Float64Array, ys: Float64Array, query: Float64Array, out?: Float64Array): Float64Array {
  const n = xs.length;
  if (ys.length !== n || n < 2) throw new RangeError('interpolateLinear: xs and ys need the same length ≥ 2');
  const res = out ?? new Float64Array(query.length);
  for (let q = 0; q < query.length; q++) {
    const x = query[q]!;
    if (!(x >= xs[0]! && x <= xs[n - 1]!)) throw new RangeError(`interpolateLinear: ${x} is outside [${xs[0]}, ${xs[n - 1]}]`);
    // Binary search for the interval [xs[lo], xs[lo+1]] containing x.
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid]! <= x) lo = mid;
      else hi = mid;
    }
    const w = (x - xs[lo]!) / (xs[lo + 1]! - xs[lo]!);
    res[q] = (1 - w) * ys[lo]! + w * ys[lo + 1]!;
  }
  return res;
}
