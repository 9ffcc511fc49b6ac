/** Shared helpers of the kernel tests: random nets, bit-exact comparison. */
import assert from 'node:assert/strict';
import { MlpKernel } from '../../src/networks/mlp.js';
import { initUniformFanIn } from '../../src/networks/init.js';
import type { MlpConfig, NeuronConfig, Readout } from '../../src/networks/types.js';
import { Rng } from '../../src/util/rng.js';

export interface NetCase {
  sizes: number[];
  neuron?: Partial<NeuronConfig>;
  readout?: Readout;
  T?: number;
}

export function config(c: NetCase): MlpConfig {
  return {
    kind: 'mlp',
    sizes: c.sizes,
    T: c.T ?? 10,
    neuron: { threshold: 1, leak: 1, signed: false, ...c.neuron },
    readout: c.readout ?? 'linear',
  };
}

/** Parameters scaled up so that layers fire often and every path of the passes runs. */
export function params(cfg: MlpConfig, seed: number, scale = 3): Float64Array {
  const p = initUniformFanIn(new MlpKernel(cfg).layout, new Rng(seed));
  for (let i = 0; i < p.length; i++) p[i]! *= scale;
  return p;
}

export function randn(n: number, rng: Rng, scale = 1): Float64Array {
  const a = new Float64Array(n);
  rng.fillNormal(a, scale);
  return a;
}

/** Every element identical, bit for bit (Object.is: also tells +0 from −0). */
export function assertBitEqual(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`${what}: element ${i} differs: ${actual[i]} vs ${expected[i]} (and maybe others)`);
    }
  }
}

/** |a − b| ≤ tol · max(max|b|, tiny) elementwise, i.e. relative to the array's scale. */
export function assertClose(actual: Float64Array, expected: Float64Array, tol: number, what: string): number {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  scale = Math.max(scale, 1e-300);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / scale);
  assert.ok(worst <= tol, `${what}: max |Δ|/scale = ${worst} > ${tol}`);
  return worst;
}

/** Count of nonzero entries (to check that a case exercises spikes). */
export function nonzero(a: Float64Array): number {
  let n = 0;
  for (const v of a) if (v !== 0) n++;
  return n;
}
