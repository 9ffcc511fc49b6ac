/**
 * safetensors: the tensor file format of Hugging Face's `safetensors` package, written and read here without a
 * dependency (the format is small, see docs/file-formats.md):
 *
 *   [8 bytes]  N, the header length, unsigned 64-bit little-endian
 *   [N bytes]  a JSON object, UTF-8, padded with spaces so that 8 + N is a multiple of 8:
 *              { "__metadata__": { string: string }, "<tensor name>": { "dtype": "F64", "shape": [..],
 *                "data_offsets": [begin, end] }, ... }
 *   [rest]     the byte buffer: every tensor's raw little-endian row-major data at [begin, end) of the buffer.
 *
 * The reader checks everything a hostile or damaged file could get wrong (length field, JSON, dtypes, shapes,
 * offsets that overlap, leave holes or run past the end) and reports the first problem as a one-line
 * `UserError` naming the file.
 *
 * spikegrad model files (`saveModel`/`loadModel`) hold the flat parameter vector as F64 tensors named after
 * the network's `ParamLayout` (PyTorch nn.Linear names: `layers.0.weight`, ...), so that a reload is
 * bit-identical and `safetensors.torch.load_file` gives a state dict; `__metadata__` holds the model config
 * (`spikegrad_config`), the layout (`spikegrad_layout`) and a SHA-256 of the byte buffer (`spikegrad_sha256`)
 * that catches silent corruption of the numbers.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { type MlpConfig, type ParamLayout, layoutFrom, mlpLayout } from '../networks/types.js';
import { validateMlpConfig } from '../networks/mlp.js';
import { VERSION } from '../version.js';

export type Dtype = 'F64' | 'F32';

export interface Tensor {
  dtype: Dtype;
  shape: number[];
  data: Float64Array | Float32Array;
}

export interface SafetensorsContent {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Every dtype the safetensors specification names, with its item size in bytes (sub-byte types: 0). Only F32
 * and F64 are read; the others are recognised so that the error says "not supported" rather than "unknown". */
const KNOWN_DTYPES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8, C64: 8, F4: 0, F6_E2M3: 0, F6_E3M2: 0,
};
const ITEM_SIZE: Record<Dtype, number> = { F64: 8, F32: 4 };
/** The reference implementation refuses headers above 100 MB; so do we (a corrupt length field otherwise
 * makes us try to parse garbage). */
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Serialise tensors (in the given order) and string metadata to the bytes of a .safetensors file. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`safetensors metadata '${k}' must be a string`);
    }
    header['__metadata__'] = metadata;
  }
  let offset = 0;
  const parts: Array<{ t: Tensor; begin: number }> = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new Error("'__metadata__' is reserved and cannot name a tensor");
    if (t.dtype !== 'F64' && t.dtype !== 'F32') throw new Error(`tensor '${name}': unsupported dtype ${String(t.dtype)}`);
    if ((t.dtype === 'F64') !== t.data instanceof Float64Array) {
      throw new Error(`tensor '${name}': dtype ${t.dtype} does not match its ${t.data.constructor.name}`);
    }
    const n = shapeSize(t.shape);
    if (n === null || n !== t.data.length) {
      throw new Error(`tensor '${name}': shape ${JSON.stringify(t.shape)} does not hold ${t.data.length} values`);
    }
    const bytes = n * ITEM_SIZE[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    parts.push({ t, begin: offset });
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  const base = 8 + padded;
  for (const { t, begin } of parts) writeValues(out, base + begin, t.data);
  return out;
}

/** Parse and validate the bytes of a .safetensors file; `what` names it in error messages (usually the path). */
export function decodeSafetensors(bytes: Uint8Array, what = 'file'): SafetensorsContent {
  const fail = (msg: string): never => {
    throw new UserError(`${what}: not a valid safetensors file: ${msg}`);
  };
  if (bytes.length < 8) fail(`truncated (${bytes.length} bytes, the 8-byte header length is missing)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8)) fail(`header length ${n64} runs past the end of the file (${bytes.length} bytes; truncated?)`);
  const n = Number(n64);
  if (n > MAX_HEADER) fail(`header length ${n} exceeds the 100 MB limit`);
  if (n < 2) fail(`header length ${n} is too small for a JSON object`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail('header does not start with "{"');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const base = 8 + n;
  const bufferLength = bytes.length - base;
  const metadata: Record<string, string> = {};
  const entries: Array<{ name: string; dtype: Dtype; shape: number[]; begin: number; end: number }> = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`entry '${name}' is not an object`);
    const r = raw as Record<string, unknown>;
    const dtype = r['dtype'];
    if (typeof dtype !== 'string') fail(`tensor '${name}' has no dtype`);
    if (!(dtype as string in KNOWN_DTYPES)) fail(`tensor '${name}' has unknown dtype '${String(dtype)}'`);
    if (dtype !== 'F64' && dtype !== 'F32') fail(`tensor '${name}' has dtype ${String(dtype)}; spikegrad reads F32 and F64 only`);
    const shape = r['shape'];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    }
    const offs = r['data_offsets'];
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end) fail(`tensor '${name}' has data_offsets [${begin}, ${end}] with begin > end`);
    if (end > bufferLength) fail(`tensor '${name}' ends at byte ${end} of the data, which has only ${bufferLength} bytes (truncated?)`);
    const size = shapeSize(shape as number[]);
    const item = ITEM_SIZE[dtype as Dtype];
    if (size === null || size * item !== end - begin) {
      fail(`tensor '${name}': shape ${JSON.stringify(shape)} × ${item} bytes ≠ ${end - begin} bytes in data_offsets`);
    }
    entries.push({ name, dtype: dtype as Dtype, shape: shape as number[], begin, end });
  }
  // The byte buffer must be covered exactly: sorted by begin, each tensor starts where the previous ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin < pos) fail(`tensor '${e.name}' overlaps another tensor (bytes ${e.begin}–${e.end})`);
    if (e.begin > pos) fail(`bytes ${pos}–${e.begin} of the data belong to no tensor`);
    pos = e.end;
  }
  if (pos !== bufferLength) fail(`the data has ${bufferLength} bytes but the tensors cover ${pos} (trailing bytes or truncation)`);
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data: readValues(bytes, base + e.begin, e.end - e.begin, e.dtype) };
  }
  return { tensors, metadata };
}

/** The byte buffer of an encoded file (everything after the header), for checksums. */
function dataSection(bytes: Uint8Array): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  return bytes.subarray(8 + n);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Encode with a SHA-256 of the data buffer in `__metadata__.spikegrad_sha256`. The header holds the hash, so the
 * buffer is laid out first (its bytes do not depend on the header) and the header is built around it.
 */
export function encodeWithChecksum(tensors: Record<string, Tensor>, metadata: Record<string, string>): Uint8Array {
  const draft = encodeSafetensors(tensors, metadata);
  return encodeSafetensors(tensors, { ...metadata, spikegrad_sha256: sha256(dataSection(draft)) });
}

/** Read a file and decode it, verifying `spikegrad_sha256` when the file has one. */
export function readSafetensorsFile(path: string, kind = 'safetensors'): SafetensorsContent {
  let bytes: Uint8Array;
  try {
    if (!statSync(path).isFile()) throw new UserError(`${path}: not a file`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${path}: cannot read ${kind} file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const content = decodeSafetensors(bytes, path);
  const want = content.metadata['spikegrad_sha256'];
  if (want !== undefined && sha256(dataSection(bytes)) !== want) {
    throw new UserError(`${path}: ${kind} data is corrupted (SHA-256 of the tensor bytes does not match the header)`);
  }
  return content;
}

/**
 * Save a model: one F64 tensor per layout entry, plus `__metadata__` = { format: 'pt', spikegrad_config (JSON),
 * spikegrad_layout (JSON [[name, shape], ...]), spikegrad_version, spikegrad_sha256 }. Written atomically.
 */
export function saveModel(path: string, layout: ParamLayout, params: Float64Array, config: object): void {
  if (params.length !== layout.size) throw new Error(`saveModel: ${params.length} parameters for a layout of ${layout.size}`);
  const bad = firstNonFinite(params);
  if (bad >= 0) throw new UserError(`${path}: refusing to save a model with a non-finite parameter (${params[bad]} at index ${bad}; training diverged?)`);
  const bytes = encodeWithChecksum(layoutTensors(layout, params), {
    format: 'pt',
    spikegrad_config: JSON.stringify(config),
    spikegrad_layout: JSON.stringify(layout.tensors.map((t) => [t.name, t.shape])),
    spikegrad_version: VERSION,
  });
  writeFileOrUserError(path, bytes, 'model');
}

/** writeFileAtomic, with file-system failures (missing folder, no permission, disk full) as UserErrors. */
export function writeFileOrUserError(path: string, bytes: Uint8Array, kind: string): void {
  try {
    writeFileAtomic(path, bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new UserError(`${path}: cannot write ${kind} file (${code})`);
    throw e;
  }
}

export interface LoadedModel {
  config: Record<string, unknown>;
  params: Float64Array;
  layout: ParamLayout;
}

/**
 * Load a model written by `saveModel` (or by any tool that kept its tensor names and `__metadata__`). The layout
 * comes from `spikegrad_layout`; for an MLP config it must equal `mlpLayout(config)`. F32 tensors are widened to
 * F64. Missing, extra or mis-shaped tensors and non-finite values are `UserError`s.
 */
export function loadModel(path: string): LoadedModel {
  const { tensors, metadata } = readSafetensorsFile(path, 'model');
  const config = parseJsonObject(metadata['spikegrad_config'], path, 'spikegrad_config');
  let layout: ParamLayout;
  if (config['kind'] === 'mlp') {
    layout = mlpLayout(checkMlpConfig(config, path));
  } else {
    layout = layoutFromMetadata(metadata['spikegrad_layout'], path);
  }
  const params = paramsFromTensors(tensors, layout, path);
  const extra = Object.keys(tensors).filter((k) => !layout.tensors.some((t) => t.name === k));
  if (extra.length > 0) throw new UserError(`${path}: tensors not in the model's layout: ${extra.join(', ')}`);
  return { config, params, layout };
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers shared with checkpoint.ts and nir.ts.

/** The layout's tensors as F64 views (copies) of the flat vector. */
export function layoutTensors(layout: ParamLayout, params: Float64Array): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const t of layout.tensors) {
    out[t.name] = { dtype: 'F64', shape: [...t.shape], data: params.slice(t.offset, t.offset + t.size) };
  }
  return out;
}

/** Gather the layout's tensors from a file into a flat vector; every tensor must be present with the layout's
 * shape and finite values. */
export function paramsFromTensors(tensors: Record<string, Tensor>, layout: ParamLayout, path: string): Float64Array {
  const params = new Float64Array(layout.size);
  const missing = layout.tensors.filter((t) => !(t.name in tensors)).map((t) => t.name);
  if (missing.length > 0) throw new UserError(`${path}: tensors missing for the model's config: ${missing.join(', ')}`);
  for (const t of layout.tensors) {
    const f = tensors[t.name]!;
    if (f.shape.length !== t.shape.length || f.shape.some((d, i) => d !== t.shape[i])) {
      throw new UserError(`${path}: tensor '${t.name}' has shape ${JSON.stringify(f.shape)}, the config needs ${JSON.stringify(t.shape)}`);
    }
    const bad = firstNonFinite(f.data);
    if (bad >= 0) throw new UserError(`${path}: tensor '${t.name}' holds a non-finite value (${f.data[bad]} at index ${bad})`);
    params.set(f.data, t.offset);
  }
  return params;
}

export function layoutFromMetadata(json: string | undefined, path: string): ParamLayout {
  if (json === undefined) throw new UserError(`${path}: no spikegrad_layout in the metadata`);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new UserError(`${path}: spikegrad_layout is not valid JSON`);
  }
  const ok =
    Array.isArray(raw) &&
    raw.every(
      (e) =>
        Array.isArray(e) &&
        e.length === 2 &&
        typeof e[0] === 'string' &&
        Array.isArray(e[1]) &&
        (e[1] as unknown[]).every((d) => Number.isSafeInteger(d) && (d as number) >= 0),
    );
  if (!ok) throw new UserError(`${path}: spikegrad_layout is not a list of [name, shape] pairs`);
  const names = new Set<string>();
  for (const [name] of raw as Array<[string, number[]]>) {
    if (names.has(name)) throw new UserError(`${path}: spikegrad_layout names tensor '${name}' twice`);
    names.add(name);
  }
  return layoutFrom(raw as Array<[string, number[]]>);
}

export function parseJsonObject(json: string | undefined, path: string, key: string): Record<string, unknown> {
  if (json === undefined) throw new UserError(`${path}: not a spikegrad file (no ${key} in the metadata)`);
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new UserError(`${path}: ${key} in the metadata is not valid JSON`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UserError(`${path}: ${key} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** Check that a parsed object is a valid MlpConfig (as a UserError naming the file). */
export function checkMlpConfig(raw: Record<string, unknown>, path: string): MlpConfig {
  const n = raw['neuron'] as Record<string, unknown> | undefined;
  if (raw['kind'] !== 'mlp' || n === null || typeof n !== 'object' || typeof n['signed'] !== 'boolean') {
    throw new UserError(`${path}: the stored config is not a valid MLP config`);
  }
  try {
    validateMlpConfig(raw as unknown as MlpConfig);
  } catch (e) {
    throw new UserError(`${path}: invalid MLP config: ${(e as Error).message}`);
  }
  return raw as unknown as MlpConfig;
}

export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}

function shapeSize(shape: number[]): number | null {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return null;
  }
  return n;
}

function writeValues(out: Uint8Array, at: number, data: Float64Array | Float32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (data instanceof Float64Array) for (let i = 0; i < data.length; i++) view.setFloat64(at + 8 * i, data[i]!, true);
  else for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i]!, true);
}

function readValues(bytes: Uint8Array, at: number, length: number, dtype: Dtype): Float64Array | Float32Array {
  const n = length / ITEM_SIZE[dtype];
  if (LITTLE_ENDIAN_HOST) {
    // Copy into a fresh (aligned) buffer: the data section need not be 8-byte aligned in `bytes`.
    const copy = new Uint8Array(length); // (not bytes.slice: on a Buffer that is a view into a shared pool)
    copy.set(bytes.subarray(at, at + length));
    return dtype === 'F64' ? new Float64Array(copy.buffer, 0, n) : new Float32Array(copy.buffer, 0, n);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F64') {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, true);
    return out;
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, true);
  return out;
}
