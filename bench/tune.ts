/**
 * One training run with a method's defaults changed by a JSON patch, for tuning the defaults:
 *   node dist/bench/tune.js PROBLEM METHOD SEED OUT_DIR '{"train":{"lr":0.001},"operator":{"trunkInputScale":4}}'
 * The patch is merged into the run configuration (objects recursively); OUT_DIR becomes a normal run directory.
 */
import { defaultConfig, type ProblemName } from '../src/experiments/config.js';
import { trainToDir } from '../src/experiments/train-to-dir.js';

type Json = Record<string, unknown>;
function merge(a: Json, b: Json): void {
  for (const [k, v] of Object.entries(b)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && a[k] && typeof a[k] === 'object') merge(a[k] as Json, v as Json);
    else a[k] = v;
  }
}

const [problem, method, seed, out, patch] = process.argv.slice(2);
if (!problem || !method || !out) {
  console.error('usage: node dist/bench/tune.js PROBLEM METHOD SEED OUT_DIR [JSON_PATCH]');
  process.exit(2);
}
const cfg = defaultConfig(problem as ProblemName, method, Number(seed ?? 0));
merge(cfg as unknown as Json, JSON.parse(patch ?? '{}') as Json);
const r = trainToDir(cfg, out, { checkpointEvery: 0, onEval: (row) => console.log(`${out} it ${row.iteration} test ${row.test_rel_l2.toFixed(4)} ${row.seconds.toFixed(0)}s`) });
console.log(`${out} FINAL ${r.test_rel_l2.toFixed(4)} ${patch ?? '{}'}`);
