/** Statistical identities of the gradient estimators. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bpGradient } from '../../src/gradients/bp.js';
import { RfgEstimator } from '../../src/gradients/rfg.js';
import { WeightPerturbationEstimator } from '../../src/gradients/weight-perturbation.js';
import { gaussian, sigmoid, stein } from '../../src/neurons/surrogates.js';
import { MlpRegression } from '../../src/networks/mlp-objective.js';
import { cos2pi, log } from '../../src/util/detmath.js';
import { Rng, hashUniform } from '../../src/util/rng.js';
import { cosine, dot, makeNet, randn } from './helpers.js';

function problem(seed = 5, hidden = 12) {
  const { k, params, rng } = makeNet([2, hidden, hidden, 1], { T: 10, scale: 2, seed });
  const batch = 16;
  const x = randn(batch * 2, rng);
  const y = randn(batch, rng, 0.5);
  const obj = new MlpRegression(k, { surrogate: gaussian(0.5) }).setBatch(x, y, batch);
  return { obj, params };
}

for (const perturbation of ['global', 'layer'] as const) {
  test(`mean of many RFG-${perturbation === 'global' ? 'G' : 'L'} estimates converges to the BP gradient`, () => {
    // The mean's error norm is about ‖g‖·sqrt(P/N): P = 105 parameters and N = 20000 give cosine ≈ 0.997.
    const { obj, params } = problem(5, 8);
    const bp = bpGradient(obj, params).grad;
    const est = new RfgEstimator({ perturbation, directions: 1, distribution: 'rademacher' });
    const rng = new Rng(9);
    const mean = new Float64Array(obj.nParams);
    const N = 20000;
    for (let i = 0; i < N; i++) {
      const g = est.estimate(obj, params, rng).grad;
      for (let j = 0; j < g.length; j++) mean[j] += g[j]! / N;
    }
    const c = cosine(mean, bp);
    assert.ok(c > 0.99, `cosine(mean RFG, BP) = ${c}`);
    // A single estimate is far from BP (the identity is about the mean, not a lucky draw).
    const one = est.estimate(obj, params, new Rng(1)).grad;
    assert.ok(cosine(one, bp) < 0.9);
  });
}

test('each RFG estimate is exactly (∇L·v) v with the BP gradient (one direction, global)', () => {
  const { obj, params } = problem(8);
  const bp = bpGradient(obj, params).grad;
  const est = new RfgEstimator({ perturbation: 'global', directions: 1, distribution: 'rademacher' });
  const g = est.estimate(obj, params, new Rng(3)).grad;
  // v = ±1, so g_i v_i = ∇L·v for every i: recover v from g's signs and check the scalar.
  const d = Math.abs(g[0]!);
  const v = g.map((gi) => Math.sign(gi));
  assert.ok(Math.abs(dot(bp, v) - d * Math.sign(dot(bp, v))) < 1e-10 * (1 + d));
});

test('the K-direction estimator variance falls like 1/K', () => {
  const { obj, params } = problem(6);
  const bp = bpGradient(obj, params).grad;
  const variance = (K: number) => {
    const est = new RfgEstimator({ perturbation: 'global', directions: K, distribution: 'rademacher' });
    const rng = new Rng(100 + K);
    let s = 0;
    const N = 600;
    for (let i = 0; i < N; i++) {
      const g = est.estimate(obj, params, rng).grad;
      for (let j = 0; j < g.length; j++) s += (g[j]! - bp[j]!) ** 2;
    }
    return s / N;
  };
  const v1 = variance(1);
  const v4 = variance(4);
  const v16 = variance(16);
  assert.ok(v1 / v4 > 3 && v1 / v4 < 5.3, `var(1)/var(4) = ${v1 / v4}`);
  assert.ok(v1 / v16 > 12 && v1 / v16 < 21, `var(1)/var(16) = ${v1 / v16}`);
});

test('the Stein (WSG) surrogate averages to the Gaussian surrogate; the antithetic form has lower variance', () => {
  const sigma = 0.5;
  const g = gaussian(sigma);
  for (const antithetic of [false, true]) {
    const s = stein(sigma, 1, antithetic);
    s.setKey(2024);
    for (const x of [-1.2, -0.4, 0, 0.25, 0.9]) {
      const N = 200000;
      let m = 0;
      let m2 = 0;
      for (let i = 0; i < N; i++) {
        const d = s.d(x, i);
        m += d;
        m2 += d * d;
      }
      m /= N;
      const sd = Math.sqrt(m2 / N - m * m);
      const se = sd / Math.sqrt(N);
      assert.ok(Math.abs(m - g.d(x, 0)) < 5 * se + 1e-12, `x=${x} antithetic=${antithetic}: ${m} vs ${g.d(x, 0)} (se ${se})`);
    }
  }
  const varOf = (a: boolean) => {
    const s = stein(sigma, 1, a);
    s.setKey(1);
    let m = 0;
    let m2 = 0;
    for (let i = 0; i < 50000; i++) {
      const d = s.d(0.3, i);
      m += d;
      m2 += d * d;
    }
    return m2 / 50000 - (m / 50000) ** 2;
  };
  assert.ok(varOf(true) < varOf(false));
});

test('Stein samples: the log-free rejection never drops a sample the log test keeps; δ has the N(0, σ²) moments', () => {
  // Rejected early when 2(1 − u) < c·u·(1 − 1e-6); that must imply −2·log(u) < c (the full test), also for c
  // just above either side.
  for (let i = 0; i < 400000; i++) {
    const u = hashUniform(31, i);
    const r2 = -2 * log(u);
    const bound = (2 * (1 - u)) / u;
    for (const c of [r2, r2 * (1 + 1e-9), r2 * (1 + 1e-6), bound, bound * (1 + 1e-7), bound * (1 + 1e-6), bound * (1 + 2e-6), 4 * bound]) {
      if (2 * (1 - u) < c * u * 0.999999) assert.ok(r2 < c, `u=${u} c=${c}`);
    }
  }
  // Box–Muller with the project's log and cos2pi: mean 0, variance 1, kurtosis 3, odd moments 0.
  const N = 400000;
  let m1 = 0;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < N; i++) {
    const z = Math.sqrt(-2 * log(hashUniform(77, 2 * i))) * cos2pi(hashUniform(77, 2 * i + 1));
    m1 += z;
    m2 += z * z;
    m3 += z * z * z;
    m4 += z * z * z * z;
  }
  m1 /= N;
  m2 /= N;
  m3 /= N;
  m4 /= N;
  assert.ok(Math.abs(m1) < 5 / Math.sqrt(N), `mean ${m1}`);
  assert.ok(Math.abs(m2 - 1) < 5 * Math.sqrt(2 / N), `variance ${m2}`);
  assert.ok(Math.abs(m3) < 5 * Math.sqrt(15 / N), `third moment ${m3}`);
  assert.ok(Math.abs(m4 - 3) < 5 * Math.sqrt(96 / N), `fourth moment ${m4}`);
});

test('weight perturbation converges to the true finite-difference gradient of a smooth model', () => {
  // On the smooth stand-in, WP's central difference along v is ∇L·v up to O(ε²): its mean → the gradient.
  const { k, params, rng } = makeNet([2, 6, 6, 1], { T: 6, scale: 2, seed: 2 });
  const batch = 8;
  const x = randn(batch * 2, rng);
  const y = randn(batch, rng, 0.5);
  const obj = new MlpRegression(k, { surrogate: sigmoid(3), smooth: true }).setBatch(x, y, batch);
  const bp = bpGradient(obj, params).grad;
  const est = new WeightPerturbationEstimator({ directions: 1, epsilon: 1e-5, distribution: 'rademacher' });
  const r = new Rng(4);
  const mean = new Float64Array(obj.nParams);
  const N = 3000;
  for (let i = 0; i < N; i++) {
    const g = est.estimate(obj, params, r).grad;
    for (let j = 0; j < g.length; j++) mean[j] += g[j]! / N;
  }
  assert.ok(cosine(mean, bp) > 0.99, `cosine ${cosine(mean, bp)}`);
});

test('RFG directions and accumulation in WebAssembly give the plain loops\' bits, and leave the generator in the same state', () => {
  const { obj, params } = problem(7, 9);
  for (const perturbation of ['global', 'layer'] as const) {
    for (const directions of [1, 3, 40]) {
      const fast = new RfgEstimator({ perturbation, directions, distribution: 'rademacher' });
      const plain = new RfgEstimator({ perturbation, directions, distribution: 'rademacher', plain: true });
      const r1 = new Rng(31);
      const r2 = new Rng(31);
      for (let step = 0; step < 3; step++) {
        const a = fast.estimate(obj, params, r1);
        const b = plain.estimate(obj, params, r2);
        assert.equal(a.loss, b.loss);
        assert.deepEqual(a.grad, b.grad, `${perturbation} K=${directions} step ${step}`);
        assert.ok(a.grad.some((v) => v !== 0));
      }
      assert.deepEqual(r1.getState(), r2.getState());
      assert.equal(r1.nextU32(), r2.nextU32());
    }
  }
});
