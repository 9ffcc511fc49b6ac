import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { UserError } from '../../src/util/errors.js';
import { GaussianRandomField, interpolateLinear, linspace, rbfKernel, rbfKernelMatrix } from '../../src/problems/grf.js';

/**
 * Sample covariance Ĉ_ij = (1/N) Σ s_i s_j (the mean is known to be 0). For a Gaussian vector with unit
 * variances and correlation K_ij, Var(Ĉ_ij) = (1 + K_ij²)/N (Isserlis). We require every entry within 5
 * standard deviations and every mean within 5/√N: with a fixed seed the test is deterministic, and for a
 * correct sampler a 5σ miss anywhere among the ≤ 66 entries has probability < 1e-4.
 */
function checkCovariance(grf: GaussianRandomField, nSamples: number, seed: number): void {
  const n = grf.nGrid;
  const rng = new Rng(seed);
  const cov = new Float64Array(n * n);
  const mean = new Float64Array(n);
  const s = new Float64Array(n);
  for (let c = 0; c < nSamples; c++) {
    grf.sample(rng, s);
    for (let i = 0; i < n; i++) {
      mean[i] += s[i]! / nSamples;
      for (let j = 0; j < n; j++) cov[i * n + j] += (s[i]! * s[j]!) / nSamples;
    }
  }
  const x = grf.grid;
  const ell = grf.lengthScale;
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(mean[i]!) < 5 / Math.sqrt(nSamples), `mean[${i}] = ${mean[i]}`);
    for (let j = 0; j < n; j++) {
      const kij = Math.exp(-((x[i]! - x[j]!) ** 2) / (2 * ell * ell)); // the kernel, written out independently
      const tol = 5 * Math.sqrt((1 + kij * kij) / nSamples);
      assert.ok(Math.abs(cov[i * n + j]! - kij) < tol, `cov[${i}][${j}] = ${cov[i * n + j]} vs kernel ${kij} (tol ${tol})`);
    }
  }
}

test('GRF ℓ = 0.2 on [0, 1]: sample covariance matches the kernel, mean ≈ 0', () => {
  // Grid spacing 0.1: neighbouring correlation exp(−0.125) = 0.88; a kernel without the factor 2 would
  // give 0.78, a 10σ error at N = 20000 (σ ≈ 0.01).
  checkCovariance(new GaussianRandomField({ a: 0, b: 1, lengthScale: 0.2, nGrid: 11 }), 20000, 11);
});

test('GRF ℓ = 1 on [−1, 1] (nearly singular kernel): sample covariance matches the kernel, mean ≈ 0', () => {
  checkCovariance(new GaussianRandomField({ a: -1, b: 1, lengthScale: 1, nGrid: 11 }), 20000, 12);
});

test('GRF ℓ = 1 on the 51-point Poisson grid: the truncated KL covariance equals the kernel to 1e-12', () => {
  const grf = new GaussianRandomField({ a: -1, b: 1, lengthScale: 1, nGrid: 51 });
  assert.ok(grf.rank >= 5 && grf.rank < 51, `rank ${grf.rank}`);
  assert.ok(grf.droppedVarianceFraction < 1e-11);
  const implied = grf.impliedCovariance();
  const k = rbfKernelMatrix(grf.grid, 1);
  let err = 0;
  for (let i = 0; i < k.length; i++) err = Math.max(err, Math.abs(implied[i]! - k[i]!));
  assert.ok(err < 1e-12, `max |V Λ Vᵀ − K| = ${err}`);
  for (const v of grf.eigenvalues) assert.ok(v >= 0, 'negative eigenvalues are clipped');
  assert.ok(grf.eigenvalues[grf.rank]! <= 1e-12 * grf.eigenvalues[0]!);
  // The same check on the 100-point diffusion-reaction grid.
  const grf100 = new GaussianRandomField({ a: 0, b: 1, lengthScale: 1, nGrid: 100 });
  const c100 = grf100.impliedCovariance();
  const k100 = rbfKernelMatrix(grf100.grid, 1);
  let err100 = 0;
  for (let i = 0; i < k100.length; i++) err100 = Math.max(err100, Math.abs(c100[i]! - k100[i]!));
  assert.ok(err100 < 1e-12, `n = 100: ${err100}`);
});

test('GRF: same seed → identical samples, different seeds → different samples', () => {
  const grf = new GaussianRandomField({ a: -1, b: 1, lengthScale: 1, nGrid: 51 });
  const a = grf.sampleMany(new Rng(42), 5);
  const b = new GaussianRandomField({ a: -1, b: 1, lengthScale: 1, nGrid: 51 }).sampleMany(new Rng(42), 5);
  assert.deepEqual(a, b);
  const c = grf.sampleMany(new Rng(43), 5);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - c[i]!));
  assert.ok(diff > 0.1, 'different seeds give different fields');
  // Consecutive samples from one generator differ too.
  assert.notDeepEqual(a.subarray(0, 51), a.subarray(51, 102));
});

test('GRF grid, validation and kernel', () => {
  const grf = new GaussianRandomField({ a: -1, b: 1, lengthScale: 0.5, nGrid: 5 });
  assert.deepEqual([...grf.grid], [-1, -0.5, 0, 0.5, 1]);
  assert.equal(rbfKernel(0, 1, 1), Math.exp(-0.5));
  const km = rbfKernelMatrix(grf.grid, 0.5);
  assert.equal(km[0 * 5 + 2], Math.exp(-1 / (2 * 0.25)));
  assert.equal(km[4 * 5 + 3], Math.exp(-0.25 / (2 * 0.25)));
  assert.equal(km[3 * 5 + 3], 1);
  assert.throws(() => new GaussianRandomField({ a: 0, b: 1, lengthScale: 0, nGrid: 10 }), UserError);
  assert.throws(() => new GaussianRandomField({ a: 1, b: 0, lengthScale: 1, nGrid: 10 }), UserError);
  assert.throws(() => new GaussianRandomField({ a: 0, b: 1, lengthScale: 1, nGrid: 1 }), UserError);
  assert.throws(() => new GaussianRandomField({ a: 0, b: 1, lengthScale: 1, nGrid: 10.5 }), UserError);
});

test('interpolateLinear: exact for linear data, second order for smooth data, no extrapolation', () => {
  const xs = linspace(0, 2, 9);
  const ys = xs.map((x) => 3 * x - 1);
  const q = Float64Array.of(0, 0.1, 0.77, 1.5, 2);
  const v = interpolateLinear(xs, ys, q);
  for (let i = 0; i < q.length; i++) assert.ok(Math.abs(v[i]! - (3 * q[i]! - 1)) < 1e-14);
  const query = linspace(0, 1, 997);
  const err = (n: number): number => {
    const g = linspace(0, 1, n);
    const y = interpolateLinear(g, g.map(Math.sin), query);
    return Math.max(...query.map((x, i) => Math.abs(y[i]! - Math.sin(x))));
  };
  const ratio = err(11) / err(21);
  assert.ok(ratio > 3.5 && ratio < 4.5, `ratio ${ratio}`);
  assert.throws(() => interpolateLinear(xs, ys, Float64Array.of(2.1)), RangeError);
});

test('GRF sampleAt = sample on the grid, then linear interpolation', () => {
  const grf = new GaussianRandomField({ a: 0, b: 1, lengthScale: 0.3, nGrid: 41 });
  const pts = Float64Array.of(0, 0.013, 0.5, 0.999, 1);
  const at = grf.sampleAt(new Rng(5), pts);
  const onGrid = grf.sample(new Rng(5));
  assert.deepEqual(at, interpolateLinear(grf.grid, onGrid, pts));
  assert.equal(at[0], onGrid[0]);
  assert.equal(at[4], onGrid[40]);
});
