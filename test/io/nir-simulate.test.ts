/**
 * The exported NIR graph means what spikegrad computes: a small discrete-time simulator written from NIR's node
 * equations alone (below; it knows nothing of spikegrad's neuron code) runs the graph read back from the file, and
 * must match spikegrad's forward pass. A second test runs a foreign graph (per-neuron thresholds, input gains,
 * v_leak, integrator gain) through the same simulator and through spikegrad after import.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type H5Dataset, type H5Group, type NirNodeSpec, NIR_DT, exportNir, importNir, readHdf5Tree, writeNirGraph } from '../../src/io/nir.js';
import * as mlpModule from '../../src/networks/mlp.js';
import { gaussian } from '../../src/neurons/surrogates.js';
import { type MlpConfig, mlpLayout } from '../../src/networks/types.js';
import { Rng } from '../../src/util/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-nirsim-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------------------
// A NIR simulator, discrete time, from the NIR 1.0 definitions:
//   Affine  y = W x + b           Linear  y = W x
//   LIF     τ dv/dt = (v_leak − v) + r·I, Euler with dt: v ← v + (dt/τ)(v_leak − v + r·I)
//   IF      dv/dt = r·I, per time step (as snnTorch/Sinabs read it): v ← v + r·I
//   I       the same integrator without spikes; its state is its output
//   spike z = 1 when v > v_threshold; reset v ← v_reset, or v ← v − z·v_threshold where the graph metadata
//   says reset_mode = "subtract".
// Edges carry values within the same time step. The output is the Output node's input at the last step.

function arr(n: H5Group, key: string, size?: number): Float64Array {
  const d = n.children[key] as H5Dataset | undefined;
  assert.ok(d && d.value instanceof Float64Array, `dataset ${key}`);
  const v = d.value;
  if (size !== undefined && v.length === 1 && size !== 1) return new Float64Array(size).fill(v[0]!);
  if (size !== undefined) assert.equal(v.length, size, key);
  return v;
}
function str(n: H5Group, key: string): string {
  const d = n.children[key] as H5Dataset;
  return (d.value as string[])[0]!;
}

function simulateNir(tree: H5Group, x: Float64Array, batch: number, T: number): Float64Array {
  const g = tree.children['node'] as H5Group;
  const nodes = (g.children['nodes'] as H5Group).children as Record<string, H5Group>;
  const edges = (g.children['edges'] as H5Dataset).value as string[];
  const meta = g.children['metadata'] as H5Group | undefined;
  const subtract = meta !== undefined && 'reset_mode' in meta.children && str(meta, 'reset_mode') === 'subtract';
  const dt = meta !== undefined && 'dt' in meta.children ? arr(meta, 'dt')[0]! : NIR_DT;
  const next = new Map<string, string>();
  for (let i = 0; i < edges.length; i += 2) next.set(edges[i]!, edges[i + 1]!);
  let name = Object.keys(nodes).find((k) => str(nodes[k]!, 'type') === 'Input')!;
  const chain: string[] = [];
  while (name !== undefined) {
    chain.push(name);
    name = next.get(name)!;
  }
  const dIn = Number(arr(nodes[chain[0]!]!, 'shape')[0]);
  const outName = chain[chain.length - 1]!;
  const dOut = Number(arr(nodes[outName]!, 'shape')[0]);
  const y = new Float64Array(batch * dOut);
  for (let b = 0; b < batch; b++) {
    const state = new Map<string, Float64Array>();
    let last = new Float64Array(dOut);
    for (let t = 0; t < T; t++) {
      let sig = x.slice(b * dIn, (b + 1) * dIn);
      for (const nm of chain.slice(1)) {
        const n = nodes[nm]!;
        const type = str(n, 'type');
        if (type === 'Affine' || type === 'Linear') {
          const W = n.children['weight'] as H5Dataset;
          const [out, inn] = W.shape as [number, number];
          const w = W.value as Float64Array;
          const bias = type === 'Affine' ? arr(n, 'bias', out) : new Float64Array(out);
          const o = new Float64Array(out);
          for (let j = 0; j < out; j++) {
            let s = bias[j]!;
            for (let i = 0; i < inn; i++) s += w[j * inn + i]! * sig[i]!;
            o[j] = s;
          }
          sig = o;
        } else if (type === 'IF' || type === 'LIF' || type === 'I') {
          const m = sig.length;
          const v = state.get(nm) ?? new Float64Array(m);
          state.set(nm, v);
          const r = arr(n, 'r', m);
          if (type === 'LIF') {
            const tau = arr(n, 'tau', m);
            const vl = arr(n, 'v_leak', m);
            for (let j = 0; j < m; j++) v[j] = v[j]! + (dt / tau[j]!) * (vl[j]! - v[j]! + r[j]! * sig[j]!);
          } else {
            for (let j = 0; j < m; j++) v[j] = v[j]! + r[j]! * sig[j]!;
          }
          if (type === 'I') {
            sig = v.slice();
          } else {
            const th = arr(n, 'v_threshold', m);
            const vr = 'v_reset' in n.children ? arr(n, 'v_reset', m) : new Float64Array(m);
            const z = new Float64Array(m);
            for (let j = 0; j < m; j++) {
              if (v[j]! > th[j]!) {
                z[j] = 1;
                v[j] = subtract ? v[j]! - th[j]! : vr[j]!;
              }
            }
            sig = z;
          }
        } else if (type === 'Output') {
          last = sig;
        } else {
          throw new Error(`simulator: no ${type}`);
        }
      }
    }
    y.set(last, b * dOut);
  }
  return y;
}

// ---------------------------------------------------------------------------------------------------------------

type Forward = (cfg: MlpConfig, params: Float64Array, x: Float64Array, batch: number) => Float64Array;

/** spikegrad's forward pass: `mlpForward` when the network module exports one, else the MLP kernel's. */
const spikegradForward: Forward =
  typeof (mlpModule as Record<string, unknown>)['mlpForward'] === 'function'
    ? ((mlpModule as Record<string, unknown>)['mlpForward'] as Forward)
    : (cfg, params, x, batch) => {
        const k = new mlpModule.MlpKernel(cfg);
        k.setParams(params);
        return k.forward(x, batch, { surrogate: gaussian(0.5) });
      };

function randn(n: number, rng: Rng, s = 1): Float64Array {
  const a = new Float64Array(n);
  rng.fillNormal(a, s);
  return a;
}

const cases: Array<[string, MlpConfig, number]> = [
  ['IF, linear readout', { kind: 'mlp', sizes: [3, 12, 10, 2], T: 16, neuron: { threshold: 1, leak: 1, signed: false }, readout: 'linear' }, 1.5],
  ['LIF λ = 0.85, θ = 0.8, linear readout', { kind: 'mlp', sizes: [2, 9, 3], T: 24, neuron: { threshold: 0.8, leak: 0.85, signed: false }, readout: 'linear' }, 2],
  ['LIF λ = 0.95, spike-rate readout', { kind: 'mlp', sizes: [4, 8, 6, 3], T: 12, neuron: { threshold: 1, leak: 0.95, signed: false }, readout: 'spike-rate' }, 2],
  ['IF, spike-rate readout', { kind: 'mlp', sizes: [2, 7, 2], T: 10, neuron: { threshold: 1.3, leak: 1, signed: false }, readout: 'spike-rate' }, 2.5],
];

for (const [label, cfg, scale] of cases) {
  test(`simulating the exported NIR graph from NIR's equations reproduces spikegrad's forward: ${label}`, async () => {
    const rng = new Rng(17);
    const params = new Float64Array(mlpLayout(cfg).size);
    rng.fillUniform(params, -scale, scale);
    const path = join(dir, 'sim.nir');
    await exportNir(path, cfg, params);
    const tree = await readHdf5Tree(path);
    const batch = 24;
    const x = randn(batch * cfg.sizes[0]!, rng);
    const want = spikegradForward(cfg, params, x, batch);
    const got = simulateNir(tree, x, batch, cfg.T);
    assert.equal(got.length, want.length);
    let maxErr = 0;
    for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i]! - want[i]!));
    assert.ok(maxErr <= 1e-9, `max |NIR − spikegrad| = ${maxErr}`);
    // The comparison means something: outputs vary across inputs (neurons fire, but not all the time).
    const distinct = new Set([...want].map((v) => v.toFixed(6)));
    assert.ok(distinct.size > 3, `outputs barely vary: ${[...distinct].join(' ')}`);
  });
}

test('a foreign graph with per-neuron thresholds, input gains, v_leak and an integrator gain imports to the same dynamics', async () => {
  const rng = new Rng(99);
  const dt = NIR_DT;
  const beta = 0.9;
  const tau = dt / (1 - beta);
  const sizes = [3, 6, 5, 2];
  const T = 10;
  const u = (n: number, lo: number, hi: number) => {
    const a = new Float64Array(n);
    rng.fillUniform(a, lo, hi);
    return a;
  };
  const f = (a: Float64Array | number[], shape?: number[]) => {
    const data = Float64Array.from(a);
    return { data, shape: shape ?? [data.length] };
  };
  const lif = (n: number): NirNodeSpec => ({
    type: 'LIF',
    params: {
      tau: f(new Array(n).fill(tau)),
      r: f(u(n, 5, 30)), // input gains r·dt/τ from 0.5 to 3
      v_leak: f(u(n, -0.3, 0.3)),
      v_threshold: f(u(n, 0.5, 2)),
      v_reset: f(new Array(n).fill(0)),
    },
  });
  const nodes: Array<[string, NirNodeSpec]> = [
    ['in', { type: 'Input', params: { shape: { data: BigInt64Array.of(3n), shape: [1] } } }],
    ['w0', { type: 'Linear', params: { weight: f(u(18, -2, 2), [6, 3]) } }],
    ['n0', lif(6)],
    ['w1', { type: 'Affine', params: { weight: f(u(30, -1.5, 1.5), [5, 6]), bias: f(u(5, -0.5, 0.5)) } }],
    ['n1', lif(5)],
    ['ro', { type: 'Affine', params: { weight: f(u(10, -1, 1), [2, 5]), bias: f(u(2, -1, 1)) } }],
    ['int', { type: 'I', params: { r: f([0.25, 0.05]) } }], // gains r·T = 2.5 and 0.5
    ['out', { type: 'Output', params: { shape: { data: BigInt64Array.of(2n), shape: [1] } } }],
  ];
  const path = join(dir, 'foreign.nir');
  await writeNirGraph(path, {
    nodes: Object.fromEntries(nodes),
    edges: nodes.slice(0, -1).map(([a], i) => [a, nodes[i + 1]![0]] as [string, string]),
    metadata: { reset_mode: 'subtract', time_steps: T, dt },
  });
  const { cfg, params, warnings } = await importNir(path);
  assert.deepEqual(cfg.sizes, sizes);
  assert.equal(cfg.readout, 'linear');
  assert.equal(cfg.T, T);
  assert.equal(cfg.neuron.threshold, 1);
  assert.ok(Math.abs(cfg.neuron.leak - beta) < 1e-15);
  for (const re of [/thresholds differ/, /input gains/, /v_leak ≠ 0/, /integrator's r ≠ 1\/T/]) {
    assert.ok(warnings.some((w) => re.test(w)), `warning ${re}`);
  }
  const batch = 32;
  const x = randn(batch * 3, rng, 1.5);
  const got = simulateNir(await readHdf5Tree(path), x, batch, T);
  const want = spikegradForward(cfg, params, x, batch);
  let maxErr = 0;
  for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i]! - want[i]!));
  assert.ok(maxErr <= 1e-9, `max |NIR − spikegrad| = ${maxErr}`);
  assert.ok(new Set([...want].map((v) => v.toFixed(6))).size > 3, 'outputs vary');
});
