import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/util/errors.js';
import { linspace } from '../../src/problems/grf.js';
import { makePoissonDataset, solvePoisson1D } from '../../src/problems/poisson.js';

function maxError(n: number): number {
  const x = linspace(-1, 1, n);
  const u = solvePoisson1D(
    x.map((v) => Math.PI * Math.PI * Math.sin(Math.PI * v)),
    -1,
    1,
  );
  return Math.max(...x.map((v, i) => Math.abs(u[i]! - Math.sin(Math.PI * v))));
}

test('Poisson: g = π² sin(πx) ⇒ u = sin(πx), second-order convergence', () => {
  const e51 = maxError(51);
  const e101 = maxError(101);
  const e201 = maxError(201);
  // Leading error term: the discrete solution of the sine mode is sin(πx)·(πh/2)²/sin²(πh/2), so the
  // error is ≈ (πh)²/12 = 1.3e-3 at h = 0.04.
  assert.ok(e51 > 1e-3 && e51 < 1.5e-3, `e(51) = ${e51}`);
  const r1 = e51 / e101;
  const r2 = e101 / e201;
  assert.ok(Math.abs(r1 - 4) < 0.05 && Math.abs(r2 - 4) < 0.05, `ratios ${r1}, ${r2}`);
});

test('Poisson: exact for quadratics, boundary values exactly 0, residual of the 3-point scheme', () => {
  // u = 1 − x² ⇒ −u'' = 2; the 3-point difference of a quadratic is exact.
  const x = linspace(-1, 1, 51);
  const u = solvePoisson1D(new Float64Array(51).fill(2), -1, 1);
  for (let i = 0; i < 51; i++) assert.ok(Math.abs(u[i]! - (1 - x[i]! ** 2)) < 1e-13, `i = ${i}`);
  // Another interval: u = (x − 2)(5 − x) on [2, 5] ⇒ −u'' = 2.
  const y = linspace(2, 5, 31);
  const w = solvePoisson1D(new Float64Array(31).fill(2), 2, 5);
  for (let i = 0; i < 31; i++) assert.ok(Math.abs(w[i]! - (y[i]! - 2) * (5 - y[i]!)) < 1e-12);

  const g = x.map((v) => Math.exp(v) * Math.cos(3 * v) + 7); // g(±1) ≠ 0 does not matter
  const v = solvePoisson1D(g, -1, 1);
  assert.equal(v[0], 0);
  assert.equal(v[50], 0);
  const h = 2 / 50;
  for (let i = 1; i < 50; i++) {
    const r = (-v[i - 1]! + 2 * v[i]! - v[i + 1]!) / (h * h);
    assert.ok(Math.abs(r - g[i]!) < 1e-9, `residual at ${i}: ${r - g[i]!}`);
  }
  assert.throws(() => solvePoisson1D(new Float64Array(2), -1, 1), UserError);
  assert.throws(() => solvePoisson1D(new Float64Array(5), 1, -1), UserError);
});

test('Poisson dataset: sizes, grid, each u solves its g, unit-variance g', () => {
  const d = makePoissonDataset({ nTrain: 40, nTest: 30, seed: 7 });
  assert.equal(d.nPoints, 51);
  assert.deepEqual(d.x, linspace(-1, 1, 51));
  assert.equal(d.trainG.length, 40 * 51);
  assert.equal(d.trainU.length, 40 * 51);
  assert.equal(d.testG.length, 30 * 51);
  assert.equal(d.testU.length, 30 * 51);
  for (const [g, u, count] of [
    [d.trainG, d.trainU, 40],
    [d.testG, d.testU, 30],
  ] as const) {
    for (let c = 0; c < count; c++) {
      const row = u.subarray(c * 51, (c + 1) * 51);
      assert.deepEqual(row, solvePoisson1D(g.subarray(c * 51, (c + 1) * 51), -1, 1));
      assert.equal(row[0], 0);
      assert.equal(row[50], 0);
    }
  }
  // Pointwise variance of g is 1; the average of g² over 40·51 values (strongly correlated within a
  // function, so roughly 40 independent values per point) lands within ±0.5 of 1.
  const ms = d.trainG.reduce((s, v) => s + v * v, 0) / d.trainG.length;
  assert.ok(ms > 0.5 && ms < 1.5, `mean g² = ${ms}`);
});

test('Poisson dataset: deterministic per seed; test set independent of nTrain; train ≠ test', () => {
  const a = makePoissonDataset({ nTrain: 10, nTest: 10, seed: 123 });
  const b = makePoissonDataset({ nTrain: 10, nTest: 10, seed: 123 });
  assert.deepEqual(a, b);
  const c = makePoissonDataset({ nTrain: 10, nTest: 10, seed: 124 });
  assert.notDeepEqual(a.trainG, c.trainG);
  assert.notDeepEqual(a.testG, c.testG);
  const d = makePoissonDataset({ nTrain: 25, nTest: 10, seed: 123 });
  assert.deepEqual(d.testG, a.testG);
  assert.deepEqual(d.trainG.subarray(0, 10 * 51), a.trainG);
  assert.notDeepEqual(a.trainG, a.testG);
  assert.throws(() => makePoissonDataset({ nTrain: -1, seed: 1 }), UserError);
  assert.throws(() => makePoissonDataset({ seed: 1.5 }), UserError);
  assert.throws(() => makePoissonDataset({ nPoints: 2, seed: 1 }), UserError);
});

test('Poisson dataset: full size (800 + 800, 51 points)', (t) => {
  const t0 = performance.now();
  const d = makePoissonDataset({ seed: 0 });
  const ms = performance.now() - t0;
  t.diagnostic(`generated 800 + 800 Poisson functions in ${ms.toFixed(1)} ms`);
  assert.equal(d.trainU.length, 800 * 51);
  assert.equal(d.testU.length, 800 * 51);
  for (const v of d.trainU) assert.ok(Number.isFinite(v));
});
