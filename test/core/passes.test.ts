/** The three passes of the spiking MLP checked against each other and against central differences. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussian, sigmoid, stein, type Surrogate } from '../../src/neurons/surrogates.js';
import { ifStep } from '../../src/neurons/if-neuron.js';
import { mse } from '../../src/networks/loss.js';
import type { PassOptions } from '../../src/networks/mlp.js';
import { Rng } from '../../src/util/rng.js';
import { dot, makeNet, randn, relErr } from './helpers.js';

const cases = [
  { sizes: [2, 16, 16, 1], neuron: {}, readout: 'linear' as const },
  { sizes: [3, 8, 5, 2], neuron: { leak: 0.8 }, readout: 'linear' as const },
  { sizes: [2, 6, 7, 3], neuron: { signed: true }, readout: 'linear' as const },
  { sizes: [2, 9, 4], neuron: { signed: true, leak: 0.9 }, readout: 'spike-rate' as const },
  { sizes: [4, 5, 6, 3], neuron: { threshold: 0.7 }, readout: 'spike-rate' as const },
];

function surrogates(): Array<[string, Surrogate]> {
  const st = stein(0.5, 3);
  st.setKey(12345);
  const sa = stein(0.4, 2, true);
  sa.setKey(777);
  return [
    ['gaussian', gaussian(0.5)],
    ['stein', st],
    ['stein-antithetic', sa],
  ];
}

test('tangent pass equals adjoint pass · v (parameters and input), float64', () => {
  for (const c of cases) {
    for (const [name, sur] of surrogates()) {
      const { k, rng } = makeNet(c.sizes, { T: 12, neuron: c.neuron, readout: c.readout, scale: 3, seed: 7 });
      const batch = 5;
      const x = randn(batch * c.sizes[0]!, rng);
      const opts: PassOptions = { surrogate: sur };
      const M = 3;
      const V = randn(M * k.nParams, rng);
      const dx = randn(M * batch * c.sizes[0]!, rng);
      const { y, dy } = k.jvp(x, batch, V, M, opts, dx);
      const tape = k.newTape(batch);
      const y2 = k.forward(x, batch, opts, tape);
      assert.deepEqual(y, y2, 'jvp primal output equals forward');
      const gy = randn(y.length, rng);
      const grad = new Float64Array(k.nParams);
      const gx = k.vjp(x, tape, gy, grad);
      let fired = 0;
      for (const v of tape.s) if (v !== 0) fired++;
      assert.ok(fired > 0, 'some neurons fire');
      for (let m = 0; m < M; m++) {
        const lhs = dot(gy, dy.subarray(m * y.length, (m + 1) * y.length));
        const rhs = dot(grad, V.subarray(m * k.nParams, (m + 1) * k.nParams)) + dot(gx, dx.subarray(m * x.length, (m + 1) * x.length));
        assert.ok(relErr(lhs, rhs) < 1e-10, `${JSON.stringify(c)} ${name} channel ${m}: ${lhs} vs ${rhs}`);
      }
    }
  }
});

test('layer-restricted tangents (firstLayer) give the same directional derivatives', () => {
  const { k, rng } = makeNet([2, 10, 10, 10, 2], { T: 10, scale: 3 });
  const batch = 4;
  const x = randn(batch * 2, rng);
  const opts = { surrogate: gaussian(0.5) };
  const nL = k.layerRanges.length;
  const V = new Float64Array(nL * k.nParams);
  k.layerRanges.forEach(([a, b], g) => V.subarray(g * k.nParams + a, g * k.nParams + b).set(randn(b - a, rng)));
  const full = k.jvp(x, batch, V, nL, opts);
  const restricted = k.jvp(x, batch, V, nL, opts, undefined, Int32Array.from(k.layerRanges.map((_, g) => g)));
  for (let i = 0; i < full.dy.length; i++) assert.ok(Math.abs(full.dy[i]! - restricted.dy[i]!) <= 1e-12 * (1 + Math.abs(full.dy[i]!)));
  assert.ok(full.dy.some((v) => v !== 0));
});

test('central differences of a smooth stand-in agree with the tangent and adjoint passes', () => {
  // With `smooth`, the spike is the surrogate's primitive and the reset the hard step (zero derivative almost
  // everywhere), so the passes compute this model's exact derivative, detached reset included.
  for (const c of cases) {
    for (const sur of [sigmoid(4), gaussian(0.6)]) {
      const { k, params, rng } = makeNet(c.sizes, { T: 10, neuron: c.neuron, readout: c.readout, scale: 2.5, seed: 3 });
      const batch = 3;
      const x = randn(batch * c.sizes[0]!, rng);
      const target = randn(batch * c.sizes[c.sizes.length - 1]!, rng, 0.3);
      const opts: PassOptions = { surrogate: sur, smooth: true };
      const lossAt = (p: Float64Array) => {
        k.setParams(p);
        return mse(k.forward(x, batch, opts), target);
      };
      const v = randn(k.nParams, rng);
      const eps = 1e-6;
      const pp = params.map((p, i) => p + eps * v[i]!);
      const pm = params.map((p, i) => p - eps * v[i]!);
      const fd = (lossAt(pp) - lossAt(pm)) / (2 * eps);
      k.setParams(params);
      const tape = k.newTape(batch);
      const y = k.forward(x, batch, opts, tape);
      const gy = new Float64Array(y.length);
      mse(y, target, gy);
      const grad = new Float64Array(k.nParams);
      k.vjp(x, tape, gy, grad);
      const bp = dot(grad, v);
      const { dy } = k.jvp(x, batch, v, 1, opts);
      const tan = dot(gy, dy);
      assert.ok(Math.abs(fd) > 1e-6, 'the difference is not trivially zero');
      assert.ok(relErr(fd, bp) < 1e-5, `${JSON.stringify(c)} ${sur.spec.name}: FD ${fd} vs BP ${bp}`);
      assert.ok(relErr(fd, tan) < 1e-5, `${JSON.stringify(c)} ${sur.spec.name}: FD ${fd} vs tangent ${tan}`);
    }
  }
});

test('a wrong sign or a missing term would be caught: the reset must carry no gradient', () => {
  // Differencing the same stand-in with a smooth reset gives a different derivative: the test above
  // distinguishes the two models.
  const { k, params, rng } = makeNet([2, 8, 8, 1], { T: 10, scale: 2.5, seed: 3 });
  const sur = sigmoid(4);
  const batch = 3;
  const x = randn(batch * 2, rng);
  const v = randn(k.nParams, rng);
  k.setParams(params);
  const { dy } = k.jvp(x, batch, v, 1, { surrogate: sur, smooth: true });
  // A hand-written smooth-reset simulation of the same network.
  const smoothResetOut = (p: Float64Array) => {
    k.setParams(p);
    return simulateSmoothReset(k, p, x, batch, sur.smooth!);
  };
  const eps = 1e-6;
  const yp = smoothResetOut(params.map((q, i) => q + eps * v[i]!));
  const ym = smoothResetOut(params.map((q, i) => q - eps * v[i]!));
  let differs = 0;
  for (let i = 0; i < dy.length; i++) if (relErr((yp[i]! - ym[i]!) / (2 * eps), dy[i]!) > 1e-3) differs++;
  assert.ok(differs > 0, 'the detached-reset derivative differs from the smooth-reset one');
});

function simulateSmoothReset(k: ReturnType<typeof makeNet>['k'], p: Float64Array, x: Float64Array, batch: number, P: (x: number) => number): Float64Array {
  const { T, neuron } = k.cfg;
  const y = new Float64Array(batch * k.dOut);
  for (let b = 0; b < batch; b++) {
    const u = k.width.map((n) => new Float64Array(n));
    const s = k.width.map((n) => new Float64Array(n));
    const count = k.width.map((n) => new Float64Array(n));
    for (let t = 0; t < T; t++) {
      for (let l = 0; l < k.nSpiking; l++) {
        const n = k.width[l]!;
        const nIn = k.fanIn[l]!;
        for (let o = 0; o < n; o++) {
          let z = p[k.bOff[l]! + o]!;
          for (let i = 0; i < nIn; i++) z += p[k.wOff[l]! + o * nIn + i]! * (l === 0 ? x[b * k.dIn + i]! : s[l - 1]![i]!);
          const uPre = neuron.leak * u[l]![o]! + z;
          const so = P(uPre - neuron.threshold);
          u[l]![o] = uPre - neuron.threshold * so;
          s[l]![o] = so;
          count[l]![o]! += so;
        }
      }
    }
    const last = count[k.nSpiking - 1]!;
    for (let o = 0; o < k.dOut; o++) {
      let acc = 0;
      for (let i = 0; i < last.length; i++) acc += p[k.rwOff + o * last.length + i]! * last[i]!;
      y[b * k.dOut + o] = acc / T + p[k.rbOff + o]!;
    }
  }
  return y;
}

test('the fused forward kernel matches a step-by-step simulation with the pure neuron step', () => {
  for (const c of cases) {
    const { k, params, rng, cfg } = makeNet(c.sizes, { T: 16, neuron: c.neuron, readout: c.readout, scale: 3, seed: 11 });
    const batch = 6;
    const x = randn(batch * c.sizes[0]!, rng);
    const y = k.forward(x, batch, { surrogate: gaussian() });
    for (let b = 0; b < batch; b++) {
      const state = k.width.map((n) => Array.from({ length: n }, () => ({ u: 0 })));
      let prev: number[] = Array.from(x.subarray(b * k.dIn, (b + 1) * k.dIn));
      const counts = k.width.map((n) => new Float64Array(n));
      const spikesPrev = k.width.map((n) => new Array<number>(n).fill(0));
      for (let t = 0; t < cfg.T; t++) {
        for (let l = 0; l < k.nSpiking; l++) {
          const input = l === 0 ? prev : spikesPrev[l - 1]!;
          for (let o = 0; o < k.width[l]!; o++) {
            // Sum in the kernel's order (bias, then inputs in index order) so that results match bit for bit.
            let z = params[k.bOff[l]! + o]!;
            if (l === 0) {
              let acc = params[k.bOff[0]! + o]!;
              for (let i = 0; i < k.dIn; i++) acc += params[k.wOff[0]! + o * k.dIn + i]! * input[i]!;
              z = acc;
            } else {
              for (let i = 0; i < input.length; i++) if (input[i] !== 0) z += input[i]! * params[k.wOff[l]! + o * k.fanIn[l]! + i]!;
            }
            const r = ifStep(z, state[l]![o]!, cfg.neuron);
            state[l]![o] = r.state;
            spikesPrev[l]![o] = r.spike;
            counts[l]![o]! += r.spike;
          }
        }
      }
      const last = counts[k.nSpiking - 1]!;
      for (let o = 0; o < k.dOut; o++) {
        let expect: number;
        if (cfg.readout === 'spike-rate') expect = last[o]! / cfg.T;
        else {
          let acc = 0;
          for (let i = 0; i < last.length; i++) acc += params[k.rwOff + o * last.length + i]! * last[i]!;
          expect = acc / cfg.T + params[k.rbOff + o]!;
        }
        assert.ok(Math.abs(y[b * k.dOut + o]! - expect) < 1e-12, `${JSON.stringify(c)} sample ${b} output ${o}`);
      }
      prev = [];
    }
  }
});

test('signed spikes are ternary and subtract ±θ', () => {
  const n = { threshold: 1, leak: 1, signed: true };
  let s = { u: 0 };
  const r1 = ifStep(-1.5, s, n);
  assert.equal(r1.spike, -1);
  assert.equal(r1.state.u, -0.5);
  s = { u: 0 };
  assert.equal(ifStep(1, s, n).spike, 1, 'H(0) = 1');
  assert.equal(ifStep(0.99, s, n).spike, 0);
  assert.equal(ifStep(-1, s, n).spike, -1);
});

test('a new Rng per seed: same seed, same draws', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  for (let i = 0; i < 100; i++) assert.equal(a.uniform(), b.uniform());
  assert.notEqual(new Rng(43).uniform(), new Rng(42).uniform());
});

test('hidden-layer rates (local-loss heads): tangent of r equals adjoint with ∂L/∂r', () => {
  for (const c of cases) {
    const { k, rng } = makeNet(c.sizes, { T: 9, neuron: c.neuron, readout: c.readout, scale: 3, seed: 21 });
    const batch = 4;
    const x = randn(batch * c.sizes[0]!, rng);
    const opts = { surrogate: gaussian(0.5) };
    const M = 2;
    const V = randn(M * k.nParams, rng);
    const hidden = { r: new Float64Array(batch * k.N), dr: new Float64Array(M * batch * k.N) };
    const { y, dy } = k.jvp(x, batch, V, M, opts, undefined, undefined, hidden);
    const tape = k.newTape(batch);
    const r2 = new Float64Array(batch * k.N);
    k.forward(x, batch, opts, tape, undefined, r2);
    assert.deepEqual(hidden.r, r2);
    const gy = randn(y.length, rng);
    const gr = randn(batch * k.N, rng);
    const grad = new Float64Array(k.nParams);
    k.vjp(x, tape, gy, grad, gr);
    for (let m = 0; m < M; m++) {
      const lhs = dot(gy, dy.subarray(m * y.length, (m + 1) * y.length)) + dot(gr, hidden.dr.subarray(m * batch * k.N, (m + 1) * batch * k.N));
      const rhs = dot(grad, V.subarray(m * k.nParams, (m + 1) * k.nParams));
      assert.ok(relErr(lhs, rhs) < 1e-10, `${JSON.stringify(c)} channel ${m}: ${lhs} vs ${rhs}`);
    }
  }
});

test('generator state round-trips through getState/setState at any point of the stream', () => {
  const a = new Rng(99);
  for (let i = 0; i < 1000; i++) {
    a.nextU32();
    const b = Rng.fromState(a.getState());
    assert.equal(b.nextU32(), Rng.fromState(a.getState()).nextU32());
  }
  const c = new Rng(5);
  for (let i = 0; i < 37; i++) c.uniform();
  const d = Rng.fromState(c.getState());
  for (let i = 0; i < 100; i++) assert.equal(c.uniform(), d.uniform());
});
