/**
 * A binary cache for generated datasets (format described in docs/data-format.md).
 *
 *   offset 0   8 bytes   magic "SGDATA1\0"
 *   offset 8   uint32 LE header length H (bytes)
 *   offset 12  uint32 LE CRC-32 of the header bytes
 *   offset 16  H bytes   UTF-8 JSON header: format version, generator parameters, array table, payload CRC-32
 *   …          zero padding to a multiple of 8
 *   payload    float64 little-endian arrays back to back, at the offsets the header gives
 *
 * The file must end exactly at the end of the payload. `loadOrGenerate` reads the file when present and
 * valid; it regenerates (and rewrites atomically) when the file is missing, stale (other parameters or
 * format version) or corrupt (bad magic, header or payload checksum mismatch, truncated or extended
 * file, inconsistent array table). A corrupt file is reported through `onNotice`, never used.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { makePoissonDataset, poissonParams, type PoissonDataset, type PoissonDatasetOptions } from './poisson.js';
import {
  diffusionReactionParams,
  makeDiffusionReactionDataset,
  type DiffusionReactionDataset,
  type DiffusionReactionDatasetOptions,
} from './diffusion-reaction.js';

export const DATA_MAGIC = 'SGDATA1\0';
export const DATA_FORMAT_VERSION = 1;
const PREAMBLE_BYTES = 16; // magic + header length + header CRC
const MAX_HEADER_BYTES = 1 << 20;

export type ParamValue = number | string | boolean;
/** Generator parameters; `problem` names the generator and becomes part of the file name. */
export type CacheParams = { problem: string } & Record<string, ParamValue>;

export interface StoredArray {
  shape: number[];
  data: Float64Array;
}
export type StoredArrays = Record<string, StoredArray>;

interface ArrayEntry {
  name: string;
  dtype: 'float64';
  shape: number[];
  /** Byte offset from the start of the payload. */
  offset: number;
}

interface Header {
  format: 'spikegrad-dataset';
  formatVersion: number;
  params: Record<string, ParamValue>;
  arrays: ArrayEntry[];
  payloadBytes: number;
  payloadCrc32: number;
}

/** The file is not a valid dataset file (corrupt, truncated, or not ours). */
export class DatasetFileError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetFileError';
  }
}

// ---------------------------------------------------------------------------------------------------
// Checksums

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as in zlib/PNG); crc32("123456789") = 0xCBF43926. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** 32-bit FNV-1a of a string's UTF-8 bytes (used for file names only). */
function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------------
// Encoding and decoding

/** JSON with object keys sorted, so equal parameters give equal strings. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

const LITTLE_ENDIAN = endianness() === 'LE';

export function encodeDataset(params: Record<string, ParamValue>, arrays: StoredArrays): Uint8Array {
  const entries: ArrayEntry[] = [];
  let payloadBytes = 0;
  for (const [name, { shape, data }] of Object.entries(arrays)) {
    if (shapeSize(shape) !== data.length) throw new RangeError(`array ${name}: shape [${shape}] does not match length ${data.length}`);
    entries.push({ name, dtype: 'float64', shape: [...shape], offset: payloadBytes });
    payloadBytes += data.length * 8;
  }
  const payload = new Uint8Array(payloadBytes);
  const view = new DataView(payload.buffer);
  for (const e of entries) {
    const data = arrays[e.name]!.data;
    if (LITTLE_ENDIAN) payload.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), e.offset);
    else for (let i = 0; i < data.length; i++) view.setFloat64(e.offset + 8 * i, data[i]!, true);
  }
  const header: Header = {
    format: 'spikegrad-dataset',
    formatVersion: DATA_FORMAT_VERSION,
    params,
    arrays: entries,
    payloadBytes,
    payloadCrc32: crc32(payload),
  };
  const headerBytes = Buffer.from(canonicalJson(header), 'utf8');
  const payloadStart = align8(PREAMBLE_BYTES + headerBytes.length);
  const out = new Uint8Array(payloadStart + payloadBytes);
  out.set(Buffer.from(DATA_MAGIC, 'latin1'), 0);
  const pre = new DataView(out.buffer);
  pre.setUint32(8, headerBytes.length, true);
  pre.setUint32(12, crc32(headerBytes), true);
  out.set(headerBytes, PREAMBLE_BYTES);
  out.set(payload, payloadStart);
  return out;
}

/** Reads only the header (checks magic and header checksum). Throws DatasetFileError. */
export function decodeHeader(bytes: Uint8Array): { header: Header; payloadStart: number } {
  if (bytes.length < PREAMBLE_BYTES) throw new DatasetFileError(`file too short (${bytes.length} bytes)`);
  if (Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== DATA_MAGIC) throw new DatasetFileError('bad magic bytes (not a spikegrad dataset file)');
  const pre = new DataView(bytes.buffer, bytes.byteOffset, PREAMBLE_BYTES);
  const headerLength = pre.getUint32(8, true);
  const headerCrc = pre.getUint32(12, true);
  if (headerLength > MAX_HEADER_BYTES || PREAMBLE_BYTES + headerLength > bytes.length) {
    throw new DatasetFileError(`header length ${headerLength} exceeds the file (truncated?)`);
  }
  const headerBytes = bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength);
  if (crc32(headerBytes) !== headerCrc) throw new DatasetFileError('header checksum mismatch');
  let header: Header;
  try {
    header = JSON.parse(Buffer.from(headerBytes).toString('utf8')) as Header;
  } catch {
    throw new DatasetFileError('header is not valid JSON');
  }
  if (header === null || typeof header !== 'object' || header.format !== 'spikegrad-dataset') throw new DatasetFileError('header is not a spikegrad dataset header');
  return { header, payloadStart: align8(PREAMBLE_BYTES + headerLength) };
}

/** Decodes a whole file: validates the array table, the exact length and the payload checksum. */
export function decodeDataset(bytes: Uint8Array): { params: Record<string, ParamValue>; arrays: StoredArrays } {
  const { header, payloadStart } = decodeHeader(bytes);
  if (header.formatVersion !== DATA_FORMAT_VERSION) throw new DatasetFileError(`format version ${header.formatVersion}, expected ${DATA_FORMAT_VERSION}`);
  const payloadBytes = header.payloadBytes;
  if (!Number.isSafeInteger(payloadBytes) || payloadBytes < 0 || payloadBytes % 8 !== 0) throw new DatasetFileError('invalid payload size');
  if (bytes.length !== payloadStart + payloadBytes) {
    throw new DatasetFileError(`file is ${bytes.length} bytes, expected ${payloadStart + payloadBytes} (truncated or extended)`);
  }
  const payload = bytes.subarray(payloadStart);
  if (crc32(payload) !== header.payloadCrc32) throw new DatasetFileError('payload checksum mismatch');
  if (!Array.isArray(header.arrays)) throw new DatasetFileError('missing array table');
  const arrays: StoredArrays = {};
  let expectedOffset = 0;
  for (const e of header.arrays) {
    const ok =
      e !== null &&
      typeof e === 'object' &&
      typeof e.name === 'string' &&
      !(e.name in arrays) &&
      e.dtype === 'float64' &&
      Array.isArray(e.shape) &&
      e.shape.every((d) => Number.isSafeInteger(d) && d >= 0) &&
      e.offset === expectedOffset;
    if (!ok) throw new DatasetFileError(`invalid array table entry ${JSON.stringify(e)}`);
    const length = shapeSize(e.shape);
    if (e.offset + 8 * length > payloadBytes) throw new DatasetFileError(`array ${e.name} extends past the payload`);
    const data = new Float64Array(length);
    if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(payload.subarray(e.offset, e.offset + 8 * length));
    else {
      const view = new DataView(payload.buffer, payload.byteOffset + e.offset, 8 * length);
      for (let i = 0; i < length; i++) data[i] = view.getFloat64(8 * i, true);
    }
    arrays[e.name] = { shape: e.shape, data };
    expectedOffset += 8 * length;
  }
  if (expectedOffset !== payloadBytes) throw new DatasetFileError('array table does not cover the payload');
  return { params: header.params, arrays };
}

export function writeDatasetFile(path: string, params: Record<string, ParamValue>, arrays: StoredArrays): void {
  writeFileAtomic(path, encodeDataset(params, arrays));
}

export function readDatasetFile(path: string): { params: Record<string, ParamValue>; arrays: StoredArrays } {
  return decodeDataset(readFileSync(path));
}

// ---------------------------------------------------------------------------------------------------
// The cache

/** `${problem}-${8 hex digits of FNV-1a of the canonical parameters}.sgdata` */
export function cacheFileName(params: CacheParams): string {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(params.problem)) throw new UserError(`invalid problem name ${JSON.stringify(params.problem)}`);
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new UserError(`dataset parameter ${k} must be finite, got ${v}`);
  }
  return `${params.problem}-${fnv1a32(canonicalJson(params)).toString(16).padStart(8, '0')}.sgdata`;
}

export type CacheSource = 'cache' | 'generated';

export interface CacheResult {
  arrays: StoredArrays;
  source: CacheSource;
  path: string;
  /** Why the data was generated: 'missing', 'stale: …' or 'corrupt: …' (absent when read from the cache). */
  reason?: string;
}

export interface CacheOptions {
  /** Called with a one-line message when an existing file is stale or corrupt and is being replaced.
   * Default: write the message to stderr. */
  onNotice?: (message: string) => void;
}

/**
 * Returns the arrays stored in dir for these parameters, or generates them, writes them atomically and
 * returns them. A file is used only if its magic, checksums, length, format version and parameters all
 * check out.
 */
export function loadOrGenerate(dir: string, params: CacheParams, generate: () => StoredArrays, opts: CacheOptions = {}): CacheResult {
  const notice = opts.onNotice ?? ((m: string) => process.stderr.write(`${m}\n`));
  const path = join(dir, cacheFileName(params));
  let reason: string;
  let bytes: Buffer | null = null;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (bytes === null) reason = 'missing';
  else {
    const checked = checkCached(bytes, params);
    if (typeof checked !== 'string') return { arrays: checked, source: 'cache', path };
    reason = checked;
    notice(`dataset cache ${path} is ${reason}; regenerating`);
  }
  const arrays = generate();
  mkdirSync(dir, { recursive: true });
  writeDatasetFile(path, params, arrays);
  return { arrays, source: 'generated', path, reason };
}

/** The stored arrays when the file is valid for these parameters, else the reason: 'stale: …' or 'corrupt: …'. */
function checkCached(bytes: Uint8Array, params: CacheParams): StoredArrays | string {
  try {
    const { header } = decodeHeader(bytes);
    if (header.formatVersion !== DATA_FORMAT_VERSION) return `stale: format version ${header.formatVersion} ≠ ${DATA_FORMAT_VERSION}`;
    if (canonicalJson(header.params) !== canonicalJson(params)) return 'stale: parameters differ';
    return decodeDataset(bytes).arrays;
  } catch (e) {
    if (e instanceof DatasetFileError) return `corrupt: ${e.message}`;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------
// The two operator-learning datasets

/** Bump when a generator's output changes for the same parameters (it invalidates existing caches). */
export const POISSON_GENERATOR_VERSION = 1;
export const DIFFUSION_REACTION_GENERATOR_VERSION = 1;

export function loadOrGeneratePoisson(dir: string, opts: PoissonDatasetOptions, cacheOpts?: CacheOptions): { dataset: PoissonDataset } & Omit<CacheResult, 'arrays'> {
  const p = poissonParams(opts);
  const params: CacheParams = { problem: 'poisson', generatorVersion: POISSON_GENERATOR_VERSION, ...p };
  const { arrays, ...rest } = loadOrGenerate(
    dir,
    params,
    () => {
      const d = makePoissonDataset(p);
      return {
        x: { shape: [d.nPoints], data: d.x },
        trainG: { shape: [d.nTrain, d.nPoints], data: d.trainG },
        trainU: { shape: [d.nTrain, d.nPoints], data: d.trainU },
        testG: { shape: [d.nTest, d.nPoints], data: d.testG },
        testU: { shape: [d.nTest, d.nPoints], data: d.testU },
      };
    },
    cacheOpts,
  );
  const get = (name: string, shape: number[]): Float64Array => takeArray(arrays, name, shape);
  const dataset: PoissonDataset = {
    x: get('x', [p.nPoints]),
    trainG: get('trainG', [p.nTrain, p.nPoints]),
    trainU: get('trainU', [p.nTrain, p.nPoints]),
    testG: get('testG', [p.nTest, p.nPoints]),
    testU: get('testU', [p.nTest, p.nPoints]),
    nTrain: p.nTrain,
    nTest: p.nTest,
    nPoints: p.nPoints,
  };
  return { dataset, ...rest };
}

export function loadOrGenerateDiffusionReaction(
  dir: string,
  opts: DiffusionReactionDatasetOptions,
  cacheOpts?: CacheOptions,
): { dataset: DiffusionReactionDataset } & Omit<CacheResult, 'arrays'> {
  const p = diffusionReactionParams(opts);
  const params: CacheParams = { problem: 'diffusion-reaction', generatorVersion: DIFFUSION_REACTION_GENERATOR_VERSION, ...p };
  const { arrays, ...rest } = loadOrGenerate(
    dir,
    params,
    () => {
      const d = makeDiffusionReactionDataset(p);
      return {
        x: { shape: [d.nx], data: d.x },
        t: { shape: [d.nt], data: d.t },
        trainF: { shape: [d.nTrain, d.nx], data: d.trainF },
        trainU: { shape: [d.nTrain, d.nt, d.nx], data: d.trainU },
        testF: { shape: [d.nTest, d.nx], data: d.testF },
        testU: { shape: [d.nTest, d.nt, d.nx], data: d.testU },
      };
    },
    cacheOpts,
  );
  const get = (name: string, shape: number[]): Float64Array => takeArray(arrays, name, shape);
  const dataset: DiffusionReactionDataset = {
    x: get('x', [p.nx]),
    t: get('t', [p.nt]),
    trainF: get('trainF', [p.nTrain, p.nx]),
    trainU: get('trainU', [p.nTrain, p.nt, p.nx]),
    testF: get('testF', [p.nTest, p.nx]),
    testU: get('testU', [p.nTest, p.nt, p.nx]),
    nTrain: p.nTrain,
    nTest: p.nTest,
    nx: p.nx,
    nt: p.nt,
  };
  return { dataset, ...rest };
}

function takeArray(arrays: StoredArrays, name: string, shape: number[]): Float64Array {
  const a = arrays[name];
  if (!a) throw new DatasetFileError(`dataset file lacks array ${name}`);
  if (a.shape.length !== shape.length || a.shape.some((d, i) => d !== shape[i])) {
    throw new DatasetFileError(`array ${name} has shape [${a.shape}], expected [${shape}]`);
  }
  return a.data;
}

function shapeSize(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
