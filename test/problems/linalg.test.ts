import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { cholesky, matMul, matVec, solveTridiagonal, symmetricEigen, transpose } from '../../src/problems/linalg.js';
import { linspace, rbfKernelMatrix } from '../../src/problems/grf.js';

function frobenius(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return Math.sqrt(s);
}

/** max |A V − V Λ| and max |VᵀV − I|. */
function eigenResiduals(a: Float64Array, n: number): { res: number; orth: number; values: Float64Array } {
  const { values, vectors } = symmetricEigen(a, n);
  const av = matMul(a, vectors, n, n, n);
  let res = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) res = Math.max(res, Math.abs(av[i * n + j]! - vectors[i * n + j]! * values[j]!));
  const vtv = matMul(transpose(vectors, n, n), vectors, n, n, n);
  let orth = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) orth = Math.max(orth, Math.abs(vtv[i * n + j]! - (i === j ? 1 : 0)));
  return { res, orth, values };
}

/** A random orthogonal matrix (Gram–Schmidt, twice, on a Gaussian matrix); columns are the vectors. */
function randomOrthogonal(n: number, rng: Rng): Float64Array {
  const q = new Float64Array(n * n);
  rng.fillNormal(q);
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += q[i * n + j]! * q[i * n + k]!;
        for (let i = 0; i < n; i++) q[i * n + j] -= d * q[i * n + k]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * n + j]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q[i * n + j] /= norm;
  }
  return q;
}

test('eigen: recovers a prescribed spectrum (wide range, negatives, near-zero) with orthonormal vectors', () => {
  const n = 30;
  const rng = new Rng(1);
  const q = randomOrthogonal(n, rng);
  const lambda = Float64Array.from({ length: n }, (_, i) => (i % 3 === 2 ? -1 : 1) * 10 ** (3 - i / 2));
  const ql = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ql[i * n + j] = q[i * n + j]! * lambda[j]!;
  const a = matMul(ql, transpose(q, n, n), n, n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i]!; // exact symmetry
  const copy = a.slice();
  const { res, orth, values } = eigenResiduals(a, n);
  assert.deepEqual(a, copy, 'input must not be modified');
  const norm = frobenius(a);
  assert.ok(res < 1e-13 * norm, `residual ${res}`);
  assert.ok(orth < 1e-13, `orthogonality ${orth}`);
  const expected = [...lambda].sort((x, y) => y - x);
  for (let j = 0; j < n; j++) assert.ok(Math.abs(values[j]! - expected[j]!) < 1e-13 * norm, `λ${j}: ${values[j]} vs ${expected[j]}`);
});

test('eigen: random SPD matrix', () => {
  const n = 40;
  const rng = new Rng(2);
  const b = new Float64Array(n * n);
  rng.fillNormal(b);
  const a = matMul(transpose(b, n, n), b, n, n, n);
  for (let i = 0; i < n; i++) a[i * n + i] += 0.1;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i]!;
  const { res, orth, values } = eigenResiduals(a, n);
  assert.ok(res < 1e-13 * frobenius(a), `residual ${res}`);
  assert.ok(orth < 1e-13, `orthogonality ${orth}`);
  for (let j = 1; j < n; j++) assert.ok(values[j - 1]! >= values[j]!, 'eigenvalues sorted descending');
  assert.ok(values[n - 1]! > 0.1 - 1e-10, 'SPD: all eigenvalues ≥ 0.1');
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i]!;
  const sum = values.reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(sum - trace) < 1e-11 * trace);
});

test('eigen: nearly singular RBF kernel matrices (ℓ = 1 on [−1, 1], condition ≫ 1/ε)', () => {
  for (const n of [51, 120]) {
    const a = rbfKernelMatrix(linspace(-1, 1, n), 1);
    const { res, orth, values } = eigenResiduals(a, n);
    const norm = frobenius(a);
    assert.ok(res < 1e-13 * norm, `n=${n}: residual ${res}`);
    assert.ok(orth < 1e-13, `n=${n}: orthogonality ${orth}`);
    // PSD in exact arithmetic: the smallest computed eigenvalues may be negative, but only at rounding level.
    assert.ok(values[n - 1]! > -1e-13 * values[0]!, `n=${n}: λ_min = ${values[n - 1]}`);
    assert.ok(values[20]! < 1e-12 * values[0]!, 'the spectrum decays below rounding level');
    assert.ok(Math.abs(values.reduce((s, v) => s + v, 0) - n) < 1e-10 * n, 'trace = n');
  }
});

test('eigen: repeated eigenvalues, 1×1, 2×2, diagonal', () => {
  const n = 12;
  const u = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
  const uu = u.reduce((s, v) => s + v * v, 0);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (i === j ? 1 : 0) + u[i]! * u[j]!;
  const { res, orth, values } = eigenResiduals(a, n);
  assert.ok(res < 1e-13 && orth < 1e-13);
  assert.ok(Math.abs(values[0]! - (1 + uu)) < 1e-13);
  for (let j = 1; j < n; j++) assert.ok(Math.abs(values[j]! - 1) < 1e-13);

  const one = symmetricEigen(Float64Array.of(-3), 1);
  assert.deepEqual([...one.values], [-3]);
  assert.deepEqual([...one.vectors], [1]);

  // [[2, 1], [1, 2]]: eigenvalues 3 and 1, vectors (1, 1)/√2 and (1, −1)/√2 up to sign.
  const two = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
  assert.ok(Math.abs(two.values[0]! - 3) < 1e-15 && Math.abs(two.values[1]! - 1) < 1e-15);
  assert.ok(Math.abs(Math.abs(two.vectors[0]!) - Math.SQRT1_2) < 1e-15);
  assert.ok(Math.abs(two.vectors[0]! - two.vectors[2]!) < 1e-15, 'first eigenvector ∝ (1, 1)');

  const diag = symmetricEigen(Float64Array.of(1, 0, 0, 0, 5, 0, 0, 0, 3), 3);
  assert.equal(diag.sweeps, 0);
  assert.deepEqual([...diag.values], [5, 3, 1]);

  assert.throws(() => symmetricEigen(Float64Array.of(1, Number.NaN, Number.NaN, 1), 2), RangeError);
});

test('cholesky: exact for SPD, adaptive jitter for a nearly singular kernel, throws for indefinite', () => {
  const n = 20;
  const rng = new Rng(3);
  const b = new Float64Array(n * n);
  rng.fillNormal(b);
  const a = matMul(transpose(b, n, n), b, n, n, n);
  for (let i = 0; i < n; i++) a[i * n + i] += 1;
  const { l, jitter } = cholesky(a, n);
  assert.equal(jitter, 0);
  const llt = matMul(l, transpose(l, n, n), n, n, n);
  for (let i = 0; i < n * n; i++) assert.ok(Math.abs(llt[i]! - a[i]!) < 1e-12 * frobenius(a));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(l[i * n + j], 0, 'lower triangular');

  const k = rbfKernelMatrix(linspace(-1, 1, 51), 1);
  const kc = cholesky(k, 51);
  assert.ok(kc.jitter > 0, 'the ℓ = 1 kernel matrix needs jitter');
  const klt = matMul(kc.l, transpose(kc.l, 51, 51), 51, 51, 51);
  for (let i = 0; i < 51; i++) {
    for (let j = 0; j < 51; j++) assert.ok(Math.abs(klt[i * 51 + j]! - k[i * 51 + j]! - (i === j ? kc.jitter : 0)) < 1e-12);
  }

  assert.throws(() => cholesky(Float64Array.of(1, 2, 2, 1), 2), /not positive definite/);
});

test('solveTridiagonal: matches the system, n = 1, zero pivot', () => {
  const n = 50;
  const rng = new Rng(4);
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  const diag = new Float64Array(n);
  const rhs = new Float64Array(n);
  rng.fillUniform(lower, -1, 1);
  rng.fillUniform(upper, -1, 1);
  rng.fillUniform(rhs, -1, 1);
  for (let i = 0; i < n; i++) diag[i] = 2.5 + rng.uniform();
  const x = solveTridiagonal(lower, diag, upper, rhs);
  for (let i = 0; i < n; i++) {
    const r = (i > 0 ? lower[i]! * x[i - 1]! : 0) + diag[i]! * x[i]! + (i < n - 1 ? upper[i]! * x[i + 1]! : 0);
    assert.ok(Math.abs(r - rhs[i]!) < 1e-14, `row ${i}`);
  }
  // Same solution as a dense eigen-free reference: multiply back with the dense matrix.
  const dense = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    dense[i * n + i] = diag[i]!;
    if (i > 0) dense[i * n + i - 1] = lower[i]!;
    if (i < n - 1) dense[i * n + i + 1] = upper[i]!;
  }
  const back = matVec(dense, n, n, x);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(back[i]! - rhs[i]!) < 1e-14);

  assert.deepEqual([...solveTridiagonal(Float64Array.of(9), Float64Array.of(4), Float64Array.of(9), Float64Array.of(2))], [0.5]);
  assert.throws(() => solveTridiagonal(Float64Array.of(0, 1), Float64Array.of(1, 1), Float64Array.of(1, 0), Float64Array.of(1, 1)), /pivot/);
});

test('matVec and matMul on a small example', () => {
  const a = Float64Array.of(1, 2, 3, 4, 5, 6); // 2×3
  assert.deepEqual([...matVec(a, 2, 3, Float64Array.of(1, 0, -1))], [-2, -2]);
  assert.deepEqual([...matMul(a, transpose(a, 2, 3), 2, 3, 2)], [14, 32, 32, 77]);
  assert.throws(() => matVec(a, 3, 3, Float64Array.of(1, 2, 3)), RangeError);
});
