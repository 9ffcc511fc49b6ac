/**
 * The diffusion-reaction operator-learning problem of the paper (section 4): learn f ↦ u where
 *   u_t = D u_xx + k u² + f(x),  x ∈ (0, 1), t ∈ (0, 1],  u(x, 0) = 0,  u(0, t) = u(1, t) = 0,
 * with D = k = 0.01 and f a unit-variance RBF Gaussian random field with ℓ = 1.
 *
 * Discretisation (DeepONet's ADR solver): x_i = i·h, h = 1/(nx − 1); t_n = n·Δt, Δt = 1/(nt − 1);
 * L = tridiag(1, −2, 1)/h² on the interior points; g(u) = k u², g'(u) = 2k u. Each step solves
 *   (I/Δt − (D/2) L − ½ diag(g'(uⁿ))) uⁿ⁺¹ = uⁿ/Δt + (D/2) L uⁿ + f + g(uⁿ) − ½ g'(uⁿ) uⁿ,
 * i.e. Crank–Nicolson for the diffusion and the reaction linearised about uⁿ:
 *   g at the midpoint ≈ g(uⁿ) + ½ g'(uⁿ)(uⁿ⁺¹ − uⁿ).
 * For g = k u² the explicit part g(uⁿ) − ½ g'(uⁿ) uⁿ is zero and the reaction term becomes k uⁿ uⁿ⁺¹,
 * which differs from k u(t_{n+½})² by O(Δt²): the scheme is second order in h and in Δt (when f is
 * compatible with the zero boundary values; otherwise the corner singularity at x ∈ {0, 1}, t = 0 lowers
 * the observed order near the boundary). The matrix is tridiagonal and solved by the Thomas algorithm.
 *
 * Output layout: u is row-major [nt, nx], u[n*nx + i] = u(x_i, t_n); row 0 is the zero initial state and
 * columns 0 and nx − 1 are the zero boundary values.
 */
import { Rng } from '../util/rng.js';
import { UserError } from '../util/errors.js';
import { GaussianRandomField, linspace } from './grf.js';
import { solveTridiagonal } from './linalg.js';
import { checkCount, checkSeed } from './poisson.js';

export interface DiffusionReactionOptions {
  /** Diffusion coefficient D (default 0.01). */
  D?: number;
  /** Reaction rate k in g(u) = k u² (default 0.01). */
  k?: number;
  /** Space points on [0, 1] including the boundaries; must equal f.length. */
  nx: number;
  /** Time points on [0, 1] including t = 0. */
  nt: number;
}

/** Solves the problem for a source f given at the nx grid points; returns u as [nt, nx] (row t, column x). */
export function solveDiffusionReaction(f: Float64Array, opts: DiffusionReactionOptions, out?: Float64Array): Float64Array {
  const D = opts.D ?? 0.01;
  const k = opts.k ?? 0.01;
  const { nx, nt } = opts;
  if (!Number.isInteger(nx) || nx < 3) throw new UserError(`nx must be an integer ≥ 3, got ${nx}`);
  if (!Number.isInteger(nt) || nt < 2) throw new UserError(`nt must be an integer ≥ 2, got ${nt}`);
  if (f.length !== nx) throw new UserError(`f has ${f.length} values, expected nx = ${nx}`);
  if (!(D >= 0) || !Number.isFinite(D) || !Number.isFinite(k)) throw new UserError(`need D ≥ 0 and finite k, got D = ${D}, k = ${k}`);
  const u = out ?? new Float64Array(nt * nx);
  if (u.length !== nt * nx) throw new RangeError(`solveDiffusionReaction: output length ${u.length}, expected ${nt * nx}`);
  u.fill(0, 0, nx); // initial condition

  const h = 1 / (nx - 1);
  const dt = 1 / (nt - 1);
  const m = nx - 2; // interior unknowns x_1 … x_{nx−2}
  const off = -D / (2 * h * h); // −(D/2)·(1/h²): the off-diagonals of −(D/2)L
  const diagBase = 1 / dt + D / (h * h); // I/Δt − (D/2)·(−2/h²)
  const lower = new Float64Array(m).fill(off);
  const upper = new Float64Array(m).fill(off);
  const diag = new Float64Array(m);
  const rhs = new Float64Array(m);

  for (let n = 0; n < nt - 1; n++) {
    const prev = n * nx; // uⁿ
    const next = prev + nx; // uⁿ⁺¹
    for (let j = 0; j < m; j++) {
      const i = j + 1;
      const ui = u[prev + i]!;
      const lap = (u[prev + i - 1]! - 2 * ui + u[prev + i + 1]!) / (h * h); // (L uⁿ)_i, boundary values 0
      const g = k * ui * ui;
      const dg = 2 * k * ui;
      diag[j] = diagBase - 0.5 * dg;
      rhs[j] = ui / dt + 0.5 * D * lap + f[i]! + g - 0.5 * dg * ui;
    }
    solveTridiagonal(lower, diag, upper, rhs, u.subarray(next + 1, next + 1 + m));
    u[next] = 0;
    u[next + nx - 1] = 0;
  }
  return u;
}

export interface DiffusionReactionDatasetOptions {
  nTrain?: number; // default 100
  nTest?: number; // default 100
  nx?: number; // default 100
  nt?: number; // default 100
  lengthScale?: number; // default 1
  D?: number; // default 0.01
  k?: number; // default 0.01
  seed: number;
}

export interface DiffusionReactionDataset {
  /** nx points on [0, 1]. */
  x: Float64Array;
  /** nt points on [0, 1]. */
  t: Float64Array;
  /** Row-major [nTrain, nx]: the source f of each training function at x. */
  trainF: Float64Array;
  /** Row-major [nTrain, nt·nx]: each row is that function's u as [nt, nx] (u(x_i, t_n) at n·nx + i). */
  trainU: Float64Array;
  testF: Float64Array;
  testU: Float64Array;
  nTrain: number;
  nTest: number;
  nx: number;
  nt: number;
}

/** The parameters with defaults filled in (what the cache records). */
export function diffusionReactionParams(opts: DiffusionReactionDatasetOptions): Required<DiffusionReactionDatasetOptions> {
  const p = {
    nTrain: opts.nTrain ?? 100,
    nTest: opts.nTest ?? 100,
    nx: opts.nx ?? 100,
    nt: opts.nt ?? 100,
    lengthScale: opts.lengthScale ?? 1,
    D: opts.D ?? 0.01,
    k: opts.k ?? 0.01,
    seed: opts.seed,
  };
  checkCount('nTrain', p.nTrain, 0);
  checkCount('nTest', p.nTest, 0);
  checkCount('nx', p.nx, 3);
  checkCount('nt', p.nt, 2);
  checkSeed(p.seed);
  return p;
}

/**
 * Draws nTrain + nTest sources f from the GRF on the nx-point x grid (sampled there directly) and solves
 * for u. As for Poisson, the training and test sets use two generators forked from Rng(seed).
 */
export function makeDiffusionReactionDataset(opts: DiffusionReactionDatasetOptions): DiffusionReactionDataset {
  const p = diffusionReactionParams(opts);
  const grf = new GaussianRandomField({ a: 0, b: 1, lengthScale: p.lengthScale, nGrid: p.nx });
  const root = new Rng(p.seed);
  const trainRng = root.fork();
  const testRng = root.fork();
  const solve = (rng: Rng, count: number): [Float64Array, Float64Array] => {
    const f = grf.sampleMany(rng, count);
    const size = p.nt * p.nx;
    const u = new Float64Array(count * size);
    for (let c = 0; c < count; c++) {
      solveDiffusionReaction(f.subarray(c * p.nx, (c + 1) * p.nx), p, u.subarray(c * size, (c + 1) * size));
    }
    return [f, u];
  };
  const [trainF, trainU] = solve(trainRng, p.nTrain);
  const [testF, testU] = solve(testRng, p.nTest);
  return {
    x: grf.grid,
    t: linspace(0, 1, p.nt),
    trainF,
    trainU,
    testF,
    testU,
    nTrain: p.nTrain,
    nTest: p.nTest,
    nx: p.nx,
    nt: p.nt,
  };
}
