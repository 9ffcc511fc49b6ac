/** safetensors encoder/decoder and model files. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decodeSafetensors, encodeSafetensors, loadModel, saveModel } from '../../src/io/safetensors.js';
import { type MlpConfig, mlpLayout } from '../../src/networks/types.js';
import { UserError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-st-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const bytesOf = (a: Float64Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A file from a raw header string and data bytes (for malformed cases). */
function rawFile(header: string, data: number[] | Uint8Array = [], lengthField?: bigint): Uint8Array {
  const h = Buffer.from(header, 'utf8');
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** Assert a UserError whose message is one line naming the file and containing `part`. */
function assertUserError(fn: () => unknown, part: RegExp, name = 'bad.safetensors'): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), `message is not one line: ${e.message}`);
    assert.ok(e.message.includes(name), `message does not name the file: ${e.message}`);
    assert.match(e.message, part);
    return true;
  });
}

test('header and data match the specification byte for byte on a hand-checked example', () => {
  const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: Float32Array.of(1, -2) } }, { k: 'v' });
  // JSON: {"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} is 79 bytes; padded with
  // one space to 80 (a multiple of 8). Then 1.0f = 00 00 80 3f and -2.0f = 00 00 00 c0, little-endian.
  const json = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  assert.equal(json.length, 79);
  const expected = [80, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from(json + ' ', 'ascii'), 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0];
  assert.deepEqual([...bytes], expected);
  assert.equal(bytes.length, 8 + 80 + 8);

  // A scalar F64 tensor without metadata: 53 bytes of JSON, padded with 3 spaces to 56; 0.5 = 00 .. e0 3f.
  const b2 = encodeSafetensors({ x: { dtype: 'F64', shape: [], data: Float64Array.of(0.5) } });
  const j2 = '{"x":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}';
  assert.equal(j2.length, 53);
  assert.deepEqual([...b2], [56, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from(j2 + '   ', 'ascii'), 0, 0, 0, 0, 0, 0, 0xe0, 0x3f]);
});

test('F64 and F32 round trips are bit-identical (signed zeros, subnormals, extremes, NaN payloads)', () => {
  const f64 = Float64Array.of(0, -0, 5e-324, -2.2250738585072014e-308, 1.7976931348623157e308, Math.PI, -1 / 3, NaN, Infinity);
  new DataView(f64.buffer).setBigUint64(7 * 8, 0x7ff8_dead_beef_0001n, true); // a NaN with a payload
  const f32 = Float32Array.of(0, -0, 1e-45, 3.4028234663852886e38, Math.E, -7.25, NaN);
  const matrix = new Float64Array(12).map((_, i) => Math.sin(i) * 1e3);
  const bytes = encodeSafetensors(
    {
      m: { dtype: 'F64', shape: [3, 4], data: matrix },
      f64: { dtype: 'F64', shape: [f64.length], data: f64 },
      f32: { dtype: 'F32', shape: [f32.length], data: f32 },
      empty: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
    },
    { note: 'ünïcödé ✓' },
  );
  const { tensors, metadata } = decodeSafetensors(bytes, 'mem');
  assert.deepEqual(metadata, { note: 'ünïcödé ✓' });
  assert.deepEqual(Object.keys(tensors), ['m', 'f64', 'f32', 'empty']);
  assert.deepEqual(tensors['m']!.shape, [3, 4]);
  assert.ok(tensors['m']!.data instanceof Float64Array);
  assert.deepEqual(bytesOf(tensors['m']!.data), bytesOf(matrix));
  assert.deepEqual(bytesOf(tensors['f64']!.data), bytesOf(f64));
  assert.ok(tensors['f32']!.data instanceof Float32Array);
  assert.deepEqual(bytesOf(tensors['f32']!.data), bytesOf(f32));
  assert.deepEqual(tensors['empty']!.shape, [0, 3]);
  assert.equal(tensors['empty']!.data.length, 0);
  // The header length makes the data start 8-byte aligned.
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0);
});

test('the decoder works on a view that is not 8-byte aligned', () => {
  const bytes = encodeSafetensors({ a: { dtype: 'F64', shape: [2], data: Float64Array.of(1.5, -2.5) } });
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  const { tensors } = decodeSafetensors(shifted.subarray(3), 'mem');
  assert.deepEqual([...tensors['a']!.data], [1.5, -2.5]);
});

const okTensor = (dtype = 'F64', shape = [2], offs = [0, 16]) => ({ dtype, shape, data_offsets: offs });

test('malformed files are UserErrors naming the file and the problem', () => {
  const name = 'bad.safetensors';
  const d16 = new Array(16).fill(0);
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['empty file', new Uint8Array(0), /truncated/],
    ['5 bytes', new Uint8Array(5), /truncated/],
    ['header length beyond the file', rawFile('{}', [], 1000n), /header length 1000 runs past the end/],
    ['huge header length', rawFile('{}', [], 0xffff_ffff_ffff_fff0n), /runs past the end/],
    ['invalid JSON', rawFile('{"a": {"dtype": "F64",', d16), /not valid JSON/],
    ['JSON array', rawFile('[1, 2]', d16), /does not start with "\{"/],
    ['JSON null-ish object', rawFile('{"a": null}', d16), /entry 'a' is not an object/],
    ['invalid UTF-8', rawFile('{"\xff"}', d16).map((b, i) => (i === 10 ? 0xff : b)), /UTF-8/],
    ['unknown dtype', rawFile(JSON.stringify({ a: okTensor('F99') }), d16), /unknown dtype 'F99'/],
    ['unsupported dtype', rawFile(JSON.stringify({ a: okTensor('I64') }), d16), /dtype I64; spikegrad reads F32 and F64 only/],
    ['missing dtype', rawFile(JSON.stringify({ a: { shape: [2], data_offsets: [0, 16] } }), d16), /has no dtype/],
    ['negative shape', rawFile(JSON.stringify({ a: okTensor('F64', [-2]) }), d16), /invalid shape/],
    ['fractional offsets', rawFile(JSON.stringify({ a: okTensor('F64', [2], [0, 15.5]) }), d16), /invalid data_offsets/],
    ['begin > end', rawFile(JSON.stringify({ a: okTensor('F64', [0], [16, 8]) }), d16), /begin > end/],
    ['offsets out of range', rawFile(JSON.stringify({ a: okTensor('F64', [4], [0, 32]) }), d16), /ends at byte 32 .* only 16 bytes/],
    ['truncated data', rawFile(JSON.stringify({ a: okTensor() }), d16.slice(0, 12)), /ends at byte 16 .* only 12 bytes \(truncated\?\)/],
    ['shape × itemsize ≠ bytes', rawFile(JSON.stringify({ a: okTensor('F64', [3]) }), d16), /shape \[3\] × 8 bytes ≠ 16 bytes/],
    ['F32 size mismatch', rawFile(JSON.stringify({ a: okTensor('F32', [2]) }), d16), /shape \[2\] × 4 bytes ≠ 16 bytes/],
    [
      'overlapping tensors',
      rawFile(JSON.stringify({ a: okTensor('F64', [2], [0, 16]), b: okTensor('F64', [1], [8, 16]) }), d16),
      /overlaps another tensor/,
    ],
    ['hole in the data', rawFile(JSON.stringify({ a: okTensor('F64', [1], [8, 16]) }), d16), /bytes 0–8 of the data belong to no tensor/],
    ['trailing bytes', rawFile(JSON.stringify({ a: okTensor('F64', [1], [0, 8]) }), d16), /16 bytes but the tensors cover 8/],
    ['metadata not an object', rawFile(JSON.stringify({ __metadata__: [1] }), []), /__metadata__ is not an object/],
    ['metadata value not a string', rawFile(JSON.stringify({ __metadata__: { k: 1 } }), []), /__metadata__.k is not a string/],
  ];
  for (const [label, bytes, re] of cases) {
    assertUserError(() => decodeSafetensors(bytes, name), re, name);
    assert.ok(label); // label shows in the stack of a failing case
  }
});

test('every truncation of a valid file is a UserError', () => {
  const bytes = encodeSafetensors({ w: { dtype: 'F64', shape: [3, 2], data: Float64Array.of(1, 2, 3, 4, 5, 6) } }, { a: 'b' });
  for (let len = 0; len < bytes.length; len++) {
    assertUserError(() => decodeSafetensors(bytes.subarray(0, len), 'cut.safetensors'), /./, 'cut.safetensors');
  }
});

const cfg: MlpConfig = { kind: 'mlp', sizes: [2, 6, 5, 3], T: 12, neuron: { threshold: 1, leak: 0.95, signed: false }, readout: 'linear' };

function randomParams(n: number, seed = 1): Float64Array {
  const p = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    p[i] = (s / 2147483648 - 0.5) * Math.PI; // full-precision doubles
  }
  return p;
}

test('saveModel → loadModel is bit-identical and keeps the config; written atomically', () => {
  const layout = mlpLayout(cfg);
  const params = randomParams(layout.size);
  params[3] = -0;
  const path = join(dir, 'model.safetensors');
  const config = { ...cfg, problem: 'mexican-hat', target_scaling: { kind: 'min-max', min: -0.09, max: 0.78 } };
  saveModel(path, layout, params, config);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), []);
  const m = loadModel(path);
  assert.deepEqual(bytesOf(m.params), bytesOf(params));
  assert.deepEqual(m.config, config);
  assert.deepEqual(m.layout, layout);
  // What PyTorch sees: the layout's names, F64, nn.Linear shapes, and format 'pt'.
  const { tensors, metadata } = decodeSafetensors(readFileSync(path), path);
  assert.deepEqual(Object.keys(tensors), ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'readout.weight', 'readout.bias']);
  assert.deepEqual(tensors['layers.0.weight']!.shape, [6, 2]);
  assert.deepEqual(tensors['readout.weight']!.shape, [3, 5]);
  assert.equal(tensors['readout.bias']!.dtype, 'F64');
  assert.equal(metadata['format'], 'pt');
  assert.deepEqual(JSON.parse(metadata['spikegrad_config']!), config);
});

test('loadModel of a non-MLP config uses the stored layout', () => {
  const layout = mlpLayout(cfg, 'branch.');
  const params = randomParams(layout.size, 3);
  const path = join(dir, 'op.safetensors');
  saveModel(path, layout, params, { kind: 'deeponet', latent: 4 });
  const m = loadModel(path);
  assert.deepEqual(m.layout, layout);
  assert.deepEqual(bytesOf(m.params), bytesOf(params));
});

test('model files: NaN/Inf, missing or mis-shaped tensors, damage and foreign files are UserErrors', () => {
  const layout = mlpLayout(cfg);
  const params = randomParams(layout.size, 2);
  const meta = { format: 'pt', spikegrad_config: JSON.stringify(cfg) };
  const write = (name: string, bytes: Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const tensorsOf = (p: Float64Array) =>
    Object.fromEntries(layout.tensors.map((t) => [t.name, { dtype: 'F64' as const, shape: t.shape, data: p.slice(t.offset, t.offset + t.size) }]));

  const nan = params.slice();
  nan[13] = NaN; // layers.0.weight has 12 values: this is layers.0.bias[1]
  let p = write('nan.safetensors', encodeSafetensors(tensorsOf(nan), meta));
  assertUserError(() => loadModel(p), /tensor 'layers.0.bias' holds a non-finite value \(NaN at index 1\)/, p);
  const inf = params.slice();
  inf[0] = -Infinity;
  p = write('inf.safetensors', encodeSafetensors(tensorsOf(inf), meta));
  assertUserError(() => loadModel(p), /non-finite value \(-Infinity/, p);

  const missing = tensorsOf(params);
  delete missing['readout.bias'];
  delete missing['layers.1.weight'];
  p = write('missing.safetensors', encodeSafetensors(missing, meta));
  assertUserError(() => loadModel(p), /tensors missing for the model's config: layers.1.weight, readout.bias/, p);

  const wrongShape = tensorsOf(params);
  wrongShape['layers.0.weight'] = { dtype: 'F64', shape: [2, 6], data: wrongShape['layers.0.weight']!.data };
  p = write('shape.safetensors', encodeSafetensors(wrongShape, meta));
  assertUserError(() => loadModel(p), /'layers.0.weight' has shape \[2,6\], the config needs \[6,2\]/, p);

  const extra = { ...tensorsOf(params), stray: { dtype: 'F64' as const, shape: [1], data: Float64Array.of(1) } };
  p = write('extra.safetensors', encodeSafetensors(extra, meta));
  assertUserError(() => loadModel(p), /not in the model's layout: stray/, p);

  p = write('foreign.safetensors', encodeSafetensors(tensorsOf(params), { format: 'pt' }));
  assertUserError(() => loadModel(p), /not a spikegrad file \(no spikegrad_config/, p);

  p = write('badcfg.safetensors', encodeSafetensors(tensorsOf(params), { spikegrad_config: JSON.stringify({ ...cfg, T: 0 }) }));
  assertUserError(() => loadModel(p), /invalid MLP config: T must be a positive integer/, p);

  // A flipped bit in the numbers of a saved model: caught by the SHA-256 in the header.
  p = join(dir, 'flip.safetensors');
  saveModel(p, layout, params, cfg);
  const bytes = readFileSync(p);
  bytes[bytes.length - 20]! ^= 0x04;
  writeFileSync(p, bytes);
  assertUserError(() => loadModel(p), /data is corrupted \(SHA-256/, p);

  assertUserError(() => loadModel(join(dir, 'nope.safetensors')), /cannot read model file \(ENOENT\)/, 'nope.safetensors');
  assertUserError(() => saveModel(join(dir, 'diverged.safetensors'), layout, nan, cfg), /non-finite parameter/, 'diverged.safetensors');
});
