/** One training run from a RunConfig: build the task, initialise, train, evaluate. */
import type { KernelOptions } from '../networks/kernel.js';
import { buildTask, type RunConfig } from './config.js';
import { parseMethod } from './methods.js';
import { streamsFor, train, type MetricsRow, type TrainHooks, type TrainState } from './train.js';
import type { Evaluation, Task } from './task.js';

export interface RunResult {
  task: Task;
  state: TrainState;
  metrics: MetricsRow[];
  final: Evaluation;
}

export function prepareRun(cfg: RunConfig, engine?: KernelOptions) {
  const streams = streamsFor(cfg.seed);
  const { task } = buildTask(cfg, streams.dataRng, engine);
  const params = task.init(streams.initRng);
  const start: TrainState = {
    iteration: 0,
    params,
    optimizer: { name: cfg.train.optimizer.name, step: 0, tensors: {} },
    stepRng: streams.stepRng.getState(),
    batchKey: streams.batchKey,
    seconds: 0,
  };
  return { task, start };
}

export function runTraining(cfg: RunConfig, hooks: TrainHooks = {}, resumeFrom?: TrainState, engine?: KernelOptions): RunResult {
  const { task, start } = prepareRun(cfg, engine);
  const method = parseMethod(cfg.method, [cfg.method]);
  const { state, metrics } = train(task, method, cfg.train, resumeFrom ?? start, hooks);
  const last = metrics[metrics.length - 1];
  const final = last ? { train_rel_l2: last.train_rel_l2, test_rel_l2: last.test_rel_l2 } : task.evaluate(state.params);
  return { task, state, metrics, final };
}
