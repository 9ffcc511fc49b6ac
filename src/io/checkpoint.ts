/**
 * Training checkpoints: one safetensors file, written atomically, that resumes a run exactly.
 *
 * Tensors (all F64, so a resume is bit-identical):
 *   - the parameters, one tensor per `ParamLayout` entry, under the layout's names (`layers.0.weight`, ...);
 *   - the optimiser state, each flat vector under `optimizer.<key>` (e.g. `optimizer.m`, `optimizer.v`).
 * `__metadata__`:
 *   - `spikegrad_checkpoint`: JSON { version: 1, iteration, optimizer: { name, step, tensors: [keys] },
 *      rng_state, config, extra };
 *   - `spikegrad_layout`: JSON [[name, shape], ...] of the parameter tensors, in flat-vector order;
 *   - `spikegrad_sha256`: SHA-256 of the tensor bytes (a flipped bit anywhere in the numbers is caught);
 *   - `format`: 'pt', `spikegrad_version`.
 */
import { UserError } from '../util/errors.js';
import type { ParamLayout } from '../networks/types.js';
import { VERSION } from '../version.js';
import {
  type Tensor,
  encodeWithChecksum,
  firstNonFinite,
  layoutFromMetadata,
  layoutTensors,
  paramsFromTensors,
  parseJsonObject,
  readSafetensorsFile,
  writeFileOrUserError,
} from './safetensors.js';

export interface Checkpoint {
  iteration: number;
  params: Float64Array;
  layout: ParamLayout;
  optimizer: { name: string; step: number; tensors: Record<string, Float64Array> };
  /** The training generator's state (`Rng.getState()`), stored as JSON. */
  rngState: unknown;
  /** The run's config, stored as JSON. */
  config: object;
  extra?: Record<string, unknown>;
}

const OPT_PREFIX = 'optimizer.';
const FORMAT_VERSION = 1;

export function saveCheckpoint(path: string, ckpt: Checkpoint): void {
  const { iteration, params, layout, optimizer } = ckpt;
  if (!Number.isSafeInteger(iteration) || iteration < 0) throw new Error(`checkpoint iteration must be a non-negative integer, got ${iteration}`);
  if (params.length !== layout.size) throw new Error(`checkpoint: ${params.length} parameters for a layout of ${layout.size}`);
  const tensors: Record<string, Tensor> = layoutTensors(layout, params);
  const keys = Object.keys(optimizer.tensors);
  for (const k of keys) {
    const name = OPT_PREFIX + k;
    if (name in tensors) throw new Error(`checkpoint: optimiser tensor '${k}' collides with parameter '${name}'`);
    const t = optimizer.tensors[k]!;
    tensors[name] = { dtype: 'F64', shape: [t.length], data: t };
  }
  const meta = {
    version: FORMAT_VERSION,
    iteration,
    optimizer: { name: optimizer.name, step: optimizer.step, tensors: keys },
    rng_state: ckpt.rngState,
    config: ckpt.config,
    extra: ckpt.extra ?? {},
  };
  const bytes = encodeWithChecksum(tensors, {
    format: 'pt',
    spikegrad_checkpoint: strictJson(meta),
    spikegrad_layout: JSON.stringify(layout.tensors.map((t) => [t.name, t.shape])),
    spikegrad_version: VERSION,
  });
  writeFileOrUserError(path, bytes, 'checkpoint');
}

export function loadCheckpoint(path: string): Checkpoint {
  const { tensors, metadata } = readSafetensorsFile(path, 'checkpoint');
  const meta = parseJsonObject(metadata['spikegrad_checkpoint'], path, 'spikegrad_checkpoint');
  const bad = (what: string): never => {
    throw new UserError(`${path}: invalid checkpoint: ${what}`);
  };
  if (meta['version'] !== FORMAT_VERSION) bad(`unsupported checkpoint format version ${JSON.stringify(meta['version'])}`);
  const iteration = meta['iteration'];
  if (typeof iteration !== 'number' || !Number.isSafeInteger(iteration) || iteration < 0) bad('iteration is not a non-negative integer');
  const opt = meta['optimizer'] as Record<string, unknown> | undefined;
  if (opt === null || typeof opt !== 'object') return bad('no optimizer entry');
  const name = opt['name'];
  const step = opt['step'];
  const keys = opt['tensors'];
  if (typeof name !== 'string') bad('optimizer name is not a string');
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) bad('optimizer step is not a non-negative integer');
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) bad('optimizer tensor list is invalid');
  const config = meta['config'];
  if (config === null || typeof config !== 'object' || Array.isArray(config)) bad('config is not an object');
  const extra = meta['extra'] ?? {};
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) bad('extra is not an object');

  const layout = layoutFromMetadata(metadata['spikegrad_layout'], path);
  const params = paramsFromTensors(tensors, layout, path);
  const optTensors: Record<string, Float64Array> = {};
  for (const k of keys as string[]) {
    const t = tensors[OPT_PREFIX + k];
    if (!t) bad(`optimiser tensor '${k}' is missing`);
    if (t!.shape.length !== 1) bad(`optimiser tensor '${k}' is not a vector`);
    const i = firstNonFinite(t!.data);
    if (i >= 0) bad(`optimiser tensor '${k}' holds a non-finite value at index ${i}`);
    optTensors[k] = t!.data instanceof Float64Array ? t!.data : Float64Array.from(t!.data);
  }
  const known = new Set([...layout.tensors.map((t) => t.name), ...(keys as string[]).map((k) => OPT_PREFIX + k)]);
  const unknown = Object.keys(tensors).filter((k) => !known.has(k));
  if (unknown.length > 0) bad(`unexpected tensors ${unknown.join(', ')}`);
  return {
    iteration: iteration as number,
    params,
    layout,
    optimizer: { name: name as string, step: step as number, tensors: optTensors },
    rngState: meta['rng_state'],
    config: config as object,
    extra: extra as Record<string, unknown>,
  };
}

/** JSON.stringify that refuses values JSON cannot round-trip (NaN, ±Infinity, bigint, functions). */
function strictJson(v: unknown): string {
  return JSON.stringify(v, (key, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`checkpoint metadata '${key}' is ${value}, which JSON cannot store`);
    if (typeof value === 'bigint' || typeof value === 'function') throw new Error(`checkpoint metadata '${key}' is a ${typeof value}`);
    return value;
  });
}
