/**
 * The WebAssembly kernel against the TypeScript reference: bit-identical forward, tape, rates, hidden rates,
 * tangents and adjoints on random nets (several sizes incl. odd widths and > 64 neurons, leak < 1 and = 1,
 * signed or not, both readouts, batch 1 and odd batches, M = 1, 3, 8, firstLayer, input tangents), for every
 * surrogate the wasm code implements (Stein included, with noise offsets and changing keys); the reference
 * fallback (smooth); exp vs Math.exp; the Stein samples' log and cos2pi (assembly/stein.ts vs src/util/detmath.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MlpKernel, type PassOptions } from '../../src/networks/mlp.js';
import { createMlpKernel } from '../../src/networks/kernel.js';
import { MlpRegression } from '../../src/networks/mlp-objective.js';
import { WasmMlpKernel, WasmTape, surrogateCode } from '../../src/networks/wasm-kernel.js';
import { atan, fastSigmoid, gaussian, sigmoid, stein, type Surrogate } from '../../src/neurons/surrogates.js';
import { cos2pi, kernelCos, kernelSin, log } from '../../src/util/detmath.js';
import { Rng, hashUniform } from '../../src/util/rng.js';
import { assertBitEqual, config, type NetCase, nonzero, params, randn } from './helpers.js';

const cases: NetCase[] = [
  { sizes: [2, 16, 16, 1], T: 12 },
  { sizes: [3, 8, 5, 2], neuron: { leak: 0.8 } },
  { sizes: [2, 6, 7, 3], neuron: { signed: true } },
  { sizes: [2, 9, 4], neuron: { signed: true, leak: 0.9 }, readout: 'spike-rate' },
  { sizes: [4, 5, 6, 3], neuron: { threshold: 0.7 }, readout: 'spike-rate' },
  { sizes: [3, 70, 33, 2], neuron: { leak: 0.95 }, T: 6 },
  { sizes: [1, 3], readout: 'spike-rate', T: 9 },
  { sizes: [2, 12, 10, 11, 2], neuron: { signed: true, leak: 0.7 }, T: 7 },
  { sizes: [5, 130, 4], neuron: { signed: true }, T: 5 },
  // Wide linear readouts (vectorised across outputs: blocks of 8, a pair and an odd last output).
  { sizes: [3, 10, 11], T: 16 },
  { sizes: [2, 12, 9, 16], neuron: { leak: 0.9 }, T: 6 },
];

/** Runs every pass on both kernels and compares them bit for bit. */
function comparePasses(c: NetCase, sur: Surrogate, batch: number, seed: number, threads = 1, Ms = [1, 3, 8], noiseOffset?: number): void {
  const cfg = config(c);
  const ref = new MlpKernel(cfg);
  const wk = new WasmMlpKernel(cfg, { threads });
  try {
    const p = params(cfg, seed);
    ref.setParams(p);
    wk.setParams(p);
    const rng = new Rng(seed + 100);
    const dIn = cfg.sizes[0]!;
    const x = randn(batch * dIn, rng);
    const opts: PassOptions = noiseOffset === undefined ? { surrogate: sur } : { surrogate: sur, noiseOffset };
    const what = `${JSON.stringify(c)} ${sur.spec.name} K=${sur.spec.samples} batch ${batch} threads ${threads} noise ${noiseOffset}`;

    assertBitEqual(wk.forward(x, batch, opts), ref.forward(x, batch, opts), `${what}: forward`);

    const t1 = ref.newTape(batch);
    const t2 = wk.newTape(batch);
    const r1 = new Float64Array(ref.nSpiking).fill(0.25);
    const r2 = new Float64Array(ref.nSpiking).fill(0.25);
    const h1 = new Float64Array(batch * ref.N);
    const h2 = new Float64Array(batch * ref.N);
    assertBitEqual(wk.forward(x, batch, opts, t2, r2, h2), ref.forward(x, batch, opts, t1, r1, h1), `${what}: forward with tape`);
    assertBitEqual(r2, r1, `${what}: rates`);
    assertBitEqual(h2, h1, `${what}: hidden rates`);
    assertBitEqual(t2.s, t1.s, `${what}: tape spikes`);
    assertBitEqual(t2.sg, t1.sg, `${what}: tape slopes`);
    assert.ok(nonzero(t1.s) > 0, `${what}: some neurons fire`);
    assert.ok(nonzero(t1.sg) > 0, `${what}: some slopes are nonzero`);
    if (surrogateCode(sur)) assert.equal((t2 as WasmTape).ts, null, `${what}: the tape was filled in wasm`);

    const gy = randn(batch * ref.dOut, rng);
    const g0 = randn(ref.nParams, rng, 0.1);
    for (const gHidden of [undefined, randn(batch * ref.N, rng)]) {
      const ga = g0.slice();
      const gb = g0.slice();
      const gx1 = ref.vjp(x, t1, gy, ga, gHidden);
      const gx2 = wk.vjp(x, t2, gy, gb, gHidden);
      if (threads === 1) assertBitEqual(gb, ga, `${what}: vjp gradient${gHidden ? ' (gHidden)' : ''}`);
      assertBitEqual(gx2, gx1, `${what}: vjp ∂L/∂x${gHidden ? ' (gHidden)' : ''}`);
      // Without ∂L/∂x: the same parameter gradient, bit for bit, and an empty array.
      const gc = g0.slice();
      const gd = g0.slice();
      assert.equal(ref.vjp(x, t1, gy, gc, gHidden, false).length, 0, `${what}: no ∂L/∂x asked (ts)`);
      assert.equal(wk.vjp(x, t2, gy, gd, gHidden, false).length, 0, `${what}: no ∂L/∂x asked (wasm)`);
      assertBitEqual(gc, ga, `${what}: ts vjp gradient without ∂L/∂x`);
      assertBitEqual(gd, gb, `${what}: wasm vjp gradient without ∂L/∂x`);
    }

    for (const M of Ms) {
      const V = randn(M * ref.nParams, rng);
      const dx = randn(M * batch * dIn, rng);
      const nL = ref.layerRanges.length;
      const first = Int32Array.from({ length: M }, () => Math.floor(rng.uniform() * nL));
      const a = ref.jvp(x, batch, V, M, opts);
      const b = wk.jvp(x, batch, V, M, opts);
      assertBitEqual(b.y, a.y, `${what}: jvp M=${M} y`);
      assertBitEqual(b.dy, a.dy, `${what}: jvp M=${M} dy`);
      assert.ok(nonzero(a.dy) > 0, `${what}: nonzero tangents`);
      const c1 = ref.jvp(x, batch, V, M, opts, dx);
      const c2 = wk.jvp(x, batch, V, M, opts, dx);
      assertBitEqual(c2.dy, c1.dy, `${what}: jvp M=${M} with dx`);
      const hA = { r: new Float64Array(batch * ref.N), dr: new Float64Array(M * batch * ref.N) };
      const hB = { r: new Float64Array(batch * ref.N), dr: new Float64Array(M * batch * ref.N) };
      const d1 = ref.jvp(x, batch, V, M, opts, undefined, first, hA);
      const d2 = wk.jvp(x, batch, V, M, opts, undefined, first, hB);
      assertBitEqual(d2.dy, d1.dy, `${what}: jvp M=${M} firstLayer ${first.join(',')}`);
      assertBitEqual(hB.r, hA.r, `${what}: jvp hidden r`);
      assertBitEqual(hB.dr, hA.dr, `${what}: jvp hidden dr`);
    }
  } finally {
    wk.close();
  }
}

test('wasm kernel is bit-identical to the reference: every pass, Gaussian surrogate', () => {
  let seed = 1;
  for (const c of cases) for (const batch of [1, 7, 33]) comparePasses(c, gaussian(0.5), batch, seed++);
});

test('wasm kernel is bit-identical to the reference: atan, fast-sigmoid and sigmoid surrogates', () => {
  let seed = 50;
  for (const sur of [atan(2), fastSigmoid(25), sigmoid(5), gaussian(0.3)]) {
    assert.ok(surrogateCode(sur), `${sur.spec.name} runs in wasm`);
    for (const c of [cases[0]!, cases[2]!, cases[3]!, cases[5]!]) comparePasses(c, sur, 5, seed++, 1, [3]);
  }
});

/** The reference and the wasm kernel of case c with the same parameters (seed), and a batch of inputs. */
function kernelPair(c: NetCase, seed: number, batch: number) {
  const cfg = config(c);
  const ref = new MlpKernel(cfg);
  const wk = new WasmMlpKernel(cfg);
  const p = params(cfg, seed);
  ref.setParams(p);
  wk.setParams(p);
  const rng = new Rng(seed + 1);
  const x = randn(batch * cfg.sizes[0]!, rng);
  return { cfg, ref, wk, p, rng, batch, x };
}

test('zero and −0 tangents (dS = 0 inputs are skipped, signs of zero kept) match the reference bit for bit', () => {
  for (const c of [cases[0]!, cases[2]!, cases[7]!]) {
    const { cfg, ref, wk, p, rng, batch, x } = kernelPair(c, 17, 6);
    const P = ref.nParams;
    const M = 3;
    const V = randn(M * P, rng);
    const [a0, b0] = ref.layerRanges[0]!;
    V.fill(0, a0, b0); // channel 0: no tangent in layer 1, so its dS are exactly 0 …
    const [a1, b1] = ref.layerRanges[1]!;
    for (let i = a1; i < b1; i += 3) V[i] = -0; // … and some −0 above it
    V.fill(-0, P, 2 * P); // channel 1: all −0
    for (let i = 2 * P; i < 3 * P; i += 2) V[i] = i % 4 === 0 ? 0 : -0; // channel 2: half zeros
    const opts = { surrogate: gaussian(0.5) };
    const a = ref.jvp(x, batch, V, M, opts);
    const b = wk.jvp(x, batch, V, M, opts);
    assertBitEqual(b.dy, a.dy, `${JSON.stringify(c)}: jvp with zero tangents`);
    const hA = { r: new Float64Array(batch * ref.N), dr: new Float64Array(M * batch * ref.N) };
    const hB = { r: new Float64Array(batch * ref.N), dr: new Float64Array(M * batch * ref.N) };
    ref.jvp(x, batch, V, M, opts, undefined, undefined, hA);
    wk.jvp(x, batch, V, M, opts, undefined, undefined, hB);
    assertBitEqual(hB.dr, hA.dr, `${JSON.stringify(c)}: hidden dr with zero tangents`);
    // A huge (then an infinite) hidden weight: the tangent then skips zero dS terms like the reference.
    for (const big of [1e300, Infinity]) {
      const q = p.slice();
      q[ref.layerRanges[1]![0]] = big;
      ref.setParams(q);
      wk.setParams(q);
      assertBitEqual(wk.jvp(x, batch, V, M, opts).dy, ref.jvp(x, batch, V, M, opts).dy, `${JSON.stringify(c)}: weight ${big}`);
    }
    wk.close();
  }
});

test('layer-wise channels (parameter tangents +0 above their layer: spike terms not formed) match the reference bit for bit', () => {
  for (const c of [cases[0]!, cases[2]!, cases[7]!, cases[1]!]) {
    const { cfg, ref, wk, p, rng, batch, x } = kernelPair(c, 23, 5);
    const P = ref.nParams;
    const groups = ref.layerRanges.length;
    // One channel per layer as RfgEstimator builds them (zero outside the layer), then a channel whose layers
    // above its first are −0 (those sums must still be formed: −0 + −0 = −0).
    const M = groups + 1;
    const V = new Float64Array(M * P);
    const first = new Int32Array(M);
    for (let g = 0; g < groups; g++) {
      const [a, b] = ref.layerRanges[g]!;
      for (let i = a; i < b; i++) V[g * P + i] = rng.uniform() < 0.5 ? -1 : 1;
      first[g] = g;
    }
    const [a0, b0] = ref.layerRanges[0]!;
    V.fill(-0, groups * P, (groups + 1) * P);
    for (let i = a0; i < b0; i++) V[groups * P + i] = rng.uniform() - 0.5;
    const opts = { surrogate: gaussian(0.5) };
    const a = ref.jvp(x, batch, V, M, opts, undefined, first);
    const b = wk.jvp(x, batch, V, M, opts, undefined, first);
    assertBitEqual(b.dy, a.dy, `${JSON.stringify(c)}: layer-wise jvp`);
    assert.ok(nonzero(a.dy) > 0, `${JSON.stringify(c)}: nonzero tangents`);
    for (const threads of [2]) {
      const wk2 = new WasmMlpKernel(cfg, { threads });
      wk2.setParams(p);
      assertBitEqual(wk2.jvp(x, batch, V, M, opts, undefined, first).dy, a.dy, `${JSON.stringify(c)}: layer-wise jvp, ${threads} threads`);
      wk2.close();
    }
    wk.close();
  }
});

test('Stein surrogates (K = 1, 2, 3; antithetic) run in wasm, bit-identical to the reference', () => {
  let seed = 70;
  const sts = [stein(0.5, 1), stein(0.5, 2), stein(0.3, 3), stein(0.4, 1, true), stein(0.5, 2, true)];
  let key = 99;
  for (const st of sts) {
    st.setKey(key++);
    assert.ok(surrogateCode(st), `${st.spec.name} K=${st.spec.samples} runs in wasm`);
    for (const c of [cases[0]!, cases[1]!, cases[2]!, cases[3]!, cases[7]!]) comparePasses(c, st, 5, seed++, 1, [1, 3]);
  }
  // Every net shape (odd widths, > 64 neurons, signed, spike-rate readout), batch 1 and odd, M up to 8.
  const st = stein(0.5, 1);
  for (const c of cases) {
    st.setKey(key++);
    for (const batch of [1, 7]) comparePasses(c, st, batch, seed++);
  }
  // Noise offsets (DeepONet sub-networks use multiples of 2^24) and a new key between steps.
  for (const noise of [3, 2 ** 24, 5 * 2 ** 24 + 11]) {
    st.setKey(key++);
    comparePasses(cases[2]!, st, 6, seed++, 1, [2], noise);
    comparePasses(cases[5]!, stein(0.5, 2, true), 3, seed++, 1, [2], noise);
  }
  // Offsets that put the samples' counters across 2^32 inside a pass (the four-lane test needs the lanes'
  // high 32 bits equal and leaves a group that straddles the boundary to the scalar path): case 0 has
  // L·T·nMax = 384 elements per sample (K = 1: counter 2·index), case 5 840 (K = 2: counter 4·index); in case 4
  // (nMax = 6) the counter 2·index passes 2^32 between lanes 1 and 2 of sample 0, layer 0, step 1.
  st.setKey(key++);
  comparePasses(cases[0]!, st, 3, seed++, 1, [1], 5592405);
  comparePasses(cases[5]!, stein(0.5, 2, true), 3, seed++, 1, [1], 1278264);
  comparePasses(cases[4]!, st, 2, seed++, 1, [1], 17895697);
  // The key changes the slopes, and the wasm kernel follows it from pass to pass.
  const cfg = config(cases[0]!);
  const ref = new MlpKernel(cfg);
  const wk = new WasmMlpKernel(cfg);
  const p = params(cfg, 4);
  ref.setParams(p);
  wk.setParams(p);
  const x = randn(4 * 2, new Rng(5));
  const slopes = [7, 8, 7].map((k) => {
    st.setKey(k);
    const t1 = ref.newTape(4);
    const t2 = wk.newTape(4);
    ref.forward(x, 4, { surrogate: st }, t1);
    wk.forward(x, 4, { surrogate: st }, t2);
    assertBitEqual(t2.sg, t1.sg, `key ${k}`);
    return t1.sg;
  });
  assert.notDeepEqual(slopes[0], slopes[1]);
  assertBitEqual(slopes[2]!, slopes[0]!, 'same key, same slopes');
  wk.close();
});

test('Stein passes whose counter would pass 2^53 (or a fractional noise offset) run on the reference kernel', () => {
  const cfg = config(cases[0]!);
  const ref = new MlpKernel(cfg);
  const wk = new WasmMlpKernel(cfg);
  const p = params(cfg, 6);
  ref.setParams(p);
  wk.setParams(p);
  const x = randn(3 * 2, new Rng(7));
  const st = stein(0.5, 1);
  st.setKey(3);
  for (const noiseOffset of [2 ** 45, 0.5]) {
    const opts: PassOptions = { surrogate: st, noiseOffset };
    const t1 = ref.newTape(3);
    const t2 = wk.newTape(3);
    assertBitEqual(wk.forward(x, 3, opts, t2), ref.forward(x, 3, opts, t1), `noise ${noiseOffset}: forward`);
    assert.notEqual((t2 as WasmTape).ts, null, `noise ${noiseOffset}: reference tape`);
    assertBitEqual(t2.sg, t1.sg, `noise ${noiseOffset}: slopes`);
    const V = randn(2 * ref.nParams, new Rng(8));
    assertBitEqual(wk.jvp(x, 3, V, 2, opts).dy, ref.jvp(x, 3, V, 2, opts).dy, `noise ${noiseOffset}: jvp`);
  }
  wk.close();
});

test('a surrogate that only claims the name stein stays on the reference kernel', () => {
  const st = stein(0.5, 1);
  const fake: Surrogate = { ...st, d: (x, i) => st.d(x, i) * 1.0000001, setKey: st.setKey, key: 1 };
  assert.equal(surrogateCode(fake), null);
  comparePasses(cases[1]!, fake, 4, 90, 1, [2]);
});

test('smooth mode falls back to the reference (same results)', () => {
  const cfg = config(cases[1]!);
  const ref = new MlpKernel(cfg);
  const wk = new WasmMlpKernel(cfg);
  const p = params(cfg, 3, 1.5);
  ref.setParams(p);
  wk.setParams(p);
  const rng = new Rng(4);
  const x = randn(4 * 3, rng);
  const opts: PassOptions = { surrogate: sigmoid(4), smooth: true };
  const t1 = ref.newTape(4);
  const t2 = wk.newTape(4);
  assertBitEqual(wk.forward(x, 4, opts, t2), ref.forward(x, 4, opts, t1), 'smooth forward');
  const gy = randn(4 * 2, rng);
  const ga = new Float64Array(ref.nParams);
  const gb = new Float64Array(ref.nParams);
  assertBitEqual(wk.vjp(x, t2, gy, gb), ref.vjp(x, t1, gy, ga), 'smooth vjp gx');
  assertBitEqual(gb, ga, 'smooth vjp grad');
  const V = randn(2 * ref.nParams, rng);
  assertBitEqual(wk.jvp(x, 4, V, 2, opts).dy, ref.jvp(x, 4, V, 2, opts).dy, 'smooth jvp');
});

test('wasm exp (vector and scalar paths) is bit-identical to Math.exp', () => {
  const k = new WasmMlpKernel(config(cases[1]!));
  k.setParams(params(k.cfg, 1));
  const rng = new Rng(5);
  const special = [
    0, -0, 1, -1, 0.5, -0.5, 2 ** -28, -(2 ** -28), 2 ** -29, 3e-9, -3.7e-9, 2 ** -1074, Infinity, -Infinity, NaN,
    0.34657359027997264, 0.3465735912322998, 0.34657359123229975, -0.3465735912322998, 1.0397207708399179, 1.0397205352783203,
    -1.0397205352783203, 1.03972053527832, 708, -708, 707.9999999999999, -707.9999999999999, 708.0000000000001, 709.782712893384,
    709.7827128933841, 709.79, 710, -745.1332191019411, -745.1332191019412, -745.14, -720, -708.4, -708.3964185322641, 1000, -1000,
  ];
  const xs: number[] = [...special];
  for (let i = 0; i < 200000; i++) {
    const u = rng.uniform();
    if (i % 4 === 0) xs.push(-1490 * u + 745);
    else if (i % 4 === 1) xs.push(-2 * (6 * u - 3) * (6 * u - 3)); // Gaussian-surrogate arguments b·x², σ = 0.5
    else if (i % 4 === 2) xs.push((u - 0.5) * 3);
    else xs.push((u - 0.5) * 1e-6);
  }
  // Underflow range (fdlibm's k < −1021 and u_threshold branches), in pairs so that both vector lanes see it.
  for (let i = 0; i < 20000; i++) xs.push(-700 - 60 * rng.uniform(), -700 - 60 * rng.uniform());
  const arr = Float64Array.from(xs);
  const { vec, neg, scalar } = k.wasmExp(arr);
  for (let i = 0; i < arr.length; i++) {
    const e = Math.exp(arr[i]!);
    const en = Math.exp(-Math.abs(arr[i]!));
    if (!Object.is(vec[i], e)) assert.fail(`vector exp(${arr[i]}) = ${vec[i]}, Math.exp = ${e}`);
    if (!Object.is(neg[i], en)) assert.fail(`vector exp(${-Math.abs(arr[i]!)}) (x <= 0 path) = ${neg[i]}, Math.exp = ${en}`);
    if (!Object.is(scalar[i], e)) assert.fail(`scalar exp(${arr[i]}) = ${scalar[i]}, Math.exp = ${e}`);
  }
  k.close();
});

test('wasm Gaussian slopes (blocks of 32 in three exp stages, wide path, fallbacks, tail) are bit-identical to the reference', () => {
  const k = new WasmMlpKernel(config(cases[1]!)); // threshold 1, not signed
  const rng = new Rng(17);
  for (const sigma of [0.5, 0.3, 0.05]) {
    const sur = gaussian(sigma);
    const xs: number[] = [];
    // A block on the common path: |U − θ| within a few σ.
    for (let i = 0; i < 32; i++) xs.push(1 + sigma * 4 * (rng.uniform() - 0.5));
    // A block that needs the wide path: potentials far below θ (b·x² below −708 and below −745.13) among common ones.
    for (let i = 0; i < 32; i++) xs.push(i % 3 === 0 ? 1 - sigma * (37.7 + 2 * rng.uniform()) : i % 3 === 1 ? 1 - sigma * 60 * rng.uniform() : 1 + sigma * (rng.uniform() - 0.5));
    // Blocks the wide path does not cover: U = θ exactly (x = 0), within 10⁻⁹σ of θ, NaN, ±∞.
    for (const odd of [1, 1 + 1e-9 * sigma, NaN, -Infinity, Infinity]) {
      for (let i = 0; i < 32; i++) xs.push(i === 13 ? odd : 1 - sigma * 3 * rng.uniform());
    }
    // Mixed random blocks, then a tail of 5 values (pairs and the padded odd one).
    for (let i = 0; i < 32 * 40 + 5; i++) xs.push(1 + sigma * (rng.uniform() < 0.3 ? -50 * rng.uniform() : 6 * (rng.uniform() - 0.5)));
    const pre = Float64Array.from(xs);
    const got = k.wasmSlopes(pre, sur);
    let underflows = 0;
    for (let i = 0; i < pre.length; i++) {
      const want = sur.d(pre[i]! - 1, i);
      if (want === 0) underflows++;
      if (!Object.is(got[i], want)) assert.fail(`σ = ${sigma}: slope at U = ${pre[i]} is ${got[i]}, reference ${want}`);
    }
    assert.ok(underflows > 0, `σ = ${sigma}: some slopes underflow to 0`);
  }
  for (const sur of [atan(2), fastSigmoid(25), sigmoid(5)]) {
    const pre = Float64Array.from({ length: 101 }, () => 1 + 8 * (rng.uniform() - 0.5));
    const got = k.wasmSlopes(pre, sur);
    for (let i = 0; i < pre.length; i++) assert.ok(Object.is(got[i], sur.d(pre[i]! - 1, i)), `${sur.spec.name}: slope at ${pre[i]}`);
  }
  k.close();
});

test('Stein sample functions: wasm log, cos2pi and kernels bit-identical to src/util/detmath.ts; log = Math.log', () => {
  const k = new WasmMlpKernel(config(cases[1]!));
  k.setParams(params(k.cfg, 1));
  const n = 1 << 20;
  const u = new Float64Array(n);
  const wide = new Float64Array(n);
  const th = new Float64Array(n);
  const rng = new Rng(17);
  for (let i = 0; i < n; i++) {
    u[i] = hashUniform(0x5eed, i); // the Stein uniforms themselves
    wide[i] = Math.exp(1400 * (rng.uniform() - 0.5)); // log over the whole exponent range
    th[i] = (rng.uniform() - 0.5) * (Math.PI / 2); // the kernels' range [−π/4, π/4]
  }
  const special = [1, 2, 0.5, 1 - 2 ** -53, 1 + 2 ** -52, 2 ** -54, 2 ** -1074, 2 ** -1022, 5e-324 * 3, Number.MAX_VALUE, Math.E, 0, -0, -1, Infinity, -Infinity, NaN];
  const sweeps: Array<[string, number, Float64Array, (x: number) => number]> = [
    ['log (uniforms)', 0, u, log],
    ['log (wide)', 0, wide, log],
    ['log (special)', 0, Float64Array.from(special), log],
    ['cos2pi', 1, u, cos2pi],
    ['cos2pi (ends, quadrant boundaries)', 1, Float64Array.from([0, 1, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 2 ** -54, 1 - 2 ** -53, 0.25 + 2 ** -54, 0.125 - 2 ** -56]), cos2pi],
    ['kernelCos', 2, th, kernelCos],
    ['kernelSin', 3, th, kernelSin],
  ];
  for (const [name, which, xs, f] of sweeps) {
    const w = k.wasmDetMath(xs, which);
    for (let i = 0; i < xs.length; i++) if (!Object.is(w[i], f(xs[i]!))) assert.fail(`${name}(${xs[i]}): wasm ${w[i]}, TS ${f(xs[i]!)}`);
  }
  // fdlibm's log is V8's Math.log; the kernels are V8's (fdlibm) cos/sin on [−π/4, π/4] up to 1 ulp (engines
  // with another libm may differ in the last bit); cos2pi is cos(2πu) to ~1e-15.
  for (const xs of [u, wide]) for (const x of xs) if (!Object.is(log(x), Math.log(x))) assert.fail(`log(${x}) = ${log(x)}, Math.log = ${Math.log(x)}`);
  for (const x of special) assert.ok(Object.is(log(x), Math.log(x)), `log(${x})`);
  const bits = new BigInt64Array(2);
  const fb = new Float64Array(bits.buffer);
  const ulps = (p: number, q: number): number => {
    fb[0] = p;
    fb[1] = q;
    return Math.abs(Number(bits[0]! - bits[1]!));
  };
  for (const x of th) {
    assert.ok(ulps(kernelCos(x), Math.cos(x)) <= 1, `kernelCos(${x}) = ${kernelCos(x)}, Math.cos = ${Math.cos(x)}`);
    assert.ok(ulps(kernelSin(x), Math.sin(x)) <= 1, `kernelSin(${x}) = ${kernelSin(x)}, Math.sin = ${Math.sin(x)}`);
  }
  let worst = 0;
  for (const x of u) worst = Math.max(worst, Math.abs(cos2pi(x) - Math.cos(2 * Math.PI * x)));
  assert.ok(worst < 1e-15, `cos2pi vs Math.cos(2πu): ${worst}`);
  k.close();
});

test('the kernel holds one tape: a later forward pass with another tape invalidates the first', () => {
  const cfg = config(cases[0]!);
  const wk = new WasmMlpKernel(cfg);
  wk.setParams(params(cfg, 2));
  const rng = new Rng(1);
  const x = randn(3 * 2, rng);
  const opts = { surrogate: gaussian(0.5) };
  const t1 = wk.newTape(3);
  const t2 = wk.newTape(3);
  wk.forward(x, 3, opts, t1);
  wk.forward(x, 3, opts, t2);
  assert.throws(() => wk.vjp(x, t1, new Float64Array(3), new Float64Array(wk.nParams)), /overwritten/);
  assert.doesNotThrow(() => wk.vjp(x, t2, new Float64Array(3), new Float64Array(wk.nParams)));
  assert.throws(() => wk.vjp(x, wk.newTape(3), new Float64Array(3), new Float64Array(wk.nParams)), /not been filled/);
  assert.throws(() => wk.forward(x, 3, opts, wk.newTape(4)), /batch/);
  wk.close();
});

test('createMlpKernel and MlpRegression: the wasm backend gives the reference loss and gradient', () => {
  const cfg = config({ sizes: [2, 16, 16, 1], T: 16 });
  const p = params(cfg, 11, 1);
  const rng = new Rng(12);
  const batch = 25;
  const x = randn(batch * 2, rng);
  const y = randn(batch, rng);
  const results = (['ts', 'wasm'] as const).map((backend) => {
    const k = createMlpKernel(cfg, { backend });
    const obj = new MlpRegression(k, { surrogate: gaussian(0.5) }).setBatch(x, y, batch);
    const grad = new Float64Array(k.nParams);
    const loss = obj.lossAndGrad(p, grad);
    const out = new Float64Array(3);
    const V = randn(3 * k.nParams, new Rng(13));
    obj.lossAndJvp(p, V, 3, out, Int32Array.from([-1, 1, 2]));
    const fwd = obj.loss(p);
    k.close?.();
    return { loss, grad, out, fwd };
  });
  assert.ok(Object.is(results[0]!.loss, results[1]!.loss));
  assert.ok(Object.is(results[0]!.fwd, results[1]!.fwd));
  assertBitEqual(results[1]!.grad, results[0]!.grad, 'lossAndGrad');
  assertBitEqual(results[1]!.out, results[0]!.out, 'lossAndJvp');
  assert.throws(() => createMlpKernel(cfg, { backend: 'ts', threads: 2 }));
});
