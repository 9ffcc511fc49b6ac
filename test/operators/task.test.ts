/** The operator tasks end to end: defaults for every method, data from the cache, a step, an evaluation. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildTask, defaultConfig, methodsFor } from '../../src/experiments/config.js';
import { OperatorTask } from '../../src/experiments/operator-task.js';
import { Rng } from '../../src/util/rng.js';

test('operator problems: every Table 1 method has defaults, LL methods add heads, tasks train and evaluate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spikegrad-op-'));
  try {
    for (const problem of ['poisson', 'diffusion-reaction'] as const) {
      const methods = methodsFor(problem);
      assert.equal(methods.length, 11);
      for (const m of methods) {
        const cfg = defaultConfig(problem, m, 3);
        assert.equal(cfg.operator!.localLosses, m.endsWith('-LL'));
      }
      const cfg = defaultConfig(problem, 'SG-BP-LL', 0);
      cfg.operator!.dataDir = dir;
      const { task } = buildTask(cfg, new Rng(0), { backend: 'wasm', threads: 1 });
      assert.ok(task instanceof OperatorTask);
      const t = task as OperatorTask;
      assert.equal(t.nTrain, problem === 'poisson' ? 800 : 100);
      assert.ok(t.layout.tensors.some((x) => x.name === 'heads.branch.0.weight'));
      const params = task.init(new Rng(1));
      const obj = task.batchObjective(Int32Array.from([0, 5, 7]));
      const grad = new Float64Array(params.length);
      const loss = obj.lossAndGrad(params, grad);
      assert.ok(Number.isFinite(loss) && loss > 0);
      assert.ok(grad.some((g) => g !== 0));
      const ev = task.evaluate(params);
      assert.ok(Number.isFinite(ev.test_rel_l2) && ev.test_rel_l2 > 0);
      const perFunction = problem === 'poisson' ? 51 : 100 * 100;
      assert.equal(task.predictTest(params).length, (problem === 'poisson' ? 800 : 100) * perFunction);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
