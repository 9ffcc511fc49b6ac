/** One training step of the paper's Mexican-hat network at any T and backend, for the memory probe. */
import { bpGradient } from '../src/gradients/bp.js';
import { RfgEstimator } from '../src/gradients/rfg.js';
import { createMlpKernel } from '../src/networks/kernel.js';
import { MlpRegression } from '../src/networks/mlp-objective.js';
import { initUniformFanIn } from '../src/networks/init.js';
import type { MlpConfig } from '../src/networks/types.js';
import { gaussian } from '../src/neurons/surrogates.js';
import { mexicanHat } from '../src/problems/mexican-hat.js';
import { Rng } from '../src/util/rng.js';

export const STEPS = ['forward', 'bp', 'rfg-g', 'rfg-l', 'rfg-k8'] as const;
export type StepName = (typeof STEPS)[number];

export function mexicanHatNet(T = 32): MlpConfig {
  return { kind: 'mlp', sizes: [2, 16, 16, 1], T, neuron: { threshold: 1, leak: 1, signed: false }, readout: 'linear' };
}

/** A ready-to-run step: the objective on a fixed batch of uniform points, and a function doing one step. */
export function makeStep(step: StepName, batch: number, T = 32, backend: 'ts' | 'wasm' = 'ts'): () => void {
  const rng = new Rng(1);
  const k = createMlpKernel(mexicanHatNet(T), { backend });
  const params = initUniformFanIn(k.layout, rng);
  const x = new Float64Array(2 * batch);
  const y = new Float64Array(batch);
  for (let i = 0; i < batch; i++) {
    x[2 * i] = rng.range(-1, 1);
    x[2 * i + 1] = rng.range(-1, 1);
    y[i] = mexicanHat(x[2 * i]!, x[2 * i + 1]!);
  }
  const obj = new MlpRegression(k, { surrogate: gaussian(0.5) }).setBatch(x, y, batch);
  const grad = new Float64Array(k.nParams);
  const dirRng = new Rng(2);
  switch (step) {
    case 'forward':
      return () => void obj.loss(params);
    case 'bp':
      return () => void bpGradient(obj, params, grad);
    case 'rfg-g':
    case 'rfg-l':
    case 'rfg-k8': {
      const est = new RfgEstimator({
        perturbation: step === 'rfg-l' ? 'layer' : 'global',
        directions: step === 'rfg-k8' ? 8 : 1,
        distribution: 'rademacher',
      });
      return () => void est.estimate(obj, params, dirRng, grad);
    }
  }
}
