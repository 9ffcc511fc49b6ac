/** Atomic writes from several worker threads of one process to the same target must not collide. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const ATOMIC = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'util', 'atomic.js')).href;

test('writeFileAtomic: two worker threads writing the same file at once both succeed (fresh-cache race)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-atomic-'));
  try {
    const target = join(dir, 'data.bin');
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.mod).then(({ writeFileAtomic }) => {
        try {
          for (let i = 0; i < 3000; i++) writeFileAtomic(workerData.target, 'same bytes');
          parentPort.postMessage('ok');
        } catch (e) { parentPort.postMessage(String(e && e.message)); }
      });`;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { mod: ATOMIC, target } });
        w.once('message', (m: string) => {
          resolve(m);
          void w.terminate();
        });
        w.once('error', reject);
      });
    const results = await Promise.all([run(), run()]);
    assert.deepEqual(results, ['ok', 'ok']);
    assert.equal(readFileSync(target, 'utf8'), 'same bytes');
    assert.deepEqual(readdirSync(dir), ['data.bin'], 'no temporary files left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
