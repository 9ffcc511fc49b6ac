/** NIR export/import: round trip, layout as an independent HDF5 reader sees it, foreign graphs, damaged files. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type NirGraphSpec, type NirNodeSpec, NIR_DT, exportNir, importNir, readHdf5Tree, snapLeak, writeNirGraph } from '../../src/io/nir.js';
import { type MlpConfig, mlpLayout } from '../../src/networks/types.js';
import { UserError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-nir-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const bytesOf = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function mlp(sizes: number[], neuron: Partial<MlpConfig['neuron']> = {}, readout: MlpConfig['readout'] = 'linear', T = 16): MlpConfig {
  return { kind: 'mlp', sizes, T, neuron: { threshold: 1, leak: 1, signed: false, ...neuron }, readout };
}

function randomParams(cfg: MlpConfig, seed = 1, scale = 1.5): Float64Array {
  const p = new Float64Array(mlpLayout(cfg).size);
  new Rng(seed).fillUniform(p, -scale, scale);
  return p;
}

async function assertUserErrorAsync(fn: () => Promise<unknown>, part: RegExp, name: string): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), `message is not one line: ${e.message}`);
    assert.ok(e.message.includes(name), `message does not name the file: ${e.message}`);
    assert.match(e.message, part);
    return true;
  });
}

const roundTripCases: Array<[string, MlpConfig]> = [
  ['IF, linear readout', mlp([2, 16, 16, 1])],
  ['LIF λ = 0.9, linear readout, θ = 0.5', mlp([3, 7, 4], { leak: 0.9, threshold: 0.5 }, 'linear', 32)],
  ['LIF λ = 0.3, spike-rate readout', mlp([4, 6, 5, 2], { leak: 0.3 }, 'spike-rate', 8)],
  ['LIF λ = 0.999', mlp([2, 5, 1], { leak: 0.999 })],
  ['LIF λ = 0.1234567891234', mlp([2, 5, 1], { leak: 0.1234567891234 })],
  ['signed IF, spike-rate', mlp([2, 3, 3], { signed: true, threshold: 2 }, 'spike-rate', 1)],
];

for (const [label, cfg] of roundTripCases) {
  test(`NIR export → import round trip is exact: ${label}`, async () => {
    const params = randomParams(cfg, 7);
    params[1] = -0;
    const path = join(dir, 'rt.nir');
    const warnings = await exportNir(path, cfg, params);
    assert.ok(warnings.some((w) => /subtract reset/.test(w) && /reset_mode = "subtract"/.test(w)), 'subtract-reset warning');
    assert.equal(warnings.some((w) => /ternary/.test(w)), cfg.neuron.signed);
    const back = await importNir(path);
    assert.deepEqual(back.cfg, cfg);
    assert.deepEqual(bytesOf(back.params), bytesOf(params));
    assert.deepEqual(back.warnings, []);
  });
}

test('the LIF mapping inverts exactly: snapLeak(dt / (1 − λ)) maps back to the same τ, and usually to λ itself', () => {
  const rng = new Rng(3);
  let same = 0;
  const N = 20000;
  for (let i = 0; i < N; i++) {
    const lam = i % 2 ? rng.uniform() : 1 - rng.uniform() * 1e-3;
    const tau = NIR_DT / (1 - lam);
    const back = snapLeak(tau, NIR_DT);
    assert.equal(NIR_DT / (1 - back), tau, `λ = ${lam}`);
    if (back === lam) same++;
  }
  // Above 0.5, 1 − λ is exact and distinct λ give distinct τ; below, several λ can share a τ (spikegrad's own
  // files restore λ from their metadata).
  assert.ok(same / N > 0.95, `only ${same} of ${N} leaks restored bit for bit`);
});

// ---------------------------------------------------------------------------------------------------------------
// Independent reader: Debian's hdf5-tools (h5ls, h5dump), the HDF Group's own C tools.

const hasH5dump = spawnSync('h5dump', ['--version'], { encoding: 'utf8' }).status === 0;
const SKIP_H5 = hasH5dump ? false : 'h5dump not found: install hdf5-tools (apt-get install -y hdf5-tools) to run the independent-reader check';

interface DumpedDataset {
  type: string;
  cset?: string;
  strsize?: string;
  shape: number[];
  values: Array<string | number>;
}

/** Parse `h5dump -w 0 -m %.17g` output into groups and datasets by path. */
function h5dumpTree(path: string): { groups: Set<string>; datasets: Map<string, DumpedDataset>; text: string } {
  const r = spawnSync('h5dump', ['-w', '0', '-m', '%.17g', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `h5dump failed: ${r.stderr}`);
  const groups = new Set<string>();
  const datasets = new Map<string, DumpedDataset>();
  const stack: Array<{ kind: string; path?: string }> = [];
  let ds: DumpedDataset | null = null;
  const cur = () => [...stack].reverse().find((s) => s.kind === 'group')!.path!;
  for (const raw of r.stdout.split('\n')) {
    const line = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^GROUP "(.*)" \{$/))) {
      const p = m[1] === '/' ? '/' : `${stack.length > 1 ? cur() : ''}/${m[1]}`.replace('//', '/');
      groups.add(p);
      stack.push({ kind: 'group', path: p });
    } else if ((m = line.match(/^DATASET "(.*)" \{$/))) {
      const p = `${cur() === '/' ? '' : cur()}/${m[1]}`;
      ds = { type: '', shape: [], values: [] };
      datasets.set(p, ds);
      stack.push({ kind: 'dataset' });
    } else if ((m = line.match(/^DATATYPE\s+(\S+)( \{)?$/))) {
      ds!.type = m[1]!;
      if (m[2]) stack.push({ kind: 'datatype' });
    } else if ((m = line.match(/^(STRSIZE|CSET) (\S+);$/))) {
      if (m[1] === 'STRSIZE') ds!.strsize = m[2]!;
      else ds!.cset = m[2]!;
    } else if ((m = line.match(/^DATASPACE\s+(SCALAR|SIMPLE \{ \( ([\d, ]+) \) .*)$/))) {
      ds!.shape = m[1] === 'SCALAR' ? [] : m[2]!.split(',').map((d) => Number(d.trim()));
    } else if (line === 'DATA {') {
      stack.push({ kind: 'data' });
    } else if (line === '}') {
      stack.pop();
    } else if (stack[stack.length - 1]?.kind === 'data') {
      const body = line.replace(/^\([\d,]+\):\s*/, '');
      if (ds!.type === 'H5T_STRING') {
        // h5dump does not escape quotes inside strings: a value ends at a quote followed by ", " or the line end.
        for (const s of body.matchAll(/"(.*?)"(?=, |,$|$)/g)) ds!.values.push(s[1]!);
      } else {
        for (const tok of body.split(',')) if (tok.trim() !== '') ds!.values.push(Number(tok.trim()));
      }
    }
  }
  return { groups, datasets, text: r.stdout };
}

test('the exported file has the NIR layout, as h5ls and h5dump (an independent HDF5 reader) see it', { skip: SKIP_H5 }, async () => {
  const cfg = mlp([3, 5, 4, 2], { leak: 0.8, threshold: 0.75 }, 'linear', 20);
  const params = randomParams(cfg, 11);
  const path = join(dir, 'layout.nir');
  await exportNir(path, cfg, params);

  // h5ls -r: every object, with the dataset shapes.
  const ls = spawnSync('h5ls', ['-r', path], { encoding: 'utf8' });
  assert.equal(ls.status, 0, ls.stderr);
  const listed = new Map(
    ls.stdout
      .trim()
      .split('\n')
      .map((l) => {
        const m = l.match(/^(\S+)\s+(Group|Dataset \{(.*)\})$/)!;
        assert.ok(m, `unexpected h5ls line: ${l}`);
        return [m[1]!, m[2] === 'Group' ? 'Group' : m[3]!] as [string, string];
      }),
  );
  const chain = ['input', 'affine_0', 'neuron_0', 'affine_1', 'neuron_1', 'readout', 'integrator', 'output'];
  const expected = new Map<string, string>([
    ['/', 'Group'],
    ['/version', 'SCALAR'],
    ['/node', 'Group'],
    ['/node/type', 'SCALAR'],
    ['/node/edges', '7, 2'],
    ['/node/nodes', 'Group'],
    ['/node/metadata', 'Group'],
  ]);
  const nodeParams: Record<string, Record<string, string>> = {
    input: { shape: '1' },
    affine_0: { weight: '5, 3', bias: '5' },
    neuron_0: { tau: '5', r: '5', v_leak: '5', v_threshold: '5', v_reset: '5' },
    affine_1: { weight: '4, 5', bias: '4' },
    neuron_1: { tau: '4', r: '4', v_leak: '4', v_threshold: '4', v_reset: '4' },
    readout: { weight: '2, 4', bias: '2' },
    integrator: { r: '2' },
    output: { shape: '1' },
  };
  for (const n of chain) {
    expected.set(`/node/nodes/${n}`, 'Group');
    expected.set(`/node/nodes/${n}/type`, 'SCALAR');
    for (const [p, shape] of Object.entries(nodeParams[n]!)) expected.set(`/node/nodes/${n}/${p}`, shape);
  }
  const metaKeys = ['producer', 'reset_mode', 'spike_values', 'dt', 'time_steps', 'discretization', 'input_encoding', 'readout', 'spikegrad_config', 'spikegrad_sha256'];
  for (const k of metaKeys) expected.set(`/node/metadata/${k}`, 'SCALAR');
  assert.deepEqual(new Map([...listed].sort()), new Map([...expected].sort()));

  // h5dump: datatypes and values (floats printed with 17 significant digits, so they compare exactly).
  const { groups, datasets, text } = h5dumpTree(path);
  assert.ok(!/ATTRIBUTE/.test(text), 'NIR model files carry no HDF5 attributes');
  assert.ok(groups.has('/node/nodes/neuron_1'));
  const str = (p: string) => {
    const d = datasets.get(p)!;
    assert.equal(d.type, 'H5T_STRING', p);
    assert.equal(d.cset, 'H5T_CSET_UTF8', p);
    assert.equal(d.strsize, 'H5T_VARIABLE', p);
    return d;
  };
  assert.deepEqual(str('/version').values, ['1.0.0']);
  assert.deepEqual(str('/node/type').values, ['NIRGraph']);
  const types = ['Input', 'Affine', 'LIF', 'Affine', 'LIF', 'Affine', 'I', 'Output'];
  chain.forEach((n, i) => assert.deepEqual(str(`/node/nodes/${n}/type`).values, [types[i]]));
  const edges = str('/node/edges');
  assert.deepEqual(edges.shape, [7, 2]);
  assert.deepEqual(edges.values, chain.slice(0, -1).flatMap((n, i) => [n, chain[i + 1]!]));
  assert.deepEqual(str('/node/metadata/reset_mode').values, ['subtract']);
  assert.deepEqual(JSON.parse(str('/node/metadata/spikegrad_config').values[0] as string), cfg);
  for (const io of ['input', 'output']) {
    const d = datasets.get(`/node/nodes/${io}/shape`)!;
    assert.equal(d.type, 'H5T_STD_I64LE');
    assert.deepEqual(d.values, [io === 'input' ? 3 : 2]);
  }
  const f64 = (p: string) => {
    const d = datasets.get(p)!;
    assert.equal(d.type, 'H5T_IEEE_F64LE', p);
    return d.values as number[];
  };
  const layout = mlpLayout(cfg);
  const tensor = (name: string) => {
    const t = layout.tensors.find((x) => x.name === name)!;
    return [...params.subarray(t.offset, t.offset + t.size)];
  };
  assert.deepEqual(f64('/node/nodes/affine_0/weight'), tensor('layers.0.weight'));
  assert.deepEqual(f64('/node/nodes/affine_1/bias'), tensor('layers.1.bias'));
  assert.deepEqual(f64('/node/nodes/readout/weight'), tensor('readout.weight'));
  const tau = NIR_DT / (1 - 0.8);
  assert.deepEqual(f64('/node/nodes/neuron_0/tau'), new Array(5).fill(tau));
  assert.deepEqual(f64('/node/nodes/neuron_0/r'), new Array(5).fill(tau / NIR_DT));
  assert.deepEqual(f64('/node/nodes/neuron_1/v_threshold'), new Array(4).fill(0.75));
  assert.deepEqual(f64('/node/nodes/neuron_1/v_leak'), [0, 0, 0, 0]);
  assert.deepEqual(f64('/node/nodes/neuron_1/v_reset'), [0, 0, 0, 0]);
  assert.deepEqual(f64('/node/nodes/integrator/r'), [1 / 20, 1 / 20]);
  assert.deepEqual(f64('/node/metadata/dt'), [NIR_DT]);
  assert.deepEqual(f64('/node/metadata/time_steps'), [20]);
});

test('IF export writes IF nodes with r = 1 and v_reset = 0 (as h5dump reads them)', { skip: SKIP_H5 }, async () => {
  const cfg = mlp([2, 3, 2], {}, 'spike-rate', 4);
  const path = join(dir, 'if.nir');
  await exportNir(path, cfg, randomParams(cfg));
  const { datasets } = h5dumpTree(path);
  assert.deepEqual(datasets.get('/node/nodes/neuron_0/type')!.values, ['IF']);
  assert.deepEqual(datasets.get('/node/nodes/neuron_1/type')!.values, ['IF']);
  assert.deepEqual(datasets.get('/node/nodes/neuron_0/r')!.values, [1, 1, 1]);
  assert.deepEqual(datasets.get('/node/nodes/neuron_1/v_reset')!.values, [0, 0]);
  assert.equal(datasets.has('/node/nodes/neuron_0/tau'), false);
  assert.deepEqual(datasets.get('/node/edges')!.values, ['input', 'affine_0', 'affine_0', 'neuron_0', 'neuron_0', 'affine_1', 'affine_1', 'neuron_1', 'neuron_1', 'integrator', 'integrator', 'output']);
});

// ---------------------------------------------------------------------------------------------------------------
// Graphs written by other tools.

const f64 = (a: number[] | Float64Array, shape?: number[]) => {
  const data = Float64Array.from(a);
  return { data, shape: shape ?? [data.length] };
};
const i64 = (n: number) => ({ data: BigInt64Array.of(BigInt(n)), shape: [1] });
function chainGraph(nodes: Array<[string, NirNodeSpec]>, metadata: Record<string, string | number> = {}): NirGraphSpec {
  return {
    nodes: Object.fromEntries(nodes),
    edges: nodes.slice(0, -1).map(([a], i) => [a, nodes[i + 1]![0]] as [string, string]),
    metadata,
  };
}

test('a graph as snnTorch exports it (Leaky → LIF, scalar-shaped τ, no integrator, no metadata) imports with T given', async () => {
  const beta = 0.8;
  const tau = NIR_DT / (1 - beta);
  const W1 = [0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, -0.9, 1.0, 1.1, 1.2];
  const b1 = [0.01, 0.02, 0.03, 0.04];
  const W2 = [1, 2, 3, 4, -1, -2, -3, -4];
  const b2 = [0.5, -0.5];
  const lif = (): NirNodeSpec => ({
    type: 'LIF',
    params: { tau: f64([tau], []), r: f64([tau / NIR_DT], []), v_leak: f64([0], []), v_threshold: f64([1]) },
  });
  const g = chainGraph([
    ['input', { type: 'Input', params: { shape: i64(3) } }],
    ['0', { type: 'Affine', params: { weight: f64(W1, [4, 3]), bias: f64(b1) } }],
    ['1', lif()],
    ['2', { type: 'Affine', params: { weight: f64(W2, [2, 4]), bias: f64(b2) } }],
    ['3', lif()],
    ['output', { type: 'Output', params: { shape: i64(2) } }],
  ]);
  const path = join(dir, 'snntorch.nir');
  await writeNirGraph(path, g);
  await assertUserErrorAsync(() => importNir(path), /cannot tell the number of time steps T .* pass T explicitly/, path);
  const r = await importNir(path, { T: 10 });
  assert.deepEqual(r.cfg.sizes, [3, 4, 2]);
  assert.equal(r.cfg.readout, 'spike-rate');
  assert.equal(r.cfg.T, 10);
  assert.equal(r.cfg.neuron.threshold, 1);
  assert.equal(r.cfg.neuron.signed, false);
  assert.equal(NIR_DT / (1 - r.cfg.neuron.leak), tau);
  assert.ok(Math.abs(r.cfg.neuron.leak - beta) < 1e-15);
  assert.deepEqual([...r.params], [...W1, ...b1, ...W2, ...b2]);
  assert.ok(r.warnings.some((w) => /reset to v_reset \(0\)/.test(w)), 'reset-semantics warning');
  assert.ok(r.warnings.some((w) => /without an integrator/.test(w)), 'no-integrator warning');
});

test('unsupported node types, leaky readouts, branches, mixed leaks and sub-graphs are UserErrors naming them', async () => {
  const inp = (n: number): [string, NirNodeSpec] => ['in', { type: 'Input', params: { shape: i64(n) } }];
  const out = (n: number): [string, NirNodeSpec] => ['out', { type: 'Output', params: { shape: i64(n) } }];
  const aff = (name: string, o: number, i: number): [string, NirNodeSpec] => [
    name,
    { type: 'Affine', params: { weight: f64(new Array(o * i).fill(0.5), [o, i]), bias: f64(new Array(o).fill(0)) } },
  ];
  const ifn = (name: string, n: number): [string, NirNodeSpec] => [name, { type: 'IF', params: { r: f64(new Array(n).fill(1)), v_threshold: f64(new Array(n).fill(1)) } }];
  const lifn = (name: string, n: number): [string, NirNodeSpec] => [
    name,
    { type: 'LIF', params: { tau: f64(new Array(n).fill(1e-3)), r: f64(new Array(n).fill(10)), v_leak: f64(new Array(n).fill(0)), v_threshold: f64(new Array(n).fill(1)) } },
  ];
  const cases: Array<[string, NirGraphSpec, RegExp]> = [
    [
      'conv',
      chainGraph([inp(2), ['conv', { type: 'Conv2d', params: {} }], ['clif', { type: 'CubaLIF', params: {} }], out(2)]),
      /unsupported NIR node types: CubaLIF \('clif'\), Conv2d \('conv'\)/,
    ],
    ['subgraph', chainGraph([inp(2), ['sub', { type: 'NIRGraph', params: {} }], out(2)]), /unsupported NIR node types: NIRGraph \('sub'\)/],
    [
      'LI readout',
      chainGraph([inp(2), aff('a', 3, 2), ifn('n', 3), aff('r', 1, 3), ['li', { type: 'LI', params: { tau: f64([1e-3]), r: f64([10]), v_leak: f64([0]) } }], out(1)], {
        time_steps: 4,
      }),
      /'li' \(LI\) is a leaky-integrator readout/,
    ],
    ['mixed leaks', chainGraph([inp(2), aff('a', 3, 2), ifn('n1', 3), aff('b', 3, 3), lifn('n2', 3), out(3)], { time_steps: 4 }), /different leaks \(1 in 'n1', 0.9 in 'n2'\)/],
    ['no neurons', chainGraph([inp(2), aff('a', 3, 2), out(3)], { time_steps: 4 }), /no spiking layer/],
    ['shape mismatch', chainGraph([inp(5), aff('a', 3, 2), ifn('n', 3), out(3)], { time_steps: 4 }), /the Input has 5 values but 'a' takes 2/],
    ['neuron size', chainGraph([inp(2), aff('a', 3, 2), ifn('n', 4), out(3)], { time_steps: 4 }), /node 'n' \(IF\): 'v_threshold' has 4 values for 3 neurons/],
  ];
  const branch = chainGraph([inp(2), aff('a', 3, 2), ifn('n', 3), out(3)], { time_steps: 4 });
  branch.nodes['out2'] = { type: 'Output', params: { shape: i64(3) } };
  branch.edges.push(['n', 'out2']);
  cases.push(['branch', branch, /2 Input and|1 Input and 2 Output nodes/]);
  const cycle = chainGraph([inp(2), aff('a', 3, 2), ifn('n', 3), aff('b', 3, 3), out(3)], { time_steps: 4 });
  cycle.edges.push(['b', 'n']);
  cases.push(['recurrent', cycle, /'n' has 2 inputs|successors/]);
  for (const [label, g, re] of cases) {
    const path = join(dir, `bad-${label.replace(/\W/g, '_')}.nir`);
    await writeNirGraph(path, g);
    await assertUserErrorAsync(() => importNir(path), re, path);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Damaged files.

test('truncated, foreign and damaged NIR files are UserErrors (never a hang, a crash or a different network)', async () => {
  const cfg = mlp([2, 6, 5, 1], { leak: 0.9 });
  const params = randomParams(cfg, 5);
  const path = join(dir, 'good.nir');
  await exportNir(path, cfg, params);
  const good = readFileSync(path);
  const bad = (name: string, bytes: Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  for (const len of [0, 7, 100, 2048, good.length >> 1, good.length - 1]) {
    const p = bad(`cut${len}.nir`, good.subarray(0, len));
    await assertUserErrorAsync(() => importNir(p), /not an HDF5 file|truncated/, p);
  }
  let p = bad('text.nir', Buffer.from('version = 1.0\n'.repeat(50)));
  await assertUserErrorAsync(() => importNir(p), /not an HDF5 file \(no HDF5 signature\)/, p);
  await assertUserErrorAsync(() => importNir(join(dir, 'absent.nir')), /cannot read file \(ENOENT\)/, 'absent.nir');

  // One changed weight: HDF5 stores no checksums; spikegrad's digest in the metadata catches it.
  const needle = Buffer.from(params.buffer, params.byteOffset + 8 * 4, 8);
  const at = good.indexOf(needle);
  assert.ok(at > 0, 'weight bytes found in the file');
  const flipped = Buffer.from(good);
  flipped[at]! ^= 0x01;
  p = bad('flip.nir', flipped);
  await assertUserErrorAsync(() => importNir(p), /does not match the SHA-256 spikegrad recorded at export/, p);

  // Random damage (a fixed seed): a UserError, or the very same network when the bytes hit unused space.
  const ref = await importNir(path);
  const rng = new Rng(2024);
  const outcomes: string[] = [];
  const jobs: Array<() => Promise<void>> = [];
  for (let k = 0; k < 10; k++) {
    const b = Buffer.from(good);
    // Most of the file's structure lies in its first few kilobytes; aim half of the hits there.
    const off = k % 2 ? rng.int(Math.min(4096, b.length)) : rng.int(b.length);
    b[off]! ^= 1 + rng.int(255);
    const q = bad(`fuzz${k}.nir`, b);
    jobs.push(async () => {
      try {
        const r = await importNir(q, { timeoutMs: 20_000 });
        assert.deepEqual(r.cfg, ref.cfg, `fuzz ${k} at ${off}`);
        assert.deepEqual(bytesOf(r.params), bytesOf(ref.params), `fuzz ${k} at ${off}`);
        outcomes.push('same');
      } catch (e) {
        if (!(e instanceof UserError)) throw new Error(`fuzz ${k} at byte ${off}: ${String(e)}`);
        assert.ok(!e.message.includes('\n'));
        outcomes.push('error');
      }
    });
  }
  for (let i = 0; i < jobs.length; i += 4) await Promise.all(jobs.slice(i, i + 4).map((j) => j()));
  assert.equal(outcomes.length, 10);
});

test('the HDF5 reader is stopped at its time limit', async () => {
  const cfg = mlp([2, 3, 1]);
  const path = join(dir, 'slow.nir');
  await exportNir(path, cfg, randomParams(cfg));
  await assertUserErrorAsync(() => readHdf5Tree(path, 1), /did not finish within 0 s/, path);
});

test('export refuses non-finite parameters and invalid configs', async () => {
  const cfg = mlp([2, 3, 1]);
  const p = randomParams(cfg);
  p[2] = NaN;
  await assertUserErrorAsync(() => exportNir(join(dir, 'nan.nir'), cfg, p), /parameter 2 is NaN/, 'exportNir');
  await assertUserErrorAsync(() => exportNir(join(dir, 'bad.nir'), { ...cfg, T: 0 }, randomParams(cfg)), /T must be a positive integer/, 'exportNir');
});
