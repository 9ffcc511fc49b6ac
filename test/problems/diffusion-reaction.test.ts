import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/util/errors.js';
import { linspace } from '../../src/problems/grf.js';
import { makeDiffusionReactionDataset, solveDiffusionReaction } from '../../src/problems/diffusion-reaction.js';

/** max |u_coarse − u_fine| over the coarse grid points; both grids nested ((nFine − 1)/(n − 1) integer). */
function maxDiffNested(u: Float64Array, n: number, uFine: Float64Array, nFine: number): number {
  const s = (nFine - 1) / (n - 1);
  assert.ok(Number.isInteger(s));
  let e = 0;
  for (let tn = 0; tn < n; tn++) for (let i = 0; i < n; i++) e = Math.max(e, Math.abs(u[tn * n + i]! - uFine[tn * s * nFine + i * s]!));
  return e;
}

function solveOn(fun: (x: number) => number, n: number, D: number, k: number): Float64Array {
  return solveDiffusionReaction(linspace(0, 1, n).map(fun), { D, k, nx: n, nt: n });
}

/**
 * Exact solution of u_t = D u_xx + f(x), zero IC/BC, with f = Σ f_m sin(mπx):
 *   u = Σ f_m/(D m²π²) (1 − exp(−D m²π² t)) sin(mπx).
 */
function sineSeries(coeffs: Map<number, number>, D: number, x: number, t: number): number {
  let u = 0;
  for (const [m, fm] of coeffs) {
    const lam = D * m * m * Math.PI * Math.PI;
    u += (fm / lam) * -Math.expm1(-lam * t) * Math.sin(m * Math.PI * x);
  }
  return u;
}

function errorVsExact(coeffs: Map<number, number>, D: number, n: number): number {
  const x = linspace(0, 1, n);
  const f = x.map((v) => [...coeffs].reduce((s, [m, fm]) => s + fm * Math.sin(m * Math.PI * v), 0));
  const u = solveDiffusionReaction(f, { D, k: 0, nx: n, nt: n });
  const t = linspace(0, 1, n);
  let e = 0;
  for (let tn = 0; tn < n; tn++) for (let i = 0; i < n; i++) e = Math.max(e, Math.abs(u[tn * n + i]! - sineSeries(coeffs, D, x[i]!, t[tn]!)));
  return e;
}

test('diffusion-reaction, k = 0: matches the sine-series solution with second-order convergence', () => {
  const coeffs = new Map([
    [1, 1],
    [3, 0.5],
  ]);
  for (const D of [0.01, 0.1]) {
    const e51 = errorVsExact(coeffs, D, 51);
    const e101 = errorVsExact(coeffs, D, 101);
    assert.ok(e101 < 2e-4, `D = ${D}: error ${e101} at 101 × 101`);
    const r = e51 / e101;
    assert.ok(r > 3.6 && r < 4.4, `D = ${D}: ratio ${r}`);
  }
});

test('diffusion-reaction, k = 0, f = 1 (not zero at the boundary): close to the sine series', () => {
  // f = 1 = Σ_{m odd} 4/(mπ) sin(mπx); 2000 terms leave a series tail < 1e-6 in u.
  const coeffs = new Map<number, number>();
  for (let m = 1; m < 4000; m += 2) coeffs.set(m, 4 / (m * Math.PI));
  const e = errorVsExact(coeffs, 0.01, 100);
  assert.ok(e < 5e-4, `max error ${e} at the paper's 100 × 100 grid`);
});

test('diffusion-reaction: second-order convergence under refinement, strongly nonlinear case', () => {
  // D = 0.1, k = 1 and |u| up to ≈ 2, so k u² is as large as the other terms; f vanishes at x ∈ {0, 1}.
  const f = (x: number): number => 2 * Math.sin(Math.PI * x) + Math.cos(3 * x) * x * (1 - x);
  const ref = solveOn(f, 321, 0.1, 1);
  const errs = [21, 41, 81].map((n) => maxDiffNested(solveOn(f, n, 0.1, 1), n, ref, 321));
  const r1 = errs[0]! / errs[1]!;
  const r2 = errs[1]! / errs[2]!;
  assert.ok(r1 > 3.6 && r1 < 4.4 && r2 > 3.6 && r2 < 4.4, `errors ${errs}`);
});

test("diffusion-reaction: convergence with the paper's D = k = 0.01 and an f that is non-zero at the boundary", () => {
  const f = (x: number): number => 1 + x - 2 * x * x + Math.sin(3 * x);
  const ref = solveOn(f, 321, 0.01, 0.01);
  const errs = [21, 41, 81].map((n) => maxDiffNested(solveOn(f, n, 0.01, 0.01), n, ref, 321));
  const r1 = errs[0]! / errs[1]!;
  const r2 = errs[1]! / errs[2]!;
  assert.ok(r1 > 3.3 && r2 > 3.3, `errors ${errs}`);
});

/** RK4 on the semi-discrete system du_i/dt = D (L u)_i + k u_i² + f_i, with many small steps. */
function methodOfLinesRk4(f: Float64Array, D: number, k: number, nSteps: number): Float64Array {
  const nx = f.length;
  const h = 1 / (nx - 1);
  const dt = 1 / nSteps;
  const rhs = (u: Float64Array): Float64Array => {
    const r = new Float64Array(nx);
    for (let i = 1; i < nx - 1; i++) r[i] = (D * (u[i - 1]! - 2 * u[i]! + u[i + 1]!)) / (h * h) + k * u[i]! * u[i]! + f[i]!;
    return r;
  };
  const axpy = (u: Float64Array, a: number, v: Float64Array): Float64Array => u.map((x, i) => x + a * v[i]!);
  let u = new Float64Array(nx);
  for (let s = 0; s < nSteps; s++) {
    const k1 = rhs(u);
    const k2 = rhs(axpy(u, dt / 2, k1));
    const k3 = rhs(axpy(u, dt / 2, k2));
    const k4 = rhs(axpy(u, dt, k3));
    u = u.map((x, i) => x + (dt / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
  }
  return u;
}

test('diffusion-reaction: the nonlinear term against an independent RK4 method-of-lines solver', () => {
  // Same spatial grid, so the difference at t = 1 is the time error of the linearised Crank–Nicolson
  // step alone: O(Δt²). RK4 with 4000 steps is exact to ~1e-12 here.
  const nx = 41;
  const D = 0.1;
  const k = 1;
  const f = linspace(0, 1, nx).map((x) => 1 + Math.sin(2 * x));
  const exact = methodOfLinesRk4(f, D, k, 4000);
  const lastRow = (nt: number): Float64Array => solveDiffusionReaction(f, { D, k, nx, nt }).subarray((nt - 1) * nx);
  const diff = (nt: number): number => Math.max(...lastRow(nt).map((v, i) => Math.abs(v - exact[i]!)));
  const peak = Math.max(...exact);
  assert.ok(peak > 1, 'the reaction term matters (|u| ~ 1, k = 1)');
  const e1 = diff(51);
  const e2 = diff(101);
  assert.ok(e2 < 1e-3 * peak, `error ${e2}`);
  assert.ok(e1 / e2 > 3.6 && e1 / e2 < 4.4, `ratio ${e1 / e2}`);
  // Sign check: with k u² removed the solution is clearly different.
  const linear = solveDiffusionReaction(f, { D, k: 0, nx, nt: 101 }).subarray(100 * nx);
  assert.ok(Math.max(...linear.map((v, i) => Math.abs(v - exact[i]!))) > 100 * e2);
});

test('diffusion-reaction: layout [nt, nx], zero initial and boundary values', () => {
  const nx = 30;
  const nt = 50;
  const f = linspace(0, 1, nx).map((x) => 2 + x);
  const u = solveDiffusionReaction(f, { D: 0.01, k: 0.01, nx, nt });
  assert.equal(u.length, nt * nx);
  for (let i = 0; i < nx; i++) assert.equal(u[i], 0, 'row 0 is the initial state');
  for (let n = 0; n < nt; n++) {
    assert.equal(u[n * nx], 0);
    assert.equal(u[n * nx + nx - 1], 0);
  }
  // After one step u ≈ Δt·f away from the boundary (D and k are small): row n is time t_n.
  const dt = 1 / (nt - 1);
  for (let i = 5; i < nx - 5; i++) assert.ok(Math.abs(u[nx + i]! - dt * f[i]!) < 1e-3 * dt * f[i]!);
  // Monotone growth in time for a positive source.
  for (let n = 1; n < nt; n++) assert.ok(u[n * nx + 15]! > u[(n - 1) * nx + 15]!);
  assert.throws(() => solveDiffusionReaction(new Float64Array(10), { nx: 11, nt: 5 }), UserError);
});

test('diffusion-reaction dataset: sizes, grids, each U solves its F, determinism', () => {
  const d = makeDiffusionReactionDataset({ nTrain: 6, nTest: 4, nx: 40, nt: 30, seed: 9 });
  assert.deepEqual(d.x, linspace(0, 1, 40));
  assert.deepEqual(d.t, linspace(0, 1, 30));
  assert.equal(d.trainF.length, 6 * 40);
  assert.equal(d.trainU.length, 6 * 30 * 40);
  assert.equal(d.testF.length, 4 * 40);
  assert.equal(d.testU.length, 4 * 30 * 40);
  for (let c = 0; c < 6; c++) {
    const u = solveDiffusionReaction(d.trainF.subarray(c * 40, (c + 1) * 40), { D: 0.01, k: 0.01, nx: 40, nt: 30 });
    assert.deepEqual(d.trainU.subarray(c * 1200, (c + 1) * 1200), u);
  }
  assert.deepEqual(makeDiffusionReactionDataset({ nTrain: 6, nTest: 4, nx: 40, nt: 30, seed: 9 }), d);
  const other = makeDiffusionReactionDataset({ nTrain: 6, nTest: 4, nx: 40, nt: 30, seed: 10 });
  assert.notDeepEqual(other.trainF, d.trainF);
  assert.notDeepEqual(d.trainF.subarray(0, 160), d.testF);
  assert.throws(() => makeDiffusionReactionDataset({ nx: 2, seed: 1 }), UserError);
});

test('diffusion-reaction dataset: full size (100 + 100, 100 × 100)', (t) => {
  const t0 = performance.now();
  const d = makeDiffusionReactionDataset({ seed: 0 });
  const ms = performance.now() - t0;
  t.diagnostic(`generated 100 + 100 diffusion-reaction functions in ${ms.toFixed(1)} ms`);
  assert.equal(d.trainF.length, 100 * 100);
  assert.equal(d.trainU.length, 100 * 100 * 100);
  assert.equal(d.testU.length, 100 * 100 * 100);
  let max = 0;
  for (const v of d.trainU) {
    assert.ok(Number.isFinite(v));
    max = Math.max(max, Math.abs(v));
  }
  assert.ok(max > 0.1 && max < 10, `max |u| = ${max}`);
});
