/**
 * Train one run into its run directory (config.json, metrics.jsonl, checkpoint.safetensors, model.safetensors,
 * result.json), optionally resuming from the directory's checkpoint. Used by `spikegrad train` and by the
 * reproduction workers.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../io/checkpoint.js';
import type { KernelOptions } from '../networks/kernel.js';
import { saveModel } from '../io/safetensors.js';
import { UserError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { methodsFor, type RunConfig } from './config.js';
import { parseMethod } from './methods.js';
import { ARITHMETIC_REVISION, FILES, prepareRunDir, readJson, readMetrics, writeJson, writeMetrics, type RunResultJson } from './run-dir.js';
import { prepareRun } from './run.js';
import { train, type MetricsRow, type TrainProgress, type TrainState } from './train.js';

export interface TrainToDirOptions {
  checkpointEvery: number;
  /** Start from these parameters instead of the seeded initialisation (fine-tuning). */
  initParams?: Float64Array;
  /** Kernel backend and threads (results do not depend on it, up to the summation order of threads > 1). */
  engine?: KernelOptions;
  onStart?: (cfg: RunConfig, fromIteration: number) => void;
  onStep?: (p: TrainProgress) => void;
  onEval?: (row: MetricsRow) => void;
}

/** Read a run directory's config and checkpoint for --resume. */
export function loadResume(dir: string): { cfg: RunConfig; state: TrainState; metrics: MetricsRow[] } {
  const cfgPath = join(dir, FILES.config);
  if (!existsSync(cfgPath)) throw new UserError(`--resume ${dir}: no ${FILES.config} there`);
  const cfg = readJson<RunConfig>(cfgPath);
  parseMethod(cfg.method, methodsFor(cfg.problem));
  const ckPath = join(dir, FILES.checkpoint);
  if (!existsSync(ckPath)) throw new UserError(`--resume ${dir}: no ${FILES.checkpoint} there (the run stopped before its first checkpoint)`);
  const ck = loadCheckpoint(ckPath);
  const extra = (ck.extra ?? {}) as { batchKey?: number; seconds?: number };
  if (typeof extra.batchKey !== 'number') throw new UserError(`${ckPath}: checkpoint lacks the batch key; it was not written by spikegrad train`);
  const state: TrainState = {
    iteration: ck.iteration,
    params: ck.params,
    optimizer: ck.optimizer,
    stepRng: ck.rngState as TrainState['stepRng'],
    batchKey: extra.batchKey,
    seconds: extra.seconds ?? 0,
  };
  const metrics = readMetrics(dir).filter((r) => r.iteration <= ck.iteration);
  return { cfg, state, metrics };
}

export function trainToDir(cfg: RunConfig, dir: string, o: TrainToDirOptions, resume?: { state: TrainState; metrics: MetricsRow[] }): RunResultJson {
  prepareRunDir(dir);
  if (!resume) writeJson(dir, FILES.config, cfg);
  const { task, start } = prepareRun(cfg, o.engine);
  if (o.initParams && !resume) {
    if (o.initParams.length !== start.params.length) throw new UserError(`initial model has ${o.initParams.length} parameters, the network needs ${start.params.length}`);
    start.params.set(o.initParams);
  }
  const method = parseMethod(cfg.method, methodsFor(cfg.problem));
  const from = resume?.state ?? start;
  const metrics: MetricsRow[] = resume ? [...resume.metrics] : [];
  o.onStart?.(cfg, from.iteration);
  const t0 = performance.now();
  const { state } = train(task, method, cfg.train, from, {
    ...(o.onStep ? { onStep: o.onStep } : {}),
    onEval: (row) => {
      metrics.push(row);
      writeMetrics(dir, metrics);
      o.onEval?.(row);
    },
    checkpointEvery: o.checkpointEvery,
    onCheckpoint: (s) =>
      saveCheckpoint(join(dir, FILES.checkpoint), {
        iteration: s.iteration,
        params: s.params,
        layout: task.layout,
        optimizer: s.optimizer,
        rngState: s.stepRng,
        config: cfg,
        extra: { batchKey: s.batchKey, seconds: s.seconds },
      }),
  });
  const last = metrics[metrics.length - 1]!;
  saveModel(join(dir, FILES.model), task.layout, state.params, { ...task.modelConfig, problem: cfg.problem, method: cfg.method });
  const ranFor = state.iteration - from.iteration;
  const result: RunResultJson = {
    problem: cfg.problem,
    method: cfg.method,
    seed: cfg.seed,
    iterations: cfg.train.iterations,
    test_rel_l2: last.test_rel_l2,
    train_rel_l2: last.train_rel_l2,
    final_loss: last.loss,
    train_seconds: round3(state.seconds),
    ms_per_iteration: ranFor > 0 ? round3((performance.now() - t0) / ranFor) : 0,
    spikegrad_version: VERSION,
    arithmetic_revision: ARITHMETIC_REVISION,
  };
  writeJson(dir, FILES.result, result);
  return result;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
