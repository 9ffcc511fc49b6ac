/**
 * The worker-thread path of the wasm kernel: per-sample outputs bit-identical to one thread (and so to the
 * reference), the vjp gradient deterministic for a fixed thread count and equal to the one-thread gradient
 * up to summation order (|Δ| ≤ 1e-12 of the gradient's largest entry); the same for the Stein surrogates.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MlpKernel } from '../../src/networks/mlp.js';
import { WasmMlpKernel } from '../../src/networks/wasm-kernel.js';
import { gaussian, stein } from '../../src/neurons/surrogates.js';
import { Rng } from '../../src/util/rng.js';
import { assertBitEqual, assertClose, config, type NetCase, params, randn } from './helpers.js';

const GRAD_TOL = 1e-12;

const cases: NetCase[] = [
  { sizes: [2, 16, 16, 1], T: 16 },
  { sizes: [2, 9, 7, 3], neuron: { signed: true, leak: 0.85 }, T: 9 },
  { sizes: [3, 11, 4], readout: 'spike-rate', T: 8 },
];

test('threads: forward, tape, jvp and ∂L/∂x bit-identical to one thread; gradient deterministic and within 1e-12', () => {
  let seed = 300;
  for (const threads of [2, 3]) {
    for (const c of cases) {
      const cfg = config(c);
      const ref = new MlpKernel(cfg);
      const one = new WasmMlpKernel(cfg);
      const par = new WasmMlpKernel(cfg, { threads, minSamplesPerThread: 1 });
      try {
        const p = params(cfg, seed++);
        ref.setParams(p);
        one.setParams(p);
        par.setParams(p);
        const rng = new Rng(seed++);
        const opts = { surrogate: gaussian(0.5) };
        for (const batch of [1, 2, 5, 64]) {
          const what = `${JSON.stringify(c)} threads ${threads} batch ${batch}`;
          const x = randn(batch * cfg.sizes[0]!, rng);
          assertBitEqual(par.forward(x, batch, opts), one.forward(x, batch, opts), `${what}: forward`);
          const r1 = new Float64Array(ref.nSpiking);
          const r2 = new Float64Array(ref.nSpiking);
          const h1 = new Float64Array(batch * ref.N);
          const h2 = new Float64Array(batch * ref.N);
          const t1 = one.newTape(batch);
          const t2 = par.newTape(batch);
          assertBitEqual(par.forward(x, batch, opts, t2, r2, h2), one.forward(x, batch, opts, t1, r1, h1), `${what}: forward with tape`);
          assertBitEqual(r2, r1, `${what}: rates`);
          assertBitEqual(h2, h1, `${what}: hidden`);
          assertBitEqual(t2.s, t1.s, `${what}: tape spikes`);
          assertBitEqual(t2.sg, t1.sg, `${what}: tape slopes`);
          const gy = randn(batch * ref.dOut, rng);
          const gh = randn(batch * ref.N, rng);
          const g0 = randn(ref.nParams, rng, 0.01);
          const ga = g0.slice();
          const gb = g0.slice();
          const gc = g0.slice();
          assertBitEqual(par.vjp(x, t2, gy, gb, gh), one.vjp(x, t1, gy, ga, gh), `${what}: vjp ∂L/∂x`);
          par.vjp(x, t2, gy, gc, gh);
          assertBitEqual(gc, gb, `${what}: vjp gradient deterministic`);
          assertClose(gb, ga, GRAD_TOL, `${what}: vjp gradient vs one thread`);
          const M = 3;
          const V = randn(M * ref.nParams, rng);
          const first = Int32Array.from([0, 1, ref.layerRanges.length - 1]);
          const a = one.jvp(x, batch, V, M, opts, undefined, first);
          const b = par.jvp(x, batch, V, M, opts, undefined, first);
          assertBitEqual(b.y, a.y, `${what}: jvp y`);
          assertBitEqual(b.dy, a.dy, `${what}: jvp dy`);
          // And the one-thread kernel is the reference.
          assertBitEqual(a.dy, ref.jvp(x, batch, V, M, opts, undefined, first).dy, `${what}: jvp vs reference`);
        }
      } finally {
        one.close();
        par.close();
      }
    }
  }
});

test('threads: Stein surrogates (the counter index follows the batch index across threads)', () => {
  let seed = 700;
  for (const threads of [2, 3]) {
    for (const c of cases) {
      const cfg = config(c);
      const ref = new MlpKernel(cfg);
      const par = new WasmMlpKernel(cfg, { threads, minSamplesPerThread: 1 });
      try {
        const p = params(cfg, seed++);
        ref.setParams(p);
        par.setParams(p);
        const rng = new Rng(seed++);
        for (const sur of [stein(0.5, 1), stein(0.4, 2, true)]) {
          for (const [batch, noiseOffset] of [[1, 0], [5, 0], [64, 3 * 2 ** 24]] as const) {
            sur.setKey(seed++);
            const opts = { surrogate: sur, noiseOffset };
            const what = `${JSON.stringify(c)} ${sur.spec.name} threads ${threads} batch ${batch}`;
            const x = randn(batch * cfg.sizes[0]!, rng);
            const t1 = ref.newTape(batch);
            const t2 = par.newTape(batch);
            assertBitEqual(par.forward(x, batch, opts, t2), ref.forward(x, batch, opts, t1), `${what}: forward with tape`);
            assertBitEqual(t2.sg, t1.sg, `${what}: tape slopes`);
            const gy = randn(batch * ref.dOut, rng);
            const ga = new Float64Array(ref.nParams);
            const gb = new Float64Array(ref.nParams);
            const gc = new Float64Array(ref.nParams);
            assertBitEqual(par.vjp(x, t2, gy, gb), ref.vjp(x, t1, gy, ga), `${what}: vjp ∂L/∂x`);
            par.vjp(x, t2, gy, gc);
            assertBitEqual(gc, gb, `${what}: vjp gradient deterministic`);
            assertClose(gb, ga, GRAD_TOL, `${what}: vjp gradient vs reference`);
            const M = 3;
            const V = randn(M * ref.nParams, rng);
            const first = Int32Array.from([0, 1, ref.layerRanges.length - 1]);
            const a = ref.jvp(x, batch, V, M, opts, undefined, first);
            const b = par.jvp(x, batch, V, M, opts, undefined, first);
            assertBitEqual(b.y, a.y, `${what}: jvp y`);
            assertBitEqual(b.dy, a.dy, `${what}: jvp dy`);
          }
        }
      } finally {
        par.close();
      }
    }
  }
});

test('threads: small batches run on the calling thread by default, with the same results', () => {
  const cfg = config(cases[1]!);
  const one = new WasmMlpKernel(cfg);
  const par = new WasmMlpKernel(cfg, { threads: 2 });
  const p = params(cfg, 5);
  one.setParams(p);
  par.setParams(p);
  const rng = new Rng(6);
  const opts = { surrogate: gaussian(0.5) };
  for (const batch of [3, 40, 600]) {
    const x = randn(batch * 2, rng);
    assertBitEqual(par.forward(x, batch, opts), one.forward(x, batch, opts), `forward batch ${batch}`);
    const t1 = one.newTape(batch);
    const t2 = par.newTape(batch);
    one.forward(x, batch, opts, t1);
    par.forward(x, batch, opts, t2);
    const gy = randn(batch * 3, rng);
    const ga = new Float64Array(one.nParams);
    const gb = new Float64Array(one.nParams);
    assertBitEqual(par.vjp(x, t2, gy, gb), one.vjp(x, t1, gy, ga), `vjp ∂L/∂x batch ${batch}`);
    if (batch < 64) assertBitEqual(gb, ga, `vjp gradient batch ${batch} (one thread)`);
    else assertClose(gb, ga, GRAD_TOL, `vjp gradient batch ${batch}`);
    assert.equal(par.lastPassTimes().length, 2);
  }
  one.close();
  par.close();
});

test('threads: a closed kernel refuses passes; batch 0 works', () => {
  const cfg = config(cases[0]!);
  const k = new WasmMlpKernel(cfg, { threads: 2 });
  k.setParams(params(cfg, 1));
  assert.equal(k.forward(new Float64Array(0), 0, { surrogate: gaussian(0.5) }).length, 0);
  k.close();
  assert.throws(() => k.forward(new Float64Array(2), 1, { surrogate: gaussian(0.5) }), /closed/);
});
