/** Local losses: L = L_global + (1/N) Σ_n L_n, checked by hand; and the mean of RFG estimates → BP. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bpGradient } from '../../src/gradients/bp.js';
import { RfgEstimator } from '../../src/gradients/rfg.js';
import { mse } from '../../src/networks/loss.js';
import { gaussian } from '../../src/neurons/surrogates.js';
import { Rng } from '../../src/util/rng.js';
import { cosine, makeOp, relErr } from './helpers.js';

test('DeepONet LL loss = global + mean of the two local losses, computed by hand', () => {
  const opts = { surrogate: gaussian(0.4) };
  const { net, params, obj, inputs, counts, target } = makeOp({ kind: 'deeponet', localLosses: true }, opts, { latent: 3 });
  assert.deepEqual(
    net.layout.tensors.map((t) => t.name),
    [
      'branch.layers.0.weight', 'branch.layers.0.bias', 'branch.readout.weight', 'branch.readout.bias',
      'trunk.layers.0.weight', 'trunk.layers.0.bias', 'trunk.readout.weight', 'trunk.readout.bias',
      'bias0', 'heads.branch.0.weight', 'heads.branch.0.bias', 'heads.trunk.0.weight', 'heads.trunk.0.bias',
    ],
  );
  net.setParams(params);
  const [B, Q] = counts as [number, number];
  const r = net.r;
  const tensor = (name: string) => {
    const t = net.layout.tensors.find((x) => x.name === name)!;
    return params.subarray(t.offset, t.offset + t.size);
  };
  // Sub-networks on their own inputs, with the hidden layers' time-averaged spikes.
  const hb = new Float64Array(B * net.kernels[0]!.N);
  const ht = new Float64Array(Q * net.kernels[1]!.N);
  const b = net.kernels[0]!.forward(inputs[0]!, B, opts, undefined, undefined, hb);
  const t = net.kernels[1]!.forward(inputs[1]!, Q, opts, undefined, undefined, ht);
  const b0 = params[net.b0Off]!;
  const head = (w: Float64Array, c: Float64Array, h: Float64Array, i: number, width: number, q: number) => {
    let s = c[q]!;
    for (let j = 0; j < width; j++) s += w[q * width + j]! * h[i * width + j]!;
    return s;
  };
  const wB = net.kernels[0]!.width[0]!;
  const wT = net.kernels[1]!.width[0]!;
  const yG = new Float64Array(B * Q);
  const yB = new Float64Array(B * Q);
  const yT = new Float64Array(B * Q);
  for (let f = 0; f < B; f++) {
    for (let x = 0; x < Q; x++) {
      let g = b0;
      let lb = b0;
      let lt = b0;
      for (let q = 0; q < r; q++) {
        g += b[f * r + q]! * t[x * r + q]!;
        // Branch head: projection of the branch hidden layer, combined with the real trunk output.
        lb += head(tensor('heads.branch.0.weight'), tensor('heads.branch.0.bias'), hb, f, wB, q) * t[x * r + q]!;
        // Trunk head: projection of the trunk hidden layer, combined with the real branch output.
        lt += b[f * r + q]! * head(tensor('heads.trunk.0.weight'), tensor('heads.trunk.0.bias'), ht, x, wT, q);
      }
      yG[f * Q + x] = g;
      yB[f * Q + x] = lb;
      yT[f * Q + x] = lt;
    }
  }
  const expected = mse(yG, target) + (mse(yB, target) + mse(yT, target)) / 2;
  assert.ok(relErr(obj.loss(params), expected) < 1e-12, `${obj.loss(params)} vs ${expected}`);
  assert.ok(relErr(obj.lossAndGrad(params, new Float64Array(obj.nParams)), expected) < 1e-12);
  // Without heads the loss is the global one.
  const plain = makeOp({ kind: 'deeponet', localLosses: false }, opts, { latent: 3 });
  const pp = params.subarray(0, plain.net.nParams);
  assert.ok(relErr(plain.obj.loss(pp), mse(yG, plain.target)) < 1e-12);
});

for (const [perturbation, localLosses] of [['global', true], ['layer', true], ['global', false]] as const) {
  test(`mean of many RFG-${perturbation} estimates converges to the BP gradient (DeepONet${localLosses ? ' + LL' : ''})`, () => {
    const { obj, params } = makeOp({ kind: 'deeponet', localLosses }, { surrogate: gaussian(0.5) }, { T: 5, hidden: [3], latent: 2, scale: 2, seed: 4 });
    const bp = bpGradient(obj, params).grad;
    const est = new RfgEstimator({ perturbation, directions: 1, distribution: 'rademacher' });
    const rng = new Rng(17);
    const mean = new Float64Array(obj.nParams);
    const N = 6000;
    for (let i = 0; i < N; i++) {
      const g = est.estimate(obj, params, rng).grad;
      for (let j = 0; j < g.length; j++) mean[j] += g[j]! / N;
    }
    const c = cosine(mean, bp);
    assert.ok(c > 0.99, `P = ${obj.nParams}: cosine(mean RFG, BP) = ${c}`);
    assert.ok(cosine(est.estimate(obj, params, new Rng(1)).grad, bp) < 0.9, 'one estimate alone is far from BP');
  });
}
