/**
 * NIR (Neuromorphic Intermediate Representation, neuromorphs/NIR 1.0.x) export and import of spiking MLPs.
 *
 * A .nir file is HDF5 (written here with h5wasm, the HDF5 C library compiled to WebAssembly), laid out as the
 * reference Python package `nir` writes and reads it:
 *
 *   /version                      scalar variable-length UTF-8 string ("1.0.0")
 *   /node/type                    "NIRGraph"
 *   /node/nodes/<name>/type       the node's type ("Input", "Affine", "IF", ...), scalar UTF-8 string
 *   /node/nodes/<name>/<param>    one dataset per parameter, per-neuron arrays (never scalars)
 *   /node/edges                   (N, 2) UTF-8 strings, source → target
 *   /node/metadata/<key>          graph metadata (strings and float64 scalars)
 *
 * No HDF5 attributes. Input/Output nodes carry `shape` (int64). Affine: `weight` [out, in], `bias` [out]. IF: `r`,
 * `v_threshold`, `v_reset`. LIF: `tau`, `r`, `v_leak`, `v_threshold`, `v_reset`. I: `r`.
 *
 * Exported graph of an MLP (sizes [d_in, h_1, …, h_L, d_out]):
 *   input → affine_0 → neuron_0 → … → affine_{L−1} → neuron_{L−1} → readout → integrator → output     ('linear')
 *   input → affine_0 → neuron_0 → … → affine_L → neuron_L → integrator → output                        ('spike-rate')
 * neuron_l is IF when the leak λ = 1 and LIF otherwise; integrator is an I node with r = 1/T, so that its value
 * after T steps is the time average spikegrad outputs.
 *
 * Discrete-time mapping (snnTorch's, dt = 1e-4): NIR's LIF τ dv/dt = (v_leak − v) + R·I, stepped by Euler with dt,
 * is v[t] = (1 − dt/τ) v[t−1] + (R dt/τ) I[t]; with τ = dt/(1 − λ) and R = τ/dt this is v[t] = λ v[t−1] + I[t],
 * spikegrad's neuron. IF (dv/dt = R·I) and I are read per time step, v[t] = v[t−1] + R·I[t], as snnTorch's and
 * Sinabs' importers do (R = 1 for IF). The import inverts this: λ = 1 − dt/τ (snapped to the double that maps back
 * to τ exactly), input gains R·dt/τ ≠ 1, per-neuron thresholds and v_leak are folded into the weights and biases.
 *
 * What NIR cannot say, and what is done about it: NIR neurons reset to v_reset; spikegrad subtracts the threshold.
 * The export writes v_reset = 0, warns, and records reset_mode = "subtract" plus spikegrad's config in the graph
 * metadata (the import honours it). NIR has no ternary (signed) spikes: same treatment. NIR spikes when
 * v > v_threshold, spikegrad when v ≥ θ (different only on exact equality).
 *
 * Reading HDF5 runs in a worker thread with its own WebAssembly instance and a time limit, and a worker that saw a
 * failure is discarded: the HDF5 library can loop forever or abort on a damaged file, and a failed read can leave
 * its state broken. The file's signature and its superblock's end-of-file address are checked before HDF5 sees it
 * (truncation); a SHA-256 of the graph's content in the metadata (`spikegrad_sha256`) catches damaged numbers,
 * which HDF5 (format-0 superblock, no checksums) would return silently.
 *
 * Operator networks (DeepONet, SepONet; `exportOperatorNir`): their output contracts the factor nets' outputs (a sum
 * of products, G = Σ_q Π_k F_k[·, q] + b₀), for which NIR has no node. The export writes one nested NIRGraph node
 * per factor net (exactly the graph `mlpToNirGraph` writes for that sub-network, with its own nodes/, edges and
 * metadata), fed by a top-level Input and feeding a top-level Output, and describes the combination (and spikegrad's
 * config) in the top graph's metadata. Local-loss heads are training-only and are left out. The import reads single
 * chains only and refuses nested graphs.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { OperatorNet, type OperatorNetConfig } from '../networks/deeponet.js';
import { type MlpConfig, type ParamLayout, mlpLayout } from '../networks/types.js';
import { VERSION } from '../version.js';
import { checkMlpConfig, firstNonFinite } from './safetensors.js';

/** The NIR format version written to /version. */
export const NIR_VERSION = '1.0.0';
/** snnTorch's time step for the LIF mapping. */
export const NIR_DT = 1e-4;

export interface NirImportOptions {
  /** Number of time steps, for files without spikegrad metadata whose integrator does not say it (r = 1/T). */
  T?: number;
  /** Time step of the LIF mapping, for files without a `dt` metadata entry (default 1e-4, snnTorch's). */
  dt?: number;
  /** Time limit of the HDF5 reader in milliseconds (default 60 s). */
  timeoutMs?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// HDF5 access through h5wasm.

type H5Module = typeof import('h5wasm/node');
let h5Promise: Promise<H5Module> | null = null;

async function loadH5(): Promise<H5Module> {
  if (!h5Promise) {
    h5Promise = (async () => {
      const h5 = await import('h5wasm/node');
      const mod = await h5.ready;
      // Make HDF5 errors throw (with the error stack as the message) instead of printing to stderr.
      (mod as unknown as { activate_throwing_error_handler(): number }).activate_throwing_error_handler();
      return h5;
    })();
  }
  return h5Promise;
}

/** A dataset or group as plain data (what the reader worker sends back). */
export type H5Tree = H5Group | H5Dataset | { kind: 'other'; type: string };
export interface H5Group {
  kind: 'group';
  children: Record<string, H5Tree>;
}
export interface H5Dataset {
  kind: 'dataset';
  /** h5wasm's dtype string: '<d', '<f', '<q', 'S' (variable-length UTF-8), 'S8', 'A' (ASCII), ... or 'unsupported'. */
  dtype: string;
  /** [] for a scalar. */
  shape: number[];
  /** Strings: string[]; numbers: Float64Array (integers converted); otherwise null. Flattened row-major. */
  value: string[] | Float64Array | null;
}

const WORKER_TAG = 'spikegrad-hdf5-reader';

/** Reader worker: this same module, started with workerData = { [WORKER_TAG]: true }; it reads one file per
 * message. */
if (!isMainThread && workerData && (workerData as Record<string, unknown>)[WORKER_TAG] === true) {
  // Silence the WebAssembly module's own printing (e.g. "Aborted(...)" on a damaged file): errors come back as
  // messages. (Piping the worker's stdio instead would keep the process alive while a reader idles.)
  const quiet = () => undefined;
  console.log = console.info = console.warn = console.error = quiet;
  process.stdout.write = process.stderr.write = (() => true) as typeof process.stdout.write;
  parentPort!.on('message', (path: string) => void workerRead(path));
}

async function workerRead(path: string): Promise<void> {
  try {
    const h5 = await loadH5();
    const f = new h5.File(path, 'r');
    let tree: H5Group;
    try {
      tree = walkGroup(f as unknown as H5GroupLike);
    } finally {
      try {
        f.close();
      } catch {
        // the error that matters is the one above
      }
    }
    parentPort!.postMessage({ ok: true, tree });
  } catch (e) {
    parentPort!.postMessage({ ok: false, message: summariseH5Error(e) });
  }
}

interface H5GroupLike {
  keys(): string[];
  get(name: string): unknown;
}

function walkGroup(g: H5GroupLike, depth = 0): H5Group {
  if (depth > 32) throw new Error('groups nested more than 32 deep');
  const children: Record<string, H5Tree> = {};
  for (const name of g.keys()) {
    const e = g.get(name) as { type?: string } | null;
    if (e && e.type === 'Group') children[name] = walkGroup(e as unknown as H5GroupLike, depth + 1);
    else if (e && e.type === 'Dataset') children[name] = readDataset(e as unknown as DatasetLike);
    else children[name] = { kind: 'other', type: String(e?.type ?? 'unknown') };
  }
  return { kind: 'group', children };
}

interface DatasetLike {
  dtype: unknown;
  shape: number[] | null;
  value: unknown;
}

function readDataset(d: DatasetLike): H5Dataset {
  const dtype = typeof d.dtype === 'string' ? d.dtype : 'unsupported';
  const shape = d.shape ?? [];
  let value: string[] | Float64Array | null = null;
  if (/^[SA]\d*$/.test(dtype)) {
    const v = d.value;
    value = typeof v === 'string' ? [v] : Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : null;
  } else if (/^[<>|][bhiqBHIQefd]$/.test(dtype)) {
    const v = d.value;
    if (typeof v === 'number') value = Float64Array.of(v);
    else if (typeof v === 'bigint') value = Float64Array.of(Number(v));
    else if (ArrayBuffer.isView(v)) value = Float64Array.from(v as unknown as ArrayLike<number | bigint>, (x) => Number(x));
  }
  return { kind: 'dataset', dtype, shape, value };
}

/** One line out of h5wasm's error (which carries HDF5's whole error stack): the innermost message. */
function summariseH5Error(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const frames = [...text.matchAll(/#\d+: .*? in ([\w]+)\(\): (.*)/g)];
  if (frames.length > 0) {
    const last = frames[frames.length - 1]!;
    const first = frames[0]!;
    return first === last ? `${last[2]!.trim()}` : `${first[2]!.trim()}: ${last[2]!.trim()}`;
  }
  return text.split('\n')[0]!.slice(0, 300);
}

/** One reader worker kept after a successful read (a worker that saw a failure is never reused). */
let idleWorker: Worker | null = null;

function takeWorker(): Worker {
  if (idleWorker) {
    const w = idleWorker;
    idleWorker = null;
    w.ref();
    return w;
  }
  return new Worker(new URL(import.meta.url), { workerData: { [WORKER_TAG]: true } });
}

function returnWorker(w: Worker): void {
  if (idleWorker) {
    void w.terminate();
  } else {
    w.unref(); // an idle reader does not keep the process alive
    idleWorker = w;
  }
}

/**
 * Read a whole HDF5 file as plain data, in a worker thread with its own HDF5 instance and a time limit. Every
 * failure (missing file, not HDF5, truncated, damaged, reader stuck or crashed) is a one-line UserError, and the
 * worker that saw it is discarded (a failed HDF5 call can leave the library's state broken).
 */
export async function readHdf5Tree(path: string, timeoutMs = 60_000): Promise<H5Group> {
  const abs = resolve(path);
  checkHdf5Header(abs, path);
  const worker = takeWorker();
  return new Promise<H5Group>((resolveTree, reject) => {
    let settled = false;
    const detach = () => {
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const fail = (err: UserError) => {
      if (settled) return;
      detach();
      void worker.terminate();
      reject(err);
    };
    const onMessage = (m: { ok: boolean; tree?: H5Group; message?: string }) => {
      if (settled) return;
      if (!m.ok) return fail(new UserError(`${path}: cannot read the HDF5 file (damaged?): ${m.message ?? 'unknown error'}`));
      detach();
      returnWorker(worker);
      resolveTree(m.tree!);
    };
    const onError = (e: Error) => fail(new UserError(`${path}: the HDF5 reader crashed on this file (damaged?): ${summariseH5Error(e)}`));
    const onExit = (code: number) => fail(new UserError(`${path}: the HDF5 reader stopped (exit code ${code}) without reading the file`));
    const timer = setTimeout(
      () => fail(new UserError(`${path}: the HDF5 reader did not finish within ${Math.round(timeoutMs / 1000)} s (the file is probably damaged)`)),
      timeoutMs,
    );
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(abs);
  });
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Check that a file is HDF5 and not truncated before the HDF5 library opens it: the signature (at 0 or after a
 * user block of 512·2^k bytes) and the superblock's end-of-file address (all superblock versions 0–3).
 */
export function checkHdf5Header(abs: string, shown: string): void {
  let bytes: Buffer;
  try {
    if (!statSync(abs).isFile()) throw new UserError(`${shown}: not a file`);
    bytes = readFileSync(abs);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${shown}: cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const size = bytes.length;
  let at = -1;
  for (let off = 0; off + 8 <= size; off = off === 0 ? 512 : off * 2) {
    if (HDF5_SIGNATURE.every((b, i) => bytes[off + i] === b)) {
      at = off;
      break;
    }
  }
  if (at < 0) throw new UserError(`${shown}: not an HDF5 file (no HDF5 signature${size < 8 ? `; only ${size} bytes` : ''})`);
  const version = bytes[at + 8];
  if (version === undefined) throw new UserError(`${shown}: truncated HDF5 file (superblock missing)`);
  let offSize: number;
  let eofAt: number;
  let baseAt: number;
  if (version === 0 || version === 1) {
    offSize = bytes[at + 13] ?? 0;
    baseAt = at + (version === 0 ? 24 : 28);
    eofAt = baseAt + 2 * offSize;
  } else if (version === 2 || version === 3) {
    offSize = bytes[at + 9] ?? 0;
    baseAt = at + 12;
    eofAt = baseAt + 2 * offSize;
  } else {
    throw new UserError(`${shown}: unsupported HDF5 superblock version ${version} (damaged file?)`);
  }
  if (offSize !== 2 && offSize !== 4 && offSize !== 8) throw new UserError(`${shown}: damaged HDF5 superblock (offset size ${offSize})`);
  if (eofAt + offSize > size) throw new UserError(`${shown}: truncated HDF5 file (${size} bytes, the superblock is cut off)`);
  const readAddr = (p: number): bigint => {
    let v = 0n;
    for (let i = offSize - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[p + i]!);
    return v;
  };
  const undefinedAddr = (1n << BigInt(8 * offSize)) - 1n;
  const base = readAddr(baseAt);
  const eof = readAddr(eofAt);
  if (eof === undefinedAddr || base === undefinedAddr) throw new UserError(`${shown}: damaged HDF5 superblock (no end-of-file address)`);
  if (base + eof > BigInt(size)) {
    throw new UserError(`${shown}: truncated HDF5 file (${size} bytes, the superblock says ${base + eof})`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Writing.

/** A node parameter to write: float64 (or int64 for Input/Output shapes) data, row-major, with its shape. */
export interface NirArray {
  data: Float64Array | BigInt64Array;
  shape: number[];
}
export interface NirNodeSpec {
  type: string;
  params: Record<string, NirArray>;
  /** For type 'NIRGraph': the nested graph, written as the node's own nodes/, edges and metadata. */
  graph?: NirGraphSpec;
}
/** A NIR graph to write (nodes of type 'NIRGraph' carry a nested graph). */
export interface NirGraphSpec {
  nodes: Record<string, NirNodeSpec>;
  edges: Array<[string, string]>;
  metadata: Record<string, string | number>;
}

/** Write a NIR graph file (HDF5, atomically) in the reference layout. */
export async function writeNirGraph(path: string, g: NirGraphSpec): Promise<void> {
  const h5 = await loadH5();
  const dir = mkdtempSync(join(tmpdir(), 'spikegrad-nir-'));
  try {
    const tmp = join(dir, 'graph.nir');
    // Superblock version 0 and the 1.8 object formats, like h5py's default: readable by every HDF5 ≥ 1.8.
    const f = new h5.File(tmp, 'w', { libver: ['earliest', 'v108'] });
    try {
      f.create_dataset({ name: 'version', data: NIR_VERSION, dtype: 'S' });
      writeGraphInto(f.create_group('node'), g, 0);
    } finally {
      f.close();
    }
    writeFileAtomic(path, readFileSync(tmp));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type H5WritableGroup = ReturnType<InstanceType<H5Module['File']>['create_group']>;

/**
 * Write a graph's type, nodes/ (recursively for nested NIRGraph nodes), edges and metadata into an h5wasm group
 * (the library's file writer and the browser playground's in-memory one, web/src/nir-browser.ts).
 */
export function writeGraphInto(root: H5WritableGroup, g: NirGraphSpec, depth: number): void {
  if (depth > 8) throw new Error('writeNirGraph: graphs nested more than 8 deep');
  root.create_dataset({ name: 'type', data: 'NIRGraph', dtype: 'S' });
  const nodes = root.create_group('nodes');
  for (const [name, node] of Object.entries(g.nodes)) {
    const ng = nodes.create_group(name);
    if (node.type === 'NIRGraph' && node.graph) {
      writeGraphInto(ng, node.graph, depth + 1);
      continue;
    }
    ng.create_dataset({ name: 'type', data: node.type, dtype: 'S' });
    for (const [p, a] of Object.entries(node.params)) {
      ng.create_dataset({ name: p, data: a.data, shape: a.shape, dtype: a.data instanceof Float64Array ? '<d' : '<q' });
    }
  }
  root.create_dataset({ name: 'edges', data: g.edges.flat(), shape: [g.edges.length, 2], dtype: 'S' });
  const meta = root.create_group('metadata');
  for (const [k, v] of Object.entries(g.metadata)) {
    if (typeof v === 'string') meta.create_dataset({ name: k, data: v, dtype: 'S' });
    else meta.create_dataset({ name: k, data: Float64Array.of(v), shape: [], dtype: '<d' });
  }
}

/** Metadata key of the SHA-256 over the graph's content (see `graphDigest`). */
const DIGEST_KEY = 'spikegrad_sha256';

/**
 * SHA-256 over what a spikegrad graph means: for each node in chain order its name, type and every numeric
 * dataset (sorted by name; shape, then the values as float64 little-endian), then every metadata entry but the
 * digest itself (sorted by key). HDF5 (format 0 superblock) has no checksums; this catches damaged numbers.
 */
function graphDigest(
  chain: Array<{ name: string; type: string; arrays: Record<string, { shape: number[]; data?: ArrayLike<number | bigint>; values?: ArrayLike<number> }> }>,
  metadata: Record<string, string | number>,
): string {
  const h = createHash('sha256');
  const num = new DataView(new ArrayBuffer(8));
  const f64 = (x: number) => {
    num.setFloat64(0, x, true);
    h.update(new Uint8Array(num.buffer));
  };
  const str = (x: string) => {
    const b = Buffer.from(x, 'utf8');
    f64(b.length);
    h.update(b);
  };
  for (const n of chain) {
    str('node');
    str(n.name);
    str(n.type);
    for (const key of Object.keys(n.arrays).sort()) {
      const a = n.arrays[key]!;
      const v = (a.data ?? a.values)!;
      str(key);
      f64(a.shape.length);
      for (const d of a.shape) f64(d);
      f64(v.length);
      for (let i = 0; i < v.length; i++) f64(Number(v[i]!));
    }
  }
  for (const key of Object.keys(metadata).sort()) {
    if (key === DIGEST_KEY) continue;
    const v = metadata[key]!;
    str('meta');
    str(key);
    if (typeof v === 'string') {
      str('s');
      str(v);
    } else {
      str('n');
      f64(v);
    }
  }
  return h.digest('hex');
}

const filled = (n: number, v: number): NirArray => ({ data: new Float64Array(n).fill(v), shape: [n] });

/** The NIR graph of a spiking MLP, and the export's warnings. */
export function mlpToNirGraph(cfg: MlpConfig, params: Float64Array): { graph: NirGraphSpec; warnings: string[] } {
  checkMlpConfig(cfg as unknown as Record<string, unknown>, 'exportNir');
  const layout = mlpLayout(cfg);
  if (params.length !== layout.size) throw new Error(`exportNir: ${params.length} parameters for a layout of ${layout.size}`);
  const bad = firstNonFinite(params);
  if (bad >= 0) throw new UserError(`exportNir: parameter ${bad} is ${params[bad]}; refusing to export a diverged model`);
  const { threshold: th, leak, signed } = cfg.neuron;
  const T = cfg.T;
  const s = cfg.sizes;
  const tensor = (name: string) => {
    const t = layout.tensors.find((x) => x.name === name)!;
    return { data: params.slice(t.offset, t.offset + t.size), shape: [...t.shape] };
  };
  const nodes: Record<string, NirNodeSpec> = {};
  const chain: string[] = [];
  const add = (name: string, node: NirNodeSpec) => {
    nodes[name] = node;
    chain.push(name);
  };
  add('input', { type: 'Input', params: { shape: { data: BigInt64Array.of(BigInt(s[0]!)), shape: [1] } } });
  const nSpiking = cfg.readout === 'linear' ? s.length - 2 : s.length - 1;
  for (let l = 0; l < nSpiking; l++) {
    const n = s[l + 1]!;
    add(`affine_${l}`, { type: 'Affine', params: { weight: tensor(`layers.${l}.weight`), bias: tensor(`layers.${l}.bias`) } });
    if (leak === 1) {
      add(`neuron_${l}`, { type: 'IF', params: { r: filled(n, 1), v_threshold: filled(n, th), v_reset: filled(n, 0) } });
    } else {
      const tau = NIR_DT / (1 - leak);
      add(`neuron_${l}`, {
        type: 'LIF',
        params: { tau: filled(n, tau), r: filled(n, tau / NIR_DT), v_leak: filled(n, 0), v_threshold: filled(n, th), v_reset: filled(n, 0) },
      });
    }
  }
  if (cfg.readout === 'linear') {
    add('readout', { type: 'Affine', params: { weight: tensor('readout.weight'), bias: tensor('readout.bias') } });
  }
  const dOut = s[s.length - 1]!;
  add('integrator', { type: 'I', params: { r: filled(dOut, 1 / T) } });
  add('output', { type: 'Output', params: { shape: { data: BigInt64Array.of(BigInt(dOut)), shape: [1] } } });
  const edges: Array<[string, string]> = [];
  for (let i = 0; i + 1 < chain.length; i++) edges.push([chain[i]!, chain[i + 1]!]);

  const warnings = [
    'NIR has no subtract reset: its IF/LIF neurons reset to v_reset (written as 0); spikegrad subtracts the threshold. ' +
      'The file records reset_mode = "subtract" and the spikegrad config in its metadata, which only spikegrad\'s importer honours; ' +
      'other tools will simulate reset-to-zero neurons.',
  ];
  if (signed) {
    warnings.push(
      'NIR has no ternary (signed) spikes: the file holds ordinary IF/LIF nodes (spikes of 1 only); signed = true is kept in the metadata for spikegrad.',
    );
  }
  const metadata: Record<string, string | number> = {
    producer: `spikegrad ${VERSION}`,
    reset_mode: 'subtract',
    spike_values: signed ? 'ternary: +1 if v >= v_threshold, -1 if v <= -v_threshold, else 0' : 'binary: 1 if v >= v_threshold',
    dt: NIR_DT,
    time_steps: T,
    discretization:
      'Euler with dt: LIF v[t] = (1 - dt/tau) v[t-1] + (r dt/tau) I[t], tau = dt/(1 - leak), r = tau/dt; ' +
      'IF and I per time step: v[t] = v[t-1] + r I[t] (r = 1 for IF, r = 1/T for the integrator)',
    input_encoding: 'the input vector is a constant input current at each of the T time steps',
    readout: 'output = the integrator state after T steps, i.e. the time average of its input',
    spikegrad_config: JSON.stringify({ kind: 'mlp', sizes: cfg.sizes, T: cfg.T, neuron: cfg.neuron, readout: cfg.readout }),
  };
  metadata[DIGEST_KEY] = graphDigest(
    chain.map((name) => ({ name, type: nodes[name]!.type, arrays: nodes[name]!.params })),
    metadata,
  );
  return { graph: { nodes, edges, metadata }, warnings };
}

/**
 * Export a spiking MLP as a NIR graph (HDF5, written atomically). Returns warnings for the caller to print (what
 * NIR cannot represent).
 */
export async function exportNir(path: string, cfg: MlpConfig, params: Float64Array): Promise<string[]> {
  const { graph, warnings } = mlpToNirGraph(cfg, params);
  await writeNirOrUserError(path, graph);
  return warnings;
}

async function writeNirOrUserError(path: string, graph: NirGraphSpec): Promise<void> {
  try {
    await writeNirGraph(path, graph);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new UserError(`${path}: cannot write NIR file (${code})`);
    throw e;
  }
}

/** An operator network's config as saved with its model (`target_scaling` when its targets were normalised). */
export type OperatorModelConfig = OperatorNetConfig & { target_scaling?: { kind: 'min-max'; min: number; max: number } };

/** Check an operator network's config (e.g. from a model file's metadata); failures are UserErrors naming `path`. */
export function checkOperatorConfig(raw: Record<string, unknown>, path: string): OperatorModelConfig {
  const fail = (msg: string): never => {
    throw new UserError(`${path}: invalid operator-network config: ${msg}`);
  };
  const kind = raw['kind'];
  if (kind !== 'deeponet' && kind !== 'seponet') return fail(`kind must be 'deeponet' or 'seponet', got ${JSON.stringify(kind)}`);
  const latent = raw['latent'];
  if (typeof latent !== 'number' || !Number.isInteger(latent) || latent < 1) return fail(`latent must be a positive integer, got ${JSON.stringify(latent)}`);
  const localLosses = raw['localLosses'] ?? false;
  if (typeof localLosses !== 'boolean') return fail('localLosses must be true or false');
  const rawFactors = raw['factors'];
  if (!Array.isArray(rawFactors) || rawFactors.length < 2) return fail('factors must be a list of at least two {name, mlp}');
  const names = new Set<string>();
  const factors = rawFactors.map((f: unknown, k) => {
    if (typeof f !== 'object' || f === null) return fail(`factor ${k} is not an object`);
    const name = (f as Record<string, unknown>)['name'];
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return fail(`factor ${k} has an invalid name ${JSON.stringify(name)}`);
    if (names.has(name)) return fail(`factor name '${name}' appears twice`);
    names.add(name);
    const mlpRaw = (f as Record<string, unknown>)['mlp'];
    if (typeof mlpRaw !== 'object' || mlpRaw === null) return fail(`factor '${name}' has no mlp config`);
    const mlp = checkMlpConfig(mlpRaw as Record<string, unknown>, `${path} (factor '${name}')`);
    if (mlp.readout !== 'linear') return fail(`factor '${name}' must have the linear readout`);
    if (mlp.sizes[mlp.sizes.length - 1] !== latent) return fail(`factor '${name}' outputs ${mlp.sizes[mlp.sizes.length - 1]} values, the latent size is ${latent}`);
    return { name, mlp };
  });
  const cfg: OperatorModelConfig = { kind, factors, latent, localLosses };
  const ts = raw['target_scaling'];
  if (ts !== undefined) {
    const t = ts as Record<string, unknown>;
    if (typeof ts !== 'object' || ts === null || t['kind'] !== 'min-max' || typeof t['min'] !== 'number' || typeof t['max'] !== 'number') {
      return fail('target_scaling must be {kind: "min-max", min, max}');
    }
    cfg.target_scaling = { kind: 'min-max', min: t['min'], max: t['max'] };
  }
  return cfg;
}

/** Metadata key describing how the top graph's sub-graph outputs combine. */
export const OPERATOR_COMBINATION = 'sum_r prod_factors';

/**
 * The NIR graph of an operator network (DeepONet, SepONet): one nested NIRGraph node per factor net, each exactly
 * `mlpToNirGraph` of that sub-network's slice of the flat vector, between a top-level Input (`input_<factor>`) and
 * Output (`output_<factor>`); the combination, the rank, bias0 and spikegrad's config are in the top metadata.
 * `layout`, when given (a loaded model's), must be the network's. Local-loss heads are left out (with a warning).
 */
export function operatorToNirGraph(
  config: OperatorNetConfig | Record<string, unknown>,
  params: Float64Array,
  layout?: ParamLayout,
): { graph: NirGraphSpec; warnings: string[] } {
  const cfg = checkOperatorConfig(config as Record<string, unknown>, 'exportOperatorNir');
  let net: OperatorNet;
  try {
    net = new OperatorNet({ kind: cfg.kind, factors: cfg.factors, latent: cfg.latent, localLosses: cfg.localLosses });
  } catch (e) {
    throw new UserError(`exportOperatorNir: ${(e as Error).message}`);
  }
  if (params.length !== net.layout.size) throw new UserError(`exportOperatorNir: ${params.length} parameters for a layout of ${net.layout.size}`);
  if (layout) {
    const a = JSON.stringify(layout.tensors.map((t) => [t.name, t.shape, t.offset]));
    const b = JSON.stringify(net.layout.tensors.map((t) => [t.name, t.shape, t.offset]));
    if (a !== b) throw new UserError('exportOperatorNir: the model file\'s tensor layout is not the one its config describes');
  }
  const warnings = new Set<string>();
  const nodes: Record<string, NirNodeSpec> = {};
  const edges: Array<[string, string]> = [];
  const subDigests: Record<string, string> = {};
  cfg.factors.forEach((f, k) => {
    const sub = mlpLayout(f.mlp);
    const off = net.pOff[k]!;
    for (const t of sub.tensors) {
      const full = net.layout.tensors.find((x) => x.name === `${f.name}.${t.name}`);
      if (!full || full.offset !== off + t.offset) throw new Error(`exportOperatorNir: tensor ${f.name}.${t.name} is not where the factor's layout puts it`);
    }
    const { graph, warnings: w } = mlpToNirGraph(f.mlp, params.slice(off, off + sub.size));
    for (const x of w) warnings.add(x);
    subDigests[f.name] = graph.metadata[DIGEST_KEY] as string;
    const shape = (n: number): NirArray => ({ data: BigInt64Array.of(BigInt(n)), shape: [1] });
    nodes[`input_${f.name}`] = { type: 'Input', params: { shape: shape(f.mlp.sizes[0]!) } };
    nodes[f.name] = { type: 'NIRGraph', params: {}, graph };
    nodes[`output_${f.name}`] = { type: 'Output', params: { shape: shape(cfg.latent) } };
    edges.push([`input_${f.name}`, f.name], [f.name, `output_${f.name}`]);
  });
  const bias0 = params[net.b0Off]!;
  if (!Number.isFinite(bias0)) throw new UserError(`exportOperatorNir: bias0 is ${bias0}; refusing to export a diverged model`);
  const names = cfg.factors.map((f) => f.name);
  const axes = names.map((_, k) => `i${k}`);
  const nHeads = net.heads.length;
  const out: string[] = [
    `NIR has no node for the low-rank product of an operator network: the file holds its ${names.length} sub-networks (${names.join(', ')}) ` +
      'as nested graphs, and the top graph\'s metadata describes how to combine their outputs (sum over the rank of the product of the factors, plus bias0), ' +
      'which downstream tools must do themselves.',
    ...warnings,
  ];
  if (nHeads > 0) {
    out.push(`the ${nHeads} local-loss heads are training-only and were left out of the NIR file (the network's output does not use them).`);
  }
  const metadata: Record<string, string | number> = {
    producer: `spikegrad ${VERSION}`,
    operator_kind: cfg.kind,
    combination: OPERATOR_COMBINATION,
    combination_formula:
      `y[${axes.join(', ')}] = bias0 + sum_{q < rank} ${names.map((n, k) => `${n}[${axes[k]}, q]`).join(' * ')}, where <factor>[i, :] ` +
      'is the output (output_<factor>, rank values) of sub-graph <factor> on the i-th input vector given to input_<factor>; ' +
      'the output axes are in factor order',
    factors: names.join(','),
    factor_inputs: names.map((n) => `input_${n}`).join(','),
    factor_outputs: names.map((n) => `output_${n}`).join(','),
    rank: cfg.latent,
    bias0,
    note:
      'NIR has no node for the product of the sub-networks\' outputs: downstream tools get each sub-network as a nested NIRGraph ' +
      'and must evaluate the sub-graphs on their own inputs and combine them as combination_formula says.',
    local_loss_heads: nHeads > 0 ? `${nHeads} training-only heads omitted` : 'none',
    reset_mode: 'subtract',
    dt: NIR_DT,
    subgraph_sha256: JSON.stringify(subDigests),
    spikegrad_config: JSON.stringify({
      kind: cfg.kind,
      factors: cfg.factors,
      latent: cfg.latent,
      localLosses: false,
      ...(cfg.target_scaling ? { target_scaling: cfg.target_scaling } : {}),
    }),
  };
  if (cfg.target_scaling) {
    metadata['output_scaling'] = 'u = target_min + (target_max - target_min) * y (the network was trained on min-max scaled targets)';
    metadata['target_min'] = cfg.target_scaling.min;
    metadata['target_max'] = cfg.target_scaling.max;
  }
  const top = Object.keys(nodes).map((name) => ({ name, type: nodes[name]!.type, arrays: nodes[name]!.params }));
  metadata[DIGEST_KEY] = graphDigest(top, metadata);
  return { graph: { nodes, edges, metadata }, warnings: out };
}

/**
 * Export an operator network (DeepONet, SepONet) as one NIR file: a top graph of nested NIRGraph sub-networks (see
 * `operatorToNirGraph`). Returns warnings for the caller to print.
 */
export async function exportOperatorNir(
  path: string,
  config: OperatorNetConfig | Record<string, unknown>,
  params: Float64Array,
  layout?: ParamLayout,
): Promise<string[]> {
  const { graph, warnings } = operatorToNirGraph(config, params, layout);
  await writeNirOrUserError(path, graph);
  return warnings;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading.

interface ParsedNode {
  name: string;
  type: string;
  arrays: Record<string, { shape: number[]; values: Float64Array }>;
  strings: Record<string, string>;
}

const CHAIN_TYPES = new Set(['Input', 'Output', 'Affine', 'Linear', 'IF', 'LIF', 'I', 'LI']);

/** Import a NIR graph that is a chain Input → (Affine|Linear → IF|LIF)* → [Affine|Linear] → [I] → Output. */
export async function importNir(path: string, opts: NirImportOptions = {}): Promise<{ cfg: MlpConfig; params: Float64Array; warnings: string[] }> {
  const tree = await readHdf5Tree(path, opts.timeoutMs);
  return nirTreeToMlp(tree, path, opts);
}

/** The graph's nodes (in chain order), its metadata, and the version string: the structural half of the import. */
export function parseNirTree(tree: H5Group, path: string): { chain: ParsedNode[]; metadata: Record<string, string | number>; version: string | null } {
  const fail = (msg: string): never => {
    throw new UserError(`${path}: ${msg}`);
  };
  const ver = tree.children['version'];
  const version = ver && ver.kind === 'dataset' && Array.isArray(ver.value) && ver.value.length === 1 ? ver.value[0]! : null;
  const g = tree.children['node'];
  if (!g || g.kind !== 'group') return fail('not a NIR file (no /node group)');
  const gType = stringOf(g, 'type');
  if (gType !== 'NIRGraph') fail(`not a NIR graph (/node/type is ${gType === null ? 'missing' : JSON.stringify(gType)})`);
  const nodesG = g.children['nodes'];
  if (!nodesG || nodesG.kind !== 'group') return fail('NIR graph without /node/nodes');
  const edgesD = g.children['edges'];
  if (!edgesD || edgesD.kind !== 'dataset' || !Array.isArray(edgesD.value)) return fail('NIR graph without a string /node/edges dataset');
  const ev = edgesD.value as string[];
  if (ev.length % 2 !== 0 || (edgesD.shape.length !== 2 && ev.length > 0) || (edgesD.shape.length === 2 && edgesD.shape[1] !== 2)) {
    fail(`/node/edges has shape ${JSON.stringify(edgesD.shape)}, expected (N, 2)`);
  }
  const metadata: Record<string, string | number> = {};
  const metaG = g.children['metadata'];
  if (metaG && metaG.kind === 'group') {
    for (const [k, d] of Object.entries(metaG.children)) {
      if (d.kind !== 'dataset' || d.value === null || d.shape.length > 1 || d.value.length !== 1) continue;
      metadata[k] = d.value[0]!;
    }
  }
  const nodes = new Map<string, ParsedNode>();
  const unsupported: string[] = [];
  const nested = Object.entries(nodesG.children)
    .filter(([, n]) => n.kind === 'group' && stringOf(n, 'type') === 'NIRGraph')
    .map(([name]) => `NIRGraph ('${name}')`);
  if (nested.length > 0) {
    fail(
      `unsupported NIR node types: ${nested.join(', ')}: nested graphs are not supported for import ` +
        '(e.g. a DeepONet/SepONet export, one nested graph per sub-network); spikegrad imports single Input → … → Output chains',
    );
  }
  for (const [name, n] of Object.entries(nodesG.children)) {
    if (n.kind !== 'group') fail(`node '${name}' is not a group`);
    const type = stringOf(n as H5Group, 'type');
    if (type === null) return fail(`node '${name}' has no type`);
    if (!CHAIN_TYPES.has(type)) {
      unsupported.push(`${type} ('${name}')`);
      continue;
    }
    const arrays: ParsedNode['arrays'] = {};
    const strings: ParsedNode['strings'] = {};
    for (const [k, d] of Object.entries((n as H5Group).children)) {
      if (d.kind !== 'dataset' || d.value === null) continue;
      if (d.value instanceof Float64Array) arrays[k] = { shape: d.shape, values: d.value };
      else if (d.value.length === 1) strings[k] = d.value[0]!;
    }
    nodes.set(name, { name, type, arrays, strings });
  }
  if (unsupported.length > 0) {
    fail(`unsupported NIR node types: ${unsupported.join(', ')}; spikegrad imports chains of Input, Affine/Linear, IF/LIF, I and Output`);
  }
  // Follow the chain from the single Input.
  const seen = new Set<string>();
  const succ = new Map<string, string[]>();
  const pred = new Map<string, string[]>();
  for (let i = 0; i < ev.length; i += 2) {
    const a = ev[i]!;
    const b = ev[i + 1]!;
    if (seen.has(`${a}\u0000${b}`)) continue; // duplicate edges (some exporters write them)
    seen.add(`${a}\u0000${b}`);
    for (const x of [a, b]) if (!nodes.has(x)) fail(`edge ${a} → ${b} names a node that does not exist`);
    succ.set(a, [...(succ.get(a) ?? []), b]);
    pred.set(b, [...(pred.get(b) ?? []), a]);
  }
  const inputs = [...nodes.values()].filter((n) => n.type === 'Input');
  const outputs = [...nodes.values()].filter((n) => n.type === 'Output');
  if (inputs.length !== 1 || outputs.length !== 1) {
    fail(`the graph has ${inputs.length} Input and ${outputs.length} Output nodes; spikegrad imports single-input, single-output chains`);
  }
  const chain: ParsedNode[] = [];
  let cur: ParsedNode = inputs[0]!;
  const visited = new Set<string>();
  for (;;) {
    if (visited.has(cur.name)) fail(`the graph has a cycle through '${cur.name}'`);
    visited.add(cur.name);
    chain.push(cur);
    if ((pred.get(cur.name)?.length ?? 0) > 1) fail(`node '${cur.name}' has ${pred.get(cur.name)!.length} inputs; spikegrad imports chains`);
    if (cur.type === 'Output') break;
    const next = succ.get(cur.name) ?? [];
    if (next.length !== 1) fail(`node '${cur.name}' has ${next.length} successors; spikegrad imports chains`);
    cur = nodes.get(next[0]!)!;
  }
  if ((succ.get(cur.name)?.length ?? 0) > 0) fail(`the Output node '${cur.name}' has successors`);
  const stray = [...nodes.keys()].filter((k) => !visited.has(k));
  if (stray.length > 0) fail(`nodes not on the Input → Output chain: ${stray.join(', ')}`);
  return { chain, metadata, version };
}

function stringOf(g: H5Group, key: string): string | null {
  const d = g.children[key];
  if (!d || d.kind !== 'dataset' || !Array.isArray(d.value) || d.value.length !== 1) return null;
  return d.value[0]!;
}

interface LayerIn {
  affine: ParsedNode;
  W: Float64Array;
  out: number;
  in: number;
  b: Float64Array;
  neuron: ParsedNode | null;
}

/** The semantic half of the import: map a parsed chain to spikegrad's MLP (see the file comment). */
export function nirTreeToMlp(tree: H5Group, path: string, opts: NirImportOptions = {}): { cfg: MlpConfig; params: Float64Array; warnings: string[] } {
  const { chain, metadata, version } = parseNirTree(tree, path);
  const fail = (msg: string): never => {
    throw new UserError(`${path}: ${msg}`);
  };
  const warnings: string[] = [];
  const want = metadata[DIGEST_KEY];
  if (typeof want === 'string' && graphDigest(chain, metadata) !== want) {
    fail(
      `the graph does not match the SHA-256 spikegrad recorded at export: the file is damaged (or was edited by another tool; ` +
        `delete node/metadata/${DIGEST_KEY} to accept the edit)`,
    );
  }
  if (version === null) warnings.push(`${path}: no /version dataset; read as NIR 1.x`);
  else if (!/^1\./.test(version)) warnings.push(`${path}: written for NIR version ${version}; read as NIR 1.x`);

  // spikegrad's own metadata, when the file is ours.
  let meta: MlpConfig | null = null;
  if (typeof metadata['spikegrad_config'] === 'string') {
    try {
      meta = checkMlpConfig(JSON.parse(metadata['spikegrad_config']) as Record<string, unknown>, path);
    } catch {
      warnings.push(`${path}: ignoring the invalid spikegrad_config in the graph metadata`);
    }
  }
  const dt = typeof metadata['dt'] === 'number' ? metadata['dt'] : (opts.dt ?? NIR_DT);
  if (!(dt > 0) || !Number.isFinite(dt)) fail(`invalid time step dt = ${dt}`);

  // Split the chain: Input, (W N)* [W], [I|LI], Output.
  const ops = chain.slice(1, -1);
  const inputNode = chain[0]!;
  const layers: LayerIn[] = [];
  let integrator: ParsedNode | null = null;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (integrator) fail(`node '${integrator.name}' (${integrator.type}) must be the last node before the Output`);
    if (op.type === 'Affine' || op.type === 'Linear') {
      if (layers.length > 0 && layers[layers.length - 1]!.neuron === null) {
        fail(`two weight nodes in a row ('${layers[layers.length - 1]!.affine.name}', '${op.name}') without neurons between them`);
      }
      const w = op.arrays['weight'];
      if (!w || w.shape.length !== 2) return fail(`node '${op.name}' (${op.type}) needs a 2-D weight`);
      const [out, inn] = w.shape as [number, number];
      let b: Float64Array;
      if (op.type === 'Affine') {
        const bias = op.arrays['bias'];
        if (!bias || bias.values.length !== out) return fail(`node '${op.name}' (Affine) needs a bias of ${out} values`);
        b = bias.values;
      } else {
        b = new Float64Array(out);
      }
      if (layers.length > 0 && layers[layers.length - 1]!.out !== inn) {
        fail(`node '${op.name}' takes ${inn} inputs but the previous layer has ${layers[layers.length - 1]!.out} neurons`);
      }
      layers.push({ affine: op, W: w.values, out, in: inn, b, neuron: null });
    } else if (op.type === 'IF' || op.type === 'LIF') {
      const last = layers[layers.length - 1];
      if (!last || last.neuron !== null) return fail(`neuron node '${op.name}' (${op.type}) is not preceded by an Affine or Linear node`);
      last.neuron = op;
    } else if (op.type === 'I' || op.type === 'LI') {
      integrator = op;
    }
  }
  if (layers.length === 0) fail('the graph has no Affine or Linear node');
  const last = layers[layers.length - 1]!;
  const readout: MlpConfig['readout'] = last.neuron === null ? 'linear' : 'spike-rate';
  const nSpiking = readout === 'linear' ? layers.length - 1 : layers.length;
  if (nSpiking < 1) fail('the graph has no spiking layer (IF or LIF)');

  const dIn = inputShape(inputNode, path);
  if (dIn !== null && dIn !== layers[0]!.in) fail(`the Input has ${dIn} values but '${layers[0]!.affine.name}' takes ${layers[0]!.in}`);
  const sizes = [layers[0]!.in, ...layers.map((l) => l.out)];

  // Neurons: leak per neuron (must be one value), input gain, bias offset from v_leak, threshold.
  let leak: number | null = null;
  let leakFrom = '';
  const gains: Float64Array[] = [];
  const offsets: Array<Float64Array | null> = [];
  const thresholds: Float64Array[] = [];
  let nonzeroReset = false;
  for (let l = 0; l < nSpiking; l++) {
    const layer = layers[l]!;
    const nd = layer.neuron!;
    const n = layer.out;
    const vth = perNeuron(nd, 'v_threshold', n, path);
    for (const v of vth) if (!(v > 0) || !Number.isFinite(v)) fail(`node '${nd.name}': v_threshold must be positive and finite, got ${v}`);
    const vreset = nd.arrays['v_reset'] ? perNeuron(nd, 'v_reset', n, path) : new Float64Array(n);
    if (vreset.some((v) => v !== 0)) nonzeroReset = true;
    const r = perNeuron(nd, 'r', n, path);
    const gain = new Float64Array(n);
    let offset: Float64Array | null = null;
    const layerLeak = new Float64Array(n);
    if (nd.type === 'IF') {
      layerLeak.fill(1);
      gain.set(r);
    } else {
      const tau = perNeuron(nd, 'tau', n, path);
      const vLeak = nd.arrays['v_leak'] ? perNeuron(nd, 'v_leak', n, path) : new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const t = tau[j]!;
        if (!(t >= dt) || !Number.isFinite(t)) fail(`node '${nd.name}': tau = ${t} gives a leak outside [0, 1) at dt = ${dt}`);
        layerLeak[j] = snapLeak(t, dt);
        gain[j] = (r[j]! * dt) / t;
        if (vLeak[j] !== 0) {
          offset ??= new Float64Array(n);
          offset[j] = (dt / t) * vLeak[j]!;
        }
      }
    }
    for (let j = 0; j < n; j++) {
      if (!Number.isFinite(gain[j]!)) fail(`node '${nd.name}': non-finite input gain`);
      if (Math.abs(gain[j]! - 1) <= 1e-12) gain[j] = 1; // rounding of τ/dt · dt/τ
    }
    for (const v of layerLeak) {
      if (leak === null) {
        leak = v;
        leakFrom = nd.name;
      } else if (v !== leak) {
        fail(`the neurons have different leaks (${leak} in '${leakFrom}', ${v} in '${nd.name}'); spikegrad models one leak for the whole network`);
      }
    }
    gains.push(gain);
    offsets.push(offset);
    thresholds.push(vth);
  }
  const allTh = thresholds.flatMap((a) => [...a]);
  const uniformTh = allTh.every((v) => v === allTh[0]);
  const theta = uniformTh ? allTh[0]! : 1;
  if (!uniformTh) warnings.push(`${path}: per-neuron thresholds differ; each neuron's input was rescaled to a common threshold of 1`);
  if (gains.some((g) => g.some((v) => v !== 1))) warnings.push(`${path}: input gains (r·dt/tau for LIF, r for IF) ≠ 1 were folded into the weights`);
  if (offsets.some((o) => o !== null)) warnings.push(`${path}: v_leak ≠ 0 was folded into the biases`);

  // Integrator and T.
  if (integrator && integrator.type === 'LI') {
    fail(
      `node '${integrator.name}' (LI) is a leaky-integrator readout, which spikegrad cannot represent: its readout is the plain time average (an I node with r = 1/T)`,
    );
  }
  const dOut = sizes[sizes.length - 1]!;
  let rI: Float64Array | null = integrator ? perNeuron(integrator, 'r', dOut, path) : null;
  let T: number | null = null;
  if (meta) T = meta.T;
  else if (opts.T !== undefined) T = opts.T;
  else if (typeof metadata['time_steps'] === 'number') T = metadata['time_steps'];
  else if (rI && rI.every((v) => v === rI![0]) && rI[0]! > 0) {
    const inv = 1 / rI[0]!;
    if (Math.abs(inv - Math.round(inv)) <= 1e-9 * inv && Math.round(inv) >= 1) T = Math.round(inv);
  }
  if (T === null) {
    return fail('cannot tell the number of time steps T (no spikegrad metadata, and no integrator with r = 1/T): pass T explicitly');
  }
  if (!Number.isInteger(T) || T < 1) fail(`invalid number of time steps T = ${T}`);
  if (!integrator) {
    warnings.push(`${path}: the graph ends without an integrator (I) node; spikegrad reads the time average of its output over T = ${T} steps`);
  }
  const readGain = new Float64Array(dOut).fill(1);
  if (rI) {
    for (let j = 0; j < dOut; j++) {
      const gI = rI[j]! * T;
      if (!Number.isFinite(gI) || gI <= 0) fail(`node '${integrator!.name}': r must be positive, got ${rI[j]}`);
      if (Math.abs(gI - 1) > 1e-12) readGain[j] = gI;
    }
  }
  if (readGain.some((v) => v !== 1)) {
    if (readout === 'spike-rate') {
      fail(`node '${integrator!.name}' (I): r·T ≠ 1, but a spike-rate readout is the plain average of the spikes over T = ${T} steps`);
    }
    warnings.push(`${path}: the integrator's r ≠ 1/T (T = ${T}); its gain r·T was folded into the readout weights`);
  }

  // Reset and sign semantics.
  let signed = false;
  if (metadata['reset_mode'] !== 'subtract') {
    warnings.push(
      `${path}: the file's neurons reset to v_reset${nonzeroReset ? ' (non-zero here)' : ' (0)'} as NIR defines; spikegrad subtracts the threshold instead, ` +
        'so spike trains differ whenever the membrane overshoots the threshold',
    );
  }

  // Assemble the flat vector, folding gains, offsets and threshold scales into the rows.
  const cfg0: MlpConfig = { kind: 'mlp', sizes, T, neuron: { threshold: theta, leak: leak ?? 1, signed: false }, readout };
  const layout = mlpLayout(cfg0);
  const params = new Float64Array(layout.size);
  let off = 0;
  const put = (W: Float64Array, b: Float64Array, out: number, inn: number, scale: (j: number) => number, add: (j: number) => number) => {
    const wOff = off;
    const bOff = off + out * inn;
    for (let j = 0; j < out; j++) {
      const f = scale(j);
      const c = add(j);
      for (let i = 0; i < inn; i++) params[wOff + j * inn + i] = f === 1 ? W[j * inn + i]! : f * W[j * inn + i]!;
      let bj = f === 1 ? b[j]! : f * b[j]!;
      if (c !== 0) bj += c;
      params[bOff + j] = bj;
    }
    off += out * inn + out;
  };
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l]!;
    if (l < nSpiking) {
      const g = gains[l]!;
      const o = offsets[l];
      const th = thresholds[l]!;
      const sc = (j: number) => (th[j] === theta ? 1 : theta / th[j]!);
      put(layer.W, layer.b, layer.out, layer.in, (j) => sc(j) * g[j]!, (j) => (o ? sc(j) * o[j]! : 0));
    } else {
      put(layer.W, layer.b, layer.out, layer.in, (j) => readGain[j]!, () => 0);
    }
  }
  const bad = firstNonFinite(params);
  if (bad >= 0) fail(`parameter ${bad} is not finite after import`);

  // spikegrad's metadata is authoritative for what NIR cannot hold (exact leak, sign), if it matches the graph.
  let cfg = cfg0;
  if (meta) {
    const lf = meta.neuron.leak;
    const leakMatches =
      (lf === 1 && leak === 1) ||
      (lf < 1 && layers.slice(0, nSpiking).every((l) => l.neuron!.type === 'LIF' && perNeuron(l.neuron!, 'tau', l.out, path).every((t) => t === dt / (1 - lf))));
    const same =
      JSON.stringify(meta.sizes) === JSON.stringify(sizes) &&
      meta.readout === readout &&
      meta.neuron.threshold === theta &&
      leakMatches &&
      gains.every((g) => g.every((v) => v === 1)) &&
      readGain.every((v) => v === 1) &&
      offsets.every((o) => o === null);
    if (same) {
      signed = meta.neuron.signed;
      cfg = { kind: 'mlp', sizes, T, neuron: { threshold: meta.neuron.threshold, leak: lf, signed }, readout };
    } else {
      warnings.push(`${path}: the spikegrad metadata does not match the graph's nodes (edited after export?); the nodes were used`);
    }
  }
  return { cfg, params, warnings };
}

function inputShape(node: ParsedNode, path: string): number | null {
  const s = node.arrays['shape'];
  if (!s) return null;
  const v = [...s.values];
  if (v.length === 0 || !v.every((d) => Number.isInteger(d) && d >= 1)) throw new UserError(`${path}: Input '${node.name}' has an invalid shape`);
  if (v.slice(0, -1).some((d) => d !== 1)) throw new UserError(`${path}: Input '${node.name}' has shape ${JSON.stringify(v)}; spikegrad reads flat vectors`);
  return v[v.length - 1]!;
}

/** A per-neuron parameter of n values (a single value is broadcast, as some exporters write scalars). */
function perNeuron(node: ParsedNode, key: string, n: number, path: string): Float64Array {
  const a = node.arrays[key];
  if (!a) throw new UserError(`${path}: node '${node.name}' (${node.type}) has no '${key}'`);
  if (a.values.length === n) return a.values;
  if (a.values.length === 1) return new Float64Array(n).fill(a.values[0]!);
  throw new UserError(`${path}: node '${node.name}' (${node.type}): '${key}' has ${a.values.length} values for ${n} neurons`);
}

/**
 * The leak λ = 1 − dt/τ, snapped to the double that the export mapping τ = dt/(1 − λ) sends back to τ exactly
 * (when one lies within a few ulps), so that export → import returns the leak bit for bit.
 */
export function snapLeak(tau: number, dt: number): number {
  const l0 = 1 - dt / tau;
  if (dt / (1 - l0) === tau) return l0;
  for (let k = 1; k <= 8; k++) {
    for (const dir of [1, -1]) {
      const c = stepUlps(l0, dir * k);
      if (c >= 0 && c < 1 && dt / (1 - c) === tau) return c;
    }
  }
  return l0;
}

function stepUlps(x: number, k: number): number {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigInt64(0);
  // Positive doubles: the bit pattern is monotone in the value.
  buf.setBigInt64(0, bits + BigInt(k));
  return buf.getFloat64(0);
}
