/**
 * Peak memory of one training step, in a fresh process: peak RSS (VmHWM, reset through /proc/self/clear_refs)
 * after the step minus RSS before it, the same measure as the PyTorch peer's --memory.
 * Usage: node dist/bench/memory-probe.js STEP BATCH T [BACKEND]  → prints {"step","batch","T","backend","peak_mb"}.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { makeStep, type StepName } from './steps.js';

function statusKb(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

const [step, batch, T, backend = 'ts'] = process.argv.slice(2);
const b = backend === 'wasm' ? 'wasm' : 'ts';
// Warm up (compile) on a tiny batch, so the measured step's buffers are not already in the heap.
makeStep(step as StepName, 4, Number(T), b)();
const run = makeStep(step as StepName, Number(batch), Number(T), b);
(globalThis as { gc?: () => void }).gc?.();
writeFileSync('/proc/self/clear_refs', '5');
const before = statusKb('VmRSS');
run();
const peak = statusKb('VmHWM');
process.stdout.write(JSON.stringify({ step, batch: Number(batch), T: Number(T), backend: b, peak_mb: (peak - before) / 1024 }) + '\n');
