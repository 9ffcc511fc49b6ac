/** DeepONet and SepONet: output structure and the three passes checked against each other and against FD. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contract, contractAdjoint, contractDot, tsContraction } from '../../src/networks/contraction.js';
import { WasmContraction } from '../../src/networks/wasm-contraction.js';
import { WasmThreadPool } from '../../src/networks/parallel-kernel.js';
import { wasmModule } from '../../src/networks/wasm-kernel.js';
import { gaussian, sigmoid, stein, type Surrogate } from '../../src/neurons/surrogates.js';
import { Rng } from '../../src/util/rng.js';
import { CASES, dot, makeOp, randn, relErr } from './helpers.js';

function surrogates(): Array<[string, Surrogate]> {
  const st = stein(0.5, 2);
  st.setKey(4242);
  return [
    ['gaussian', gaussian(0.4)],
    ['stein', st],
  ];
}

test('the contraction, its tangent and its adjoint match the naive sums (K = 1, 2, 3)', () => {
  const rng = new Rng(3);
  for (const n of [[4], [3, 5], [2, 3, 4]]) {
    const r = 3;
    const F = n.map((m) => randn(m * r, rng));
    const size = n.reduce((a, b) => a * b, 1);
    const y = contract(F, n, r, 0.25, new Float64Array(size));
    const gy = randn(size, rng);
    const G = F.map((f) => new Float64Array(f.length));
    contractAdjoint(F, n, r, gy, G);
    const naiveG = F.map((f) => new Float64Array(f.length));
    for (let idx = 0; idx < size; idx++) {
      // idx → (i_0, …, i_{K−1}), row-major.
      const ii: number[] = [];
      let rem = idx;
      for (let k = n.length - 1; k >= 0; k--) {
        ii[k] = rem % n[k]!;
        rem = Math.floor(rem / n[k]!);
      }
      let s = 0.25;
      for (let q = 0; q < r; q++) {
        let p = 1;
        for (let k = 0; k < n.length; k++) p *= F[k]![ii[k]! * r + q]!;
        s += p;
        for (let k = 0; k < n.length; k++) {
          let pe = 1;
          for (let j = 0; j < n.length; j++) if (j !== k) pe *= F[j]![ii[j]! * r + q]!;
          naiveG[k]![ii[k]! * r + q] += gy[idx]! * pe;
        }
      }
      assert.ok(Math.abs(y[idx]! - s) < 1e-12, `contract ${JSON.stringify(n)} at ${idx}`);
    }
    G.forEach((g, k) => g.forEach((v, i) => assert.ok(Math.abs(v - naiveG[k]![i]!) < 1e-12, `adjoint factor ${k}`)));
    assert.ok(Math.abs(contractDot(F, n, r, gy) - (dot(gy, y) - 0.25 * gy.reduce((a, b) => a + b, 0))) < 1e-10);
  }
});

test('the wasm contraction gives the reference contraction bit for bit (K = 1 … 4; odd sizes and ranks; blocks of 8 and tails)', () => {
  const rng = new Rng(11);
  const w = new WasmContraction();
  const same = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  const shapes: Array<[number[], number]> = [
    [[7], 5],
    [[196, 51], 32],
    [[3, 17], 9],
    [[1, 100, 100], 16],
    [[2, 9, 11], 3],
    [[4, 3, 2, 5], 6],
    [[5, 1], 1],
  ];
  for (const [n, r] of shapes) {
    const F = n.map((m) => randn(m * r, rng));
    const size = n.reduce((a, b) => a * b, 1);
    const gy = randn(size, rng);
    const c = rng.normal();
    const what = `${JSON.stringify(n)} r=${r}`;
    assert.ok(same(tsContraction.contract(F, n, r, c, new Float64Array(size)), w.contract(F, n, r, c, new Float64Array(size))), `contract ${what}`);
    // The adjoint accumulates into G: start both from the same nonzero values.
    const G1 = F.map((f) => randn(f.length, rng));
    const G2 = G1.map((g) => g.slice());
    tsContraction.contractAdjoint(F, n, r, gy, G1);
    w.contractAdjoint(F, n, r, gy, G2);
    G1.forEach((g, k) => assert.ok(same(g, G2[k]!), `adjoint factor ${k} ${what}`));
    assert.ok(Object.is(tsContraction.contractDot(F, n, r, gy), w.contractDot(F, n, r, gy)), `contractDot ${what}`);
  }
  // Split across two threads (a pool over the contraction's shared memory): still the same bits.
  const ws = new WasmContraction(true);
  const pool = new WasmThreadPool(wasmModule(true), [ws.sharedMemory], 2);
  ws.attachPool(pool, 0);
  for (const [n, r] of [shapes[1]!, shapes[3]!, shapes[2]!]) {
    const F = n.map((m) => randn(m * r, rng));
    const size = n.reduce((a, b) => a * b, 1);
    const gy = randn(size, rng);
    const what = `split ${JSON.stringify(n)} r=${r}`;
    assert.ok(same(tsContraction.contract(F, n, r, 0.5, new Float64Array(size)), ws.contract(F, n, r, 0.5, new Float64Array(size))), `contract ${what}`);
    const G1 = F.map((f) => new Float64Array(f.length));
    const G2 = F.map((f) => new Float64Array(f.length));
    tsContraction.contractAdjoint(F, n, r, gy, G1);
    ws.contractAdjoint(F, n, r, gy, G2);
    G1.forEach((g, k) => assert.ok(same(g, G2[k]!), `adjoint factor ${k} ${what}`));
    assert.ok(Object.is(tsContraction.contractDot(F, n, r, gy), ws.contractDot(F, n, r, gy)), `contractDot ${what}`);
  }
  pool.close();
  // A wrong answer would be caught: perturb one factor entry and the outputs differ.
  const F = [randn(6, rng), randn(8, rng)];
  const y0 = w.contract(F, [3, 4], 2, 0, new Float64Array(12));
  F[1]![3]! += 1e-9;
  assert.ok(!same(y0, tsContraction.contract(F, [3, 4], 2, 0, new Float64Array(12))));
});

test('batched outer-product output equals a naive per-point evaluation', () => {
  for (const kind of ['deeponet', 'seponet'] as const) {
    const opts = { surrogate: gaussian(0.4) };
    const { net, params, inputs, counts } = makeOp({ kind, localLosses: false }, opts);
    const y = net.predict(params, inputs, counts, opts);
    assert.equal(y.length, counts.reduce((a, b) => a * b, 1));
    net.setParams(params);
    const K = counts.length;
    const total = y.length;
    let nonConstant = 0;
    for (let idx = 0; idx < total; idx++) {
      const ii: number[] = [];
      let rem = idx;
      for (let k = K - 1; k >= 0; k--) {
        ii[k] = rem % counts[k]!;
        rem = Math.floor(rem / counts[k]!);
      }
      // Each factor net on its single input (batch 1), then Σ_q Π_k F_k[q] + b₀.
      const outs = net.kernels.map((ker, f) => ker.forward(inputs[f]!.subarray(ii[f]! * ker.dIn, (ii[f]! + 1) * ker.dIn), 1, opts));
      let s = params[net.b0Off]!;
      for (let q = 0; q < net.r; q++) s += outs.reduce((p, o) => p * o[q]!, 1);
      assert.ok(Math.abs(s - y[idx]!) < 1e-12, `${kind} entry ${idx}: ${s} vs ${y[idx]}`);
      if (Math.abs(y[idx]! - y[0]!) > 1e-6) nonConstant++;
    }
    assert.ok(nonConstant > total / 2, 'the output varies over the batch');
  }
});

test('tangent pass equals adjoint pass · v (global channels, M = 3), with and without LL heads', () => {
  for (const c of CASES) {
    for (const [name0, sur] of surrogates()) for (const mode of ['explicit', 'contracted'] as const) {
      const name = `${name0} ${mode}`;
      const { obj, params, rng, net } = makeOp(c, { surrogate: sur });
      // 'explicit' forms every dy in forward mode, independently of the contraction's adjoint.
      obj.tangentMode = mode;
      const P = obj.nParams;
      const M = 3;
      const V = randn(M * P, rng);
      const out = new Float64Array(M);
      const l1 = obj.lossAndJvp(params, V, M, out);
      const grad = new Float64Array(P);
      const l2 = obj.lossAndGrad(params, grad);
      assert.ok(relErr(l1, l2) < 1e-12 && relErr(l1, obj.loss(params)) < 1e-12, 'the three passes agree on the loss');
      assert.equal(net.heads.length, c.localLosses ? (c.kind === 'deeponet' ? 2 : 3) : 0);
      for (let m = 0; m < M; m++) {
        const rhs = dot(grad, V.subarray(m * P, (m + 1) * P));
        assert.ok(relErr(out[m]!, rhs) < 1e-9, `${JSON.stringify(c)} ${name} channel ${m}: ${out[m]} vs ${rhs}`);
      }
      // Every tensor gets a gradient (heads included).
      for (const t of net.layout.tensors) {
        const g = grad.subarray(t.offset, t.offset + t.size);
        assert.ok(g.some((v) => v !== 0), `${JSON.stringify(c)} ${name}: zero gradient for ${t.name}`);
      }
    }
  }
});

test('layer-restricted channels (one per group: every layer of every sub-network, bias0, heads) agree with the adjoint', () => {
  for (const c of CASES) {
    for (const [name0, sur] of surrogates()) for (const mode of ['explicit', 'contracted'] as const) {
      const name = `${name0} ${mode}`;
      const { obj, params, rng, net } = makeOp(c, { surrogate: sur }, { seed: 5 });
      obj.tangentMode = mode;
      const P = obj.nParams;
      const nG = net.layerRanges.length;
      // Groups tile the parameter vector.
      let covered = 0;
      for (const [a, b] of net.layerRanges) covered += b - a;
      assert.equal(covered, P);
      const V = new Float64Array(2 * nG * P);
      const group = new Int32Array(2 * nG);
      for (let m = 0; m < 2 * nG; m++) {
        const g = m % nG;
        const [a, b] = net.layerRanges[g]!;
        group[m] = g;
        V.subarray(m * P + a, m * P + b).set(randn(b - a, rng));
      }
      const restricted = new Float64Array(2 * nG);
      obj.lossAndJvp(params, V, 2 * nG, restricted, group);
      const full = new Float64Array(2 * nG);
      obj.lossAndJvp(params, V, 2 * nG, full);
      const grad = new Float64Array(P);
      obj.lossAndGrad(params, grad);
      for (let m = 0; m < 2 * nG; m++) {
        const rhs = dot(grad, V.subarray(m * P, (m + 1) * P));
        assert.ok(relErr(restricted[m]!, rhs) < 1e-9, `${JSON.stringify(c)} ${name} group ${group[m]}: ${restricted[m]} vs ${rhs}`);
        assert.ok(relErr(full[m]!, rhs) < 1e-9);
      }
    }
  }
});

test('central differences of the smooth stand-in agree with the tangent and adjoint passes', () => {
  for (const c of CASES) {
    for (const sur of [sigmoid(4), gaussian(0.6)]) {
      const { obj, params, rng } = makeOp(c, { surrogate: sur, smooth: true }, { seed: 2, T: 6, scale: 2 });
      obj.tangentMode = 'explicit';
      const P = obj.nParams;
      const v = randn(P, rng);
      const eps = 1e-6;
      const fd = (obj.loss(params.map((p, i) => p + eps * v[i]!)) - obj.loss(params.map((p, i) => p - eps * v[i]!))) / (2 * eps);
      const grad = new Float64Array(P);
      obj.lossAndGrad(params, grad);
      const out = new Float64Array(1);
      obj.lossAndJvp(params, v, 1, out);
      assert.ok(Math.abs(fd) > 1e-6);
      assert.ok(relErr(fd, dot(grad, v)) < 1e-5, `${JSON.stringify(c)} ${sur.spec.name}: FD ${fd} vs BP ${dot(grad, v)}`);
      assert.ok(relErr(fd, out[0]!) < 1e-5, `${JSON.stringify(c)} ${sur.spec.name}: FD ${fd} vs tangent ${out[0]}`);
    }
  }
});

test('sub-networks draw independent Stein samples (distinct noise offsets)', () => {
  const sur = stein(0.5, 1);
  sur.setKey(99);
  const { net } = makeOp({ kind: 'seponet', localLosses: false }, { surrogate: sur });
  const offs = net.kernels.map((_, f) => net.factorOpts({ surrogate: sur }, f).noiseOffset);
  assert.equal(new Set(offs).size, offs.length);
});

test('the wasm engine (kernels and contraction) gives the same loss, gradient and directional derivatives as the TS reference, bit for bit', async () => {
  const { OperatorNet, OperatorRegression } = await import('../../src/networks/deeponet.js');
  for (const c of CASES) {
    const ref = makeOp(c, { surrogate: gaussian(0.4) }, { seed: 8 });
    const wnet = new OperatorNet(ref.net.cfg, { backend: 'wasm', threads: 1 });
    const wobj = new OperatorRegression(wnet, { surrogate: gaussian(0.4) }).setInputs(ref.inputs, ref.counts, ref.target);
    const P = ref.obj.nParams;
    const g1 = new Float64Array(P);
    const g2 = new Float64Array(P);
    assert.equal(ref.obj.lossAndGrad(ref.params, g1), wobj.lossAndGrad(ref.params, g2));
    // One thread: wasm kernels and wasm contraction perform the reference's operations in its order.
    assert.deepEqual(g1, g2);
    const V = randn(3 * P, ref.rng);
    const o1 = new Float64Array(3);
    const o2 = new Float64Array(3);
    ref.obj.lossAndJvp(ref.params, V, 3, o1);
    wobj.lossAndJvp(ref.params, V, 3, o2);
    assert.deepEqual(o1, o2);
  }
});

test('threads: the sub-networks share one worker pool; results bit-identical to one thread (jvp per sample, gradient below the split size)', async () => {
  const { OperatorNet, OperatorRegression } = await import('../../src/networks/deeponet.js');
  for (const c of CASES) {
    const ref = makeOp(c, { surrogate: gaussian(0.4) }, { seed: 21, scale: 2 });
    const rng = new Rng(5);
    // Larger sample sets than makeOp's, so that every sub-network's tangent pass splits across the threads.
    const counts = ref.net.kernels.map((_, f) => (f === 0 ? 12 : 10 + 2 * f));
    const inputs = ref.net.kernels.map((k, f) => randn(counts[f]! * k.dIn, rng));
    const target = randn(counts.reduce((a, b) => a * b, 1), rng);
    const one = new OperatorRegression(ref.net, { surrogate: gaussian(0.4) }).setInputs(inputs, counts, target);
    const wnet = new OperatorNet(ref.net.cfg, { backend: 'wasm', threads: 2 });
    const two = new OperatorRegression(wnet, { surrogate: gaussian(0.4) }).setInputs(inputs, counts, target);
    const P = one.nParams;
    const V = randn(3 * P, rng);
    const o1 = new Float64Array(3);
    const o2 = new Float64Array(3);
    assert.equal(two.lossAndJvp(ref.params, V, 3, o2), one.lossAndJvp(ref.params, V, 3, o1));
    assert.deepEqual(o2, o1);
    // Every sub-network's last pass ran on both threads, through the one pool.
    for (const k of wnet.kernels) assert.equal((k as unknown as { lastPassTimes(): unknown[] }).lastPassTimes().length, 2, `${c.kind}: pass on 2 threads`);
    const g1 = new Float64Array(P);
    const g2 = new Float64Array(P);
    assert.equal(two.lossAndGrad(ref.params, g2), one.lossAndGrad(ref.params, g1));
    assert.deepEqual(g2, g1);
    wnet.kernels.forEach((k) => k.close?.());
    assert.throws(() => two.lossAndJvp(ref.params, V, 3, o2), /closed/);
  }
});
