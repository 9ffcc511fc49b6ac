/** The benchmark's MAC counts, peak derivation, model setups and batch shapes (bench/). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupSteps, slopesMs, STEPS } from '../../bench/kernels.js';
import { machinePeak, mlpPassMacs, operatorPassMacs, stepMacs } from '../../bench/macs.js';
import { batchShape, MODELS } from '../../bench/models.js';

test('MLP MAC counts by hand: 2→16→16→1, T = 32, one sample', () => {
  const p = mlpPassMacs({ sizes: [2, 16, 16, 1], n: 1 }, 32);
  // forward: W₁x once (32), W₂S over 32 steps (32·256), readout (16)
  assert.equal(p.forward, 32 + 32 * 256 + 16);
  // a global direction: dW₁x, dW₂S + W₂dS, dW_out r + W_out dr, and the dot with ḡy
  assert.equal(p.tangentGlobal, 32 + 2 * 32 * 256 + 2 * 16 + 1);
  // layer-wise: layer 0 (dW₁x, W₂dS, W_out dr), layer 1 (dW₂S, W_out dr), readout (dW_out r), each + the dot
  assert.deepEqual(p.tangentLayer, [32 + 8192 + 16 + 1, 8192 + 16 + 1, 16 + 1]);
  // adjoint: ∂W₁, ∂W₂ and ḡS₁, ∂W_out and ḡS₂ (no ∂x)
  assert.equal(p.adjoint, 32 + 2 * 8192 + 2 * 16);
  assert.equal(stepMacs(p, 'rfg-k8'), p.forward + 8 * p.tangentGlobal);
  assert.equal(mlpPassMacs({ sizes: [2, 16, 16, 1], n: 100 }, 32).forward, 100 * p.forward);
});

test('operator MAC counts: the combination is n₀n₁r (DeepONet), n₀n₁r + n₀n₁n₂r (SepONet)', () => {
  const f = (sizes: number[], n: number) => ({ sizes, n });
  const d = operatorPassMacs([f([51, 32, 32], 20), f([1, 32, 32], 51)], 32, 32);
  const nets = 20 * (51 * 32 + 32 * 32) + 51 * (32 + 32 * 32);
  assert.equal(d.forward, nets + 20 * 51 * 32);
  assert.equal(d.tangentBase, 2 * 20 * 51 * 32);
  assert.equal(d.adjoint, 2 * 20 * 51 * 32 + 20 * (51 * 32 + 2 * 32 * 32) + 51 * (32 + 2 * 32 * 32));
  const s = operatorPassMacs([f([100, 16, 16], 1), f([1, 16, 16], 10), f([1, 16, 16], 10)], 16, 32);
  assert.equal(s.tangentBase, 2 * (10 * 16 + 100 * 16));
  assert.equal(s.tangentLayer.length, 7); // two layers per factor net, then b₀
});

test('the benchmark models run every step, with one counted layer group per layerRange', () => {
  for (const model of MODELS) {
    const s = setupSteps('ts', 60, 0, model);
    try {
      assert.equal(s.setup.macs.tangentLayer.length, s.setup.obj.layerRanges.length, model);
      for (const step of STEPS) s.steps[step]();
      assert.ok(stepMacs(s.setup.macs, 'bp') > s.setup.macs.forward);
    } finally {
      s.close();
    }
  }
});

test('slopesMs times the kernel slope path on n values (the cost-claim table)', () => {
  const ms = slopesMs(4096, 5);
  assert.ok(Number.isFinite(ms) && ms > 0, `slopesMs gave ${ms}`);
});

test('batches as the peer reads them', () => {
  assert.deepEqual([100, 1000, 10000].map((b) => batchShape('deeponet', b).functions), [2, 20, 196]);
  assert.deepEqual([100, 1000, 10000].map((b) => batchShape('seponet', b).points), [10, 32, 100]);
  assert.equal(batchShape('mlp', 1000).total, 1000);
});

test('peak = cores × clock × float64 lanes × FMA units, from /proc/cpuinfo text', () => {
  const cpu = (vendor: string, family: number, flags: string, cores = 2) =>
    Array.from({ length: cores }, (_, i) => `processor\t: ${i}\nvendor_id\t: ${vendor}\ncpu family\t: ${family}\ncpu MHz\t\t: 2500.000\nphysical id\t: 0\ncore id\t\t: ${i}\nflags\t\t: fpu sse2 ${flags}\n`).join('\n');
  const zen4 = machinePeak(cpu('AuthenticAMD', 25, 'fma avx avx2 avx512f'));
  assert.equal(zen4.lanes, 8);
  assert.equal(zen4.fmaUnits, 1);
  assert.equal(zen4.gmacs, 2 * 2.5 * 8);
  const intel = machinePeak(cpu('GenuineIntel', 6, 'fma avx avx2 avx512f'));
  assert.equal(intel.gmacs, 2 * 2.5 * 8 * 2);
  const avx2 = machinePeak(cpu('GenuineIntel', 6, 'fma avx avx2', 4));
  assert.equal(avx2.gmacs, 4 * 2.5 * 4 * 2);
  // Two hyper-threads of one core count once.
  const smt = machinePeak(cpu('GenuineIntel', 6, 'fma avx avx2').replace('core id\t\t: 1', 'core id\t\t: 0'));
  assert.equal(smt.cores, 1);
});

test('npm run bench: a bad option gets one line and exit status 2, and nothing is written', async () => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const script = fileURLToPath(new URL('../../bench/bench.js', import.meta.url));
  for (const [argv, msg] of [
    [['--models', 'foo'], /^spikegrad bench: unknown model 'foo'/],
    [['--batches', '10,x'], /^spikegrad bench: --batches needs positive integers/],
    [['--backends', 'wasm3x'], /^spikegrad bench: unknown backend 'wasm3x'/],
    [['--bogus'], /^spikegrad bench: unknown option '--bogus'/],
    [['--rounds', '0'], /^spikegrad bench: --rounds needs a positive integer/],
  ] as Array<[string[], RegExp]>) {
    const r = spawnSync(process.execPath, [script, ...argv, '--no-write'], { encoding: 'utf8' });
    assert.equal(r.status, 2, argv.join(' '));
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${argv.join(' ')}`);
  }
});
