/**
 * The playground's training session (web/src/session.ts) in Node: chunked training (what the worker does between
 * messages) gives bit-identical parameters to one uninterrupted `train` call, with the TypeScript and the
 * WebAssembly kernel; the initial state is the library's; the views and the model file are consistent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareRun } from '../../src/experiments/run.js';
import { decodeSafetensors, paramsFromTensors } from '../../src/io/safetensors.js';
import { defaultSettings, runConfigFor, Session, type Settings, validateSettings } from '../../web/src/session.js';
import { sha256Bytes, toHex } from '../../web/src/sha256.js';
import { createHash } from 'node:crypto';
import type { KernelOptions } from '../../src/networks/kernel.js';

function evalsOf(s: Session, stop: () => boolean): Array<[number, number, number]> {
  const rows: Array<[number, number, number]> = [];
  while (!s.finished) s.advance(stop, { onEval: (r) => rows.push([r.iteration, r.train_rel_l2, r.test_rel_l2]) });
  return rows;
}

function chunkedEqualsWhole(settings: Settings, engine: KernelOptions = { backend: 'ts' }): void {
  const whole = new Session(settings);
  const rowsWhole = evalsOf(whole, () => false);
  const chunked = new Session(settings, engine);
  let k = 0;
  // Stop after 1, 2, 3, ... steps: chunk boundaries everywhere, including on evaluation steps.
  let limit = 1;
  const rowsChunked = evalsOf(chunked, () => {
    if (++k < limit) return false;
    k = 0;
    limit = (limit % 5) + 1;
    return true;
  });
  assert.equal(chunked.iteration, settings.iterations);
  assert.deepEqual(chunked.state.params, whole.state.params, `${settings.method}: chunked training is bit-identical`);
  assert.deepEqual(rowsChunked, rowsWhole);
  assert.equal(chunked.fingerprint(), whole.fingerprint());
  chunked.close();
}

test('sha256 matches node:crypto', () => {
  for (const n of [0, 1, 55, 56, 63, 64, 65, 1000]) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255);
    assert.equal(toHex(sha256Bytes(data)), createHash('sha256').update(data).digest('hex'), `length ${n}`);
  }
});

test('session: initial state is the library prepareRun state (Mexican hat)', () => {
  const settings = { ...defaultSettings('mexican-hat', 'SG-BP', 3), iterations: 10 };
  const s = new Session(settings);
  const { start } = prepareRun(runConfigFor(settings));
  assert.deepEqual(s.state.params, start.params);
  assert.deepEqual(s.state.stepRng, start.stepRng);
  assert.equal(s.state.batchKey, start.batchKey);
});

test('session: chunked training is bit-identical to one train call (SG-BP, WSG-RFG-L on the Mexican hat)', () => {
  chunkedEqualsWhole({ ...defaultSettings('mexican-hat', 'SG-BP', 1), iterations: 24, batch: 20, T: 8, width: 8, evalEvery: 5 });
  chunkedEqualsWhole({ ...defaultSettings('mexican-hat', 'WSG-RFG-L', 2), iterations: 24, batch: 20, T: 8, width: 8, evalEvery: 5, directions: 2 });
});

test('session: the WebAssembly kernel (as the page uses it), chunked, equals the TypeScript one in one go', () => {
  chunkedEqualsWhole({ ...defaultSettings('mexican-hat', 'SG-BP', 4), iterations: 24, batch: 20, T: 8, width: 8, evalEvery: 5 }, { backend: 'wasm', threads: 1 });
  chunkedEqualsWhole({ ...defaultSettings('mexican-hat', 'SG-RFG-G', 4), iterations: 24, batch: 20, T: 8, width: 8, evalEvery: 5 }, { backend: 'wasm', threads: 1 });
});

test('session: Poisson DeepONet trains, chunked = whole, views and model file', () => {
  const settings: Settings = { ...defaultSettings('poisson', 'WSG-BP', 0), iterations: 12, batch: 8, T: 8, width: 8, evalEvery: 4 };
  chunkedEqualsWhole(settings);
  const s = new Session(settings);
  evalsOf(s, () => false);
  const v = s.views();
  assert.equal(s.truth.kind, 'line');
  assert.equal(v.prediction.length, 51);
  assert.equal(v.raster.length, v.T * v.N);
  assert.equal(v.N, 8);
  assert.deepEqual(v.rates.map((r) => r.name), ['branch 1', 'trunk 1']);
  assert.ok(v.denseEvents > 0 && v.synapticEvents >= 0 && v.synapticEvents <= v.denseEvents);
  const file = decodeSafetensors(s.modelFile(), 'model');
  assert.deepEqual(paramsFromTensors(file.tensors, s.task.layout, 'model'), s.state.params);
  assert.equal(JSON.parse(file.metadata['spikegrad_config']!).problem, 'poisson');
});

test('session: views of the Mexican hat', () => {
  const s = new Session({ ...defaultSettings('mexican-hat', 'SG-RFG-G', 0), iterations: 3, batch: 10 });
  evalsOf(s, () => false);
  const v = s.views();
  assert.equal(v.prediction.length, 50 * 50);
  assert.equal(v.T, 32);
  assert.equal(v.N, 32);
  assert.deepEqual(v.layers, [{ name: 'hidden 1', start: 0, width: 16 }, { name: 'hidden 2', start: 16, width: 16 }]);
  for (const r of v.rates) assert.ok(r.rate >= 0 && r.rate <= 1);
  assert.match(s.stepCost().passes, /tangent/);
});

test('session: settings are validated', () => {
  const bad = validateSettings({ ...defaultSettings(), seed: -1, lr: 0, batch: 1.5, T: 0 });
  assert.deepEqual(Object.keys(bad).sort(), ['T', 'batch', 'lr', 'seed']);
  assert.throws(() => new Session({ ...defaultSettings(), width: 0 }), /width must be/);
  assert.deepEqual(validateSettings(defaultSettings('poisson', 'SG-RFG-L', 5)), {});
});
