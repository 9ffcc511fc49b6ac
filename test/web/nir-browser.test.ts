/**
 * The playground's NIR export (web/src/nir-browser.ts: h5wasm's in-memory file system, the library's own
 * writeGraphInto) gives a file the library's importer reads back to the same network and parameters, with the
 * same HDF5 tree as the library's exportNir.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportNir, importNir, readHdf5Tree } from '../../src/io/nir.js';
import { initUniformFanIn } from '../../src/networks/init.js';
import { MlpKernel } from '../../src/networks/mlp.js';
import type { MlpConfig } from '../../src/networks/types.js';
import { Rng } from '../../src/util/rng.js';
import { nirFile } from '../../web/src/nir-browser.js';

test('playground NIR export: the library imports it to the same net, and its HDF5 tree is the library export’s', async () => {
  const cfg: MlpConfig = { kind: 'mlp', sizes: [2, 5, 4, 1], T: 8, neuron: { threshold: 1, leak: 0.9, signed: false }, readout: 'linear' };
  const params = initUniformFanIn(new MlpKernel(cfg).layout, new Rng(4));
  const dir = mkdtempSync(join(tmpdir(), 'spikegrad-nir-browser-'));
  try {
    const { bytes } = await nirFile(cfg, params);
    const web = join(dir, 'web.nir');
    writeFileSync(web, bytes);
    const back = await importNir(web);
    assert.deepEqual(back.cfg, cfg);
    assert.deepEqual(Array.from(back.params), Array.from(params));
    const lib = join(dir, 'lib.nir');
    await exportNir(lib, cfg, params);
    assert.deepEqual(await readHdf5Tree(web), await readHdf5Tree(lib));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
