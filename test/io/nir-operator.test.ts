/**
 * NIR export of operator networks (DeepONet, SepONet): one nested NIRGraph node per sub-network, each exactly the
 * graph `mlpToNirGraph` builds for it, top-level Input/Output nodes per sub-network, and the combination in the top
 * graph's metadata. Checked by reading the file back (h5wasm, and h5ls as an independent reader), by simulating each
 * sub-graph from NIR's node equations against the sub-network's forward pass, and by combining the simulated
 * sub-graph outputs as the metadata says against the whole network's prediction. The import refuses nested graphs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type H5Dataset, type H5Group, NIR_DT, exportOperatorNir, importNir, mlpToNirGraph, readHdf5Tree } from '../../src/io/nir.js';
import { saveModel } from '../../src/io/safetensors.js';
import { OperatorNet, type OperatorNetConfig, deepONetConfig } from '../../src/networks/deeponet.js';
import { MlpKernel } from '../../src/networks/mlp.js';
import { sepONetConfig } from '../../src/networks/seponet.js';
import { type MlpConfig, mlpLayout } from '../../src/networks/types.js';
import { gaussian } from '../../src/neurons/surrogates.js';
import { Rng } from '../../src/util/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-nirop-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const hasH5ls = spawnSync('h5ls', ['--version'], { encoding: 'utf8' }).status === 0;

// ---------------------------------------------------------------------------------------------------------------
// The NIR-equation simulator of nir-simulate.test.ts, run on one (sub-)graph group (nodes/, edges, metadata):
//   Affine y = W x + b; LIF v ← v + (dt/τ)(v_leak − v + r·I); IF and I v ← v + r·I; spike when v > v_threshold,
//   reset to v_reset or, with reset_mode = "subtract", v ← v − v_threshold. Output: the Output's input at step T.

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
  assert.ok(d && Array.isArray(d.value), `string dataset ${key}`);
  return (d.value as string[])[0]!;
}

function simulateGraph(g: H5Group, x: Float64Array, batch: number, T: number): Float64Array {
  const nodes = (g.children['nodes'] as H5Group).children as Record<string, H5Group>;
  const edges = (g.children['edges'] as H5Dataset).value as string[];
  const meta = g.children['metadata'] as H5Group | undefined;
  const subtract = meta !== undefined && 'reset_mode' in meta.children && str(meta, 'reset_mode') === 'subtract';
  const dt = meta !== undefined && 'dt' in meta.children ? arr(meta, 'dt')[0]! : NIR_DT;
  const next = new Map<string, string>();
  for (let i = 0; i < edges.length; i += 2) next.set(edges[i]!, edges[i + 1]!);
  let name: string | undefined = Object.keys(nodes).find((k) => str(nodes[k]!, 'type') === 'Input')!;
  const chain: string[] = [];
  while (name !== undefined) {
    chain.push(name);
    name = next.get(name);
  }
  const dIn = Number(arr(nodes[chain[0]!]!, 'shape')[0]);
  const dOut = Number(arr(nodes[chain[chain.length - 1]!]!, 'shape')[0]);
  const y = new Float64Array(batch * dOut);
  for (let b = 0; b < batch; b++) {
    const state = new Map<string, Float64Array>();
    let last = new Float64Array(dOut);
    for (let t = 0; t < T; t++) {
      let sig = x.slice(b * dIn, (b + 1) * dIn);
      for (const nm of chain.slice(1)) {
        const n = nodes[nm]!;
        const type = str(n, 'type');
        if (type === 'Affine') {
          const W = n.children['weight'] as H5Dataset;
          const [out, inn] = W.shape as [number, number];
          const w = W.value as Float64Array;
          const bias = arr(n, 'bias', out);
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
            const vr = arr(n, 'v_reset', m);
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

const bytesEqual = (a: Float64Array, b: Float64Array) =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function randomParams(net: OperatorNet, rng: Rng, scale: number): Float64Array {
  const p = new Float64Array(net.layout.size);
  rng.fillUniform(p, -scale, scale);
  return p;
}

function mlpForward(cfg: MlpConfig, params: Float64Array, x: Float64Array, batch: number): Float64Array {
  const k = new MlpKernel(cfg);
  k.setParams(params);
  return k.forward(x, batch, { surrogate: gaussian(0.5) });
}

interface Case {
  label: string;
  cfg: OperatorNetConfig;
  /** Inputs per factor: [count, values]. */
  inputs: (rng: Rng) => Array<[number, Float64Array]>;
  scaling?: { kind: 'min-max'; min: number; max: number };
}

const grid = (n: number) => Float64Array.from({ length: n }, (_, i) => i / (n - 1));
const cases: Case[] = [
  {
    label: 'DeepONet (LIF, local-loss heads, target scaling)',
    cfg: deepONetConfig({
      sensors: 5,
      coordDim: 1,
      branchHidden: [9],
      trunkHidden: [7, 6],
      latent: 4,
      T: 12,
      neuron: { threshold: 0.9, leak: 0.9, signed: false },
      localLosses: true,
    }),
    inputs: (rng) => {
      const g = new Float64Array(6 * 5);
      rng.fillNormal(g, 1.5);
      return [
        [6, g],
        [9, grid(9).map((v) => 4 * v - 2)],
      ];
    },
    scaling: { kind: 'min-max', min: -0.25, max: 1.75 },
  },
  {
    label: 'SepONet (IF, no heads)',
    cfg: sepONetConfig({ sensors: 4, branchHidden: [8], trunkHidden: [6], latent: 3, T: 10, neuron: { threshold: 1, leak: 1, signed: false }, localLosses: false }),
    inputs: (rng) => {
      const f = new Float64Array(5 * 4);
      rng.fillNormal(f, 1.5);
      return [
        [5, f],
        [4, grid(4).map((v) => 3 * v - 1.5)],
        [6, grid(6).map((v) => 4 * v - 2)],
      ];
    },
  },
];

for (const c of cases) {
  test(`operator NIR export: nested sub-graphs with bit-identical weights and the combination in the metadata — ${c.label}`, async () => {
    const rng = new Rng(5);
    const net = new OperatorNet(c.cfg);
    const params = randomParams(net, rng, 1.5);
    const path = join(dir, `${c.cfg.kind}.nir`);
    const warnings = await exportOperatorNir(path, { ...c.cfg, ...(c.scaling ? { target_scaling: c.scaling } : {}) }, params, net.layout);
    assert.ok(warnings.some((w) => /no node for the low-rank product/.test(w)));
    assert.ok(warnings.some((w) => /subtract/.test(w)));
    assert.equal(warnings.some((w) => /local-loss heads/.test(w)), c.cfg.localLosses);

    const tree = await readHdf5Tree(path);
    assert.equal(str(tree, 'version'), '1.0.0');
    const top = tree.children['node'] as H5Group;
    assert.equal(str(top, 'type'), 'NIRGraph');
    const names = c.cfg.factors.map((f) => f.name);
    const topNodes = (top.children['nodes'] as H5Group).children;
    assert.deepEqual(Object.keys(topNodes).sort(), names.flatMap((n) => [n, `input_${n}`, `output_${n}`]).sort());
    const topEdges = (top.children['edges'] as H5Dataset).value as string[];
    assert.deepEqual((top.children['edges'] as H5Dataset).shape, [2 * names.length, 2]);
    assert.deepEqual(topEdges, names.flatMap((n) => [`input_${n}`, n, n, `output_${n}`]));

    // Top metadata: combination, factors, rank, bias0 (exact), spikegrad's config (without the heads).
    const meta = top.children['metadata'] as H5Group;
    assert.equal(str(meta, 'combination'), 'sum_r prod_factors');
    assert.equal(str(meta, 'factors'), names.join(','));
    assert.equal(arr(meta, 'rank')[0], c.cfg.latent);
    assert.ok(Object.is(arr(meta, 'bias0')[0], params[net.b0Off]));
    assert.match(str(meta, 'note'), /NIR has no node for the product/);
    const sgCfg = JSON.parse(str(meta, 'spikegrad_config')) as Record<string, unknown>;
    assert.deepEqual(sgCfg, { ...c.cfg, localLosses: false, ...(c.scaling ? { target_scaling: c.scaling } : {}) });
    if (c.scaling) {
      assert.equal(arr(meta, 'target_min')[0], c.scaling.min);
      assert.equal(arr(meta, 'target_max')[0], c.scaling.max);
    }
    assert.ok(!JSON.stringify(Object.keys(topNodes)).includes('head'));

    const inputs = c.inputs(rng);
    const F: Float64Array[] = [];
    c.cfg.factors.forEach((f, k) => {
      // Input and Output shapes.
      assert.equal(str(topNodes[`input_${f.name}`] as H5Group, 'type'), 'Input');
      assert.deepEqual([...arr(topNodes[`input_${f.name}`] as H5Group, 'shape')], [f.mlp.sizes[0]]);
      assert.equal(str(topNodes[`output_${f.name}`] as H5Group, 'type'), 'Output');
      assert.deepEqual([...arr(topNodes[`output_${f.name}`] as H5Group, 'shape')], [c.cfg.latent]);
      // The sub-graph is exactly mlpToNirGraph's graph of the sub-network's parameter slice.
      const sub = topNodes[f.name] as H5Group;
      assert.equal(str(sub, 'type'), 'NIRGraph');
      const slice = net.factorParams(params, k).slice();
      const want = mlpToNirGraph(f.mlp, slice).graph;
      const subNodes = (sub.children['nodes'] as H5Group).children as Record<string, H5Group>;
      assert.deepEqual(Object.keys(subNodes).sort(), Object.keys(want.nodes).sort());
      assert.deepEqual((sub.children['edges'] as H5Dataset).value, want.edges.flat());
      for (const [nm, spec] of Object.entries(want.nodes)) {
        assert.equal(str(subNodes[nm]!, 'type'), spec.type, nm);
        for (const [p, a] of Object.entries(spec.params)) {
          const d = subNodes[nm]!.children[p] as H5Dataset;
          assert.deepEqual(d.shape, a.shape, `${f.name}/${nm}/${p} shape`);
          const data = a.data instanceof Float64Array ? a.data : Float64Array.from(a.data, Number);
          assert.ok(bytesEqual(d.value as Float64Array, data), `${f.name}/${nm}/${p} values`);
        }
      }
      const subMeta = sub.children['metadata'] as H5Group;
      for (const [key, v] of Object.entries(want.metadata)) {
        if (typeof v === 'string') assert.equal(str(subMeta, key), v, key);
        else assert.ok(Object.is(arr(subMeta, key)[0], v), key);
      }
      // The weights are the model's tensors, bit for bit.
      const layers = mlpLayout(f.mlp).tensors.filter((t) => t.name.endsWith('.weight'));
      for (const t of layers) {
        const full = net.layout.tensors.find((x) => x.name === `${f.name}.${t.name}`)!;
        const nodeName = t.name === 'readout.weight' ? 'readout' : `affine_${t.name.split('.')[1]}`;
        const got = (subNodes[nodeName]!.children['weight'] as H5Dataset).value as Float64Array;
        assert.ok(bytesEqual(got, params.subarray(full.offset, full.offset + full.size)), `${f.name}.${t.name}`);
      }
      // Simulating the sub-graph from NIR's equations gives the sub-network's forward pass.
      const [n, x] = inputs[k]!;
      const sim = simulateGraph(sub, x, n, f.mlp.T);
      const fwd = mlpForward(f.mlp, slice, x, n);
      assert.equal(sim.length, fwd.length);
      let maxErr = 0;
      for (let i = 0; i < sim.length; i++) maxErr = Math.max(maxErr, Math.abs(sim[i]! - fwd[i]!));
      assert.ok(maxErr <= 1e-9, `${f.name}: max |NIR − spikegrad| = ${maxErr}`);
      assert.ok(new Set([...fwd].map((v) => v.toFixed(6))).size > 3, `${f.name}: outputs barely vary`);
      F.push(sim);
    });

    // Combining the simulated sub-graph outputs as the metadata says gives the network's prediction.
    const counts = inputs.map(([n]) => n);
    const pred = net.predict(params, inputs.map(([, x]) => x), counts, { surrogate: gaussian(0.5) });
    const b0 = arr(meta, 'bias0')[0]!;
    const r = c.cfg.latent;
    let maxErr = 0;
    const idx = new Array<number>(counts.length).fill(0);
    for (let o = 0; o < pred.length; o++) {
      let rem = o;
      for (let k = counts.length - 1; k >= 0; k--) {
        idx[k] = rem % counts[k]!;
        rem = Math.floor(rem / counts[k]!);
      }
      let y = b0;
      for (let q = 0; q < r; q++) {
        let p = 1;
        for (let k = 0; k < counts.length; k++) p *= F[k]![idx[k]! * r + q]!;
        y += p;
      }
      maxErr = Math.max(maxErr, Math.abs(y - pred[o]!));
    }
    assert.ok(maxErr <= 1e-9, `combined: max |NIR − spikegrad| = ${maxErr}`);

    // Import refuses nested graphs with one clear line.
    await assert.rejects(importNir(path), (e: Error) => /nested graphs are not supported for import/.test(e.message) && !e.message.includes('\n'));

    // h5ls, an independent HDF5 reader, sees the nested layout.
    if (hasH5ls) {
      const ls = spawnSync('h5ls', ['-r', path], { encoding: 'utf8' });
      assert.equal(ls.status, 0, ls.stderr);
      const lines = ls.stdout;
      for (const f of c.cfg.factors) {
        assert.match(lines, new RegExp(`^/node/nodes/${f.name}\\s+Group$`, 'm'));
        assert.match(lines, new RegExp(`^/node/nodes/${f.name}/nodes\\s+Group$`, 'm'));
        assert.match(lines, new RegExp(`^/node/nodes/${f.name}/edges\\s+Dataset \\{${2 * f.mlp.sizes.length - 1}, 2\\}$`, 'm'));
        assert.match(lines, new RegExp(`^/node/nodes/${f.name}/metadata\\s+Group$`, 'm'));
        assert.match(lines, new RegExp(`^/node/nodes/${f.name}/nodes/affine_0/weight\\s+Dataset \\{${f.mlp.sizes[1]}, ${f.mlp.sizes[0]}\\}$`, 'm'));
        assert.match(lines, new RegExp(`^/node/nodes/${f.name}/nodes/readout/weight\\s+Dataset \\{${c.cfg.latent}, ${f.mlp.sizes[f.mlp.sizes.length - 2]}\\}$`, 'm'));
        assert.match(lines, new RegExp(`^/node/nodes/input_${f.name}/shape\\s+Dataset \\{1\\}$`, 'm'));
      }
      assert.match(lines, /^\/node\/metadata\/bias0\s+Dataset \{SCALAR\}$/m);
      assert.doesNotMatch(lines, /^\/node\/nodes\/\S*head/m);
    }
  });
}

test('export-nir accepts an operator model; import-nir refuses the file with one line', () => {
  const cfg = deepONetConfig({
    sensors: 3,
    coordDim: 1,
    branchHidden: [5],
    trunkHidden: [4],
    latent: 2,
    T: 8,
    neuron: { threshold: 1, leak: 1, signed: false },
    localLosses: true,
  });
  const net = new OperatorNet(cfg);
  const params = randomParams(net, new Rng(3), 1);
  const model = join(dir, 'op.safetensors');
  saveModel(model, net.layout, params, { ...cfg, target_scaling: { kind: 'min-max', min: 0, max: 2 }, problem: 'poisson', method: 'SG-BP' });
  const out = join(dir, 'op-cli.nir');
  const ex = cli(['export-nir', model, out]);
  assert.equal(ex.status, 0, ex.stderr);
  assert.match(ex.stdout, /deeponet: branch 3→5→2, trunk 1→4→2; rank 2/);
  assert.match(ex.stderr, /local-loss heads are training-only/);
  const im = cli(['import-nir', out, '-o', join(dir, 'imported')]);
  assert.notEqual(im.status, 0);
  const errLines = im.stderr.trim().split('\n');
  assert.equal(errLines.length, 1, im.stderr);
  assert.match(errLines[0]!, /nested graphs are not supported for import/);
});
