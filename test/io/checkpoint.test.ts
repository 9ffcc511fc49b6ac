/** Training checkpoints: exact round trip, and damaged files as UserErrors. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { type MlpConfig, mlpLayout } from '../../src/networks/types.js';
import { UserError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'spikegrad-ck-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const bytesOf = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function assertUserError(fn: () => unknown, part: RegExp, name: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), `message is not one line: ${e.message}`);
    assert.ok(e.message.includes(name), `message does not name the file: ${e.message}`);
    assert.match(e.message, part);
    return true;
  });
}

const model: MlpConfig = { kind: 'mlp', sizes: [2, 8, 8, 1], T: 16, neuron: { threshold: 1, leak: 1, signed: false }, readout: 'linear' };

function makeCheckpoint(): { ck: Checkpoint; rng: Rng } {
  const layout = mlpLayout(model);
  const rng = new Rng(42);
  const params = new Float64Array(layout.size);
  rng.fillNormal(params, 0.7);
  const m = new Float64Array(layout.size);
  const v = new Float64Array(layout.size);
  rng.fillNormal(m, 1e-3);
  for (let i = 0; i < v.length; i++) v[i] = rng.uniform() * 1e-6;
  v[0] = 5e-324;
  rng.uniform(); // leave the generator mid-stream
  const ck: Checkpoint = {
    iteration: 1234,
    params,
    layout,
    optimizer: { name: 'adam', step: 1234, tensors: { m, v } },
    rngState: rng.getState(),
    config: { problem: 'mexican-hat', method: 'sg-rfg-l', seed: 3, model },
    extra: { batchKey: 987654321, seconds: 12.5 },
  };
  return { ck, rng };
}

test('checkpoint round trip is exact: parameters, optimiser state, generator, config', () => {
  const { ck, rng } = makeCheckpoint();
  const path = join(dir, 'checkpoint.safetensors');
  saveCheckpoint(path, ck);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), []);
  const back = loadCheckpoint(path);
  assert.equal(back.iteration, 1234);
  assert.deepEqual(bytesOf(back.params), bytesOf(ck.params));
  assert.deepEqual(back.layout, ck.layout);
  assert.equal(back.optimizer.name, 'adam');
  assert.equal(back.optimizer.step, 1234);
  assert.deepEqual(Object.keys(back.optimizer.tensors).sort(), ['m', 'v']);
  assert.deepEqual(bytesOf(back.optimizer.tensors['m']!), bytesOf(ck.optimizer.tensors['m']!));
  assert.deepEqual(bytesOf(back.optimizer.tensors['v']!), bytesOf(ck.optimizer.tensors['v']!));
  assert.deepEqual(back.config, ck.config);
  assert.deepEqual(back.extra, ck.extra);
  assert.deepEqual(back.rngState, ck.rngState);
  // The restored generator continues exactly where the saved one was. (The words are normalised to uint32:
  // Rng.getState can return them as signed int32, which Rng.setState rejects.)
  const st = back.rngState as ReturnType<Rng['getState']>;
  const resumed = Rng.fromState({ s: st.s.map((w) => w >>> 0) as typeof st.s, spare: st.spare });
  for (let i = 0; i < 100; i++) assert.equal(resumed.nextU32(), rng.nextU32());
  // Overwriting an existing checkpoint works (atomic rename over it).
  saveCheckpoint(path, { ...ck, iteration: 1235 });
  assert.equal(loadCheckpoint(path).iteration, 1235);
});

test('truncated or damaged checkpoints are UserErrors', () => {
  const { ck } = makeCheckpoint();
  const path = join(dir, 'good.safetensors');
  saveCheckpoint(path, ck);
  const good = readFileSync(path);
  const bad = join(dir, 'bad.safetensors');
  const n = Number(good.readBigUInt64LE(0));
  // Truncations: inside the length field, inside the header, inside the data, one byte short.
  for (const len of [0, 3, 8, 20, 8 + (n >> 1), 8 + n, 8 + n + 100, good.length - 1]) {
    writeFileSync(bad, good.subarray(0, len));
    assertUserError(() => loadCheckpoint(bad), /truncated|runs past the end|only \d+ bytes|cover/, bad);
  }
  // A flipped bit in the numbers: the header's SHA-256 catches it.
  for (const at of [8 + n, 8 + n + 777, good.length - 1]) {
    const b = Buffer.from(good);
    b[at]! ^= 0x10;
    writeFileSync(bad, b);
    assertUserError(() => loadCheckpoint(bad), /corrupted \(SHA-256/, bad);
  }
  // A damaged header.
  for (const at of [9, 8 + (n >> 1)]) {
    const b = Buffer.from(good);
    b[at] = 0x00;
    writeFileSync(bad, b);
    assertUserError(() => loadCheckpoint(bad), /./, bad);
  }
  // Not a checkpoint, missing optimiser state, non-finite optimiser state.
  writeFileSync(bad, encodeSafetensors({ a: { dtype: 'F64', shape: [1], data: Float64Array.of(1) } }, { format: 'pt' }));
  assertUserError(() => loadCheckpoint(bad), /no spikegrad_checkpoint/, bad);
  const meta = (keys: string[]) => ({
    spikegrad_checkpoint: JSON.stringify({ version: 1, iteration: 1, optimizer: { name: 'adam', step: 1, tensors: keys }, rng_state: null, config: {}, extra: {} }),
    spikegrad_layout: JSON.stringify([['w', [2]]]),
  });
  const w = { dtype: 'F64' as const, shape: [2], data: Float64Array.of(1, 2) };
  writeFileSync(bad, encodeSafetensors({ w }, meta(['m'])));
  assertUserError(() => loadCheckpoint(bad), /optimiser tensor 'm' is missing/, bad);
  writeFileSync(bad, encodeSafetensors({ w, 'optimizer.m': { dtype: 'F64', shape: [2], data: Float64Array.of(1, NaN) } }, meta(['m'])));
  assertUserError(() => loadCheckpoint(bad), /optimiser tensor 'm' holds a non-finite value at index 1/, bad);
  writeFileSync(bad, encodeSafetensors({ 'optimizer.m': w }, meta(['m'])));
  assertUserError(() => loadCheckpoint(bad), /tensors missing for the model's config: w/, bad);
  assertUserError(() => loadCheckpoint(join(dir, 'absent.safetensors')), /ENOENT/, 'absent.safetensors');
  assertUserError(() => saveCheckpoint(join(dir, 'no-such-dir', 'c.safetensors'), ck), /cannot write checkpoint file \(ENOENT\)/, 'no-such-dir');
});

test('saveCheckpoint refuses metadata JSON cannot round-trip', () => {
  const { ck } = makeCheckpoint();
  assert.throws(() => saveCheckpoint(join(dir, 'x.safetensors'), { ...ck, extra: { seconds: NaN } }), /JSON cannot store/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('x.') || f.includes('.tmp')), []);
});
