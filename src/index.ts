/**
 * spikegrad's library API. Everything the CLI does is available here; see README.md for examples.
 */
export { Rng, hashNormal, hashUniform } from './util/rng.js';
export { UserError } from './util/errors.js';
export { ifStep, spikeOf, type IfState } from './neurons/if-neuron.js';
export { gaussian, stein, atan, fastSigmoid, sigmoid, makeSurrogate, type Surrogate, type SurrogateSpec } from './neurons/surrogates.js';
export { MlpKernel, type PassOptions, type Tape } from './networks/mlp.js';
export { createMlpKernel, type SpikingMlpKernel, type KernelOptions } from './networks/kernel.js';
export { MlpRegression } from './networks/mlp-objective.js';
export { initUniformFanIn } from './networks/init.js';
export { mse, relativeL2, MinMaxScaler } from './networks/loss.js';
export { type MlpConfig, type NeuronConfig, type ParamLayout, mlpLayout, DEFAULT_NEURON } from './networks/types.js';
export { type Objective, type GradientEstimate } from './gradients/objective.js';
export { bpGradient } from './gradients/bp.js';
export { RfgEstimator, type RfgOptions } from './gradients/rfg.js';
export { WeightPerturbationEstimator, type WeightPerturbationOptions } from './gradients/weight-perturbation.js';
export { Adam, AdaBelief, Sgd, makeOptimizer, learningRate, type Optimizer } from './optim/index.js';
export { mexicanHat, mexicanHatData } from './problems/mexican-hat.js';
export { defaultConfig, buildTask, type RunConfig } from './experiments/config.js';
export { train, streamsFor, type TrainSettings, type MetricsRow } from './experiments/train.js';
export { runTraining, prepareRun } from './experiments/run.js';
export { parseMethod } from './experiments/methods.js';
export { saveModel, loadModel, encodeSafetensors, decodeSafetensors } from './io/safetensors.js';
export { exportNir, importNir } from './io/nir.js';
