/** `spikegrad train PROBLEM --method M …`: one training run into a run directory. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { defaultConfig, methodsFor, PROBLEMS, type ProblemName, type RunConfig } from '../experiments/config.js';
import { FILES } from '../experiments/run-dir.js';
import { loadResume, trainToDir } from '../experiments/train-to-dir.js';
import { checkMlpConfig, loadModel } from '../io/safetensors.js';
import { UserError } from '../util/errors.js';
import { intList, nonNegativeInt, oneOf, positiveInt, positiveNumber, unitInterval } from './options.js';
import { makeReporter } from './progress.js';

interface TrainFlags {
  method?: string;
  iterations?: number;
  batch?: number;
  lr?: number;
  directions?: number;
  seed: number;
  out?: string;
  evalEvery?: number;
  optimizer?: 'adam' | 'adabelief' | 'sgd';
  schedule?: 'cosine' | 'constant' | 'exponential';
  sigma?: number;
  steinSamples?: number;
  steps?: number;
  hidden?: number[];
  leak?: number;
  threshold?: number;
  signed?: boolean;
  readout?: 'linear' | 'spike-rate';
  normalize: boolean;
  distribution?: 'rademacher' | 'gaussian';
  epsilon?: number;
  checkpointEvery: number;
  resume?: string;
  initFrom?: string;
  threads: number;
  quiet?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train one model into a run directory (config.json, metrics.jsonl, model.safetensors, result.json)')
    .argument('[problem]', `problem: ${PROBLEMS.join(' | ')}`)
    .option('-m, --method <name>', 'surrogate-gradient-perturbation, e.g. SG-BP, WSG-BP, SG-RFG-G, SG-RFG-L, WSG-RFG-G, WSG-RFG-L, SG-WP')
    .option('-n, --iterations <n>', 'training iterations (default: per method, see README)', positiveInt)
    .option('-b, --batch <n>', 'batch size (training points per step)', positiveInt)
    .option('--lr <x>', 'initial learning rate', positiveNumber)
    .option('-k, --directions <k>', 'random directions per step (RFG: per layer with -L; WP)', positiveInt)
    .option('-s, --seed <s>', 'seed of every random draw (data, init, directions, Stein samples, batches)', nonNegativeInt, 0)
    .option('-o, --out <dir>', 'run directory (default: runs/PROBLEM-METHOD-sSEED)')
    .option('--eval-every <n>', 'evaluate train/test error every n iterations', positiveInt)
    .option('--optimizer <name>', 'adam | adabelief | sgd (with momentum 0.9)', oneOf(['adam', 'adabelief', 'sgd'] as const))
    .option('--schedule <name>', 'cosine (to 1% of lr) | constant | exponential', oneOf(['cosine', 'constant', 'exponential'] as const))
    .option('--sigma <x>', 'surrogate width σ (Gaussian and Stein)', positiveNumber)
    .option('--stein-samples <k>', 'Monte-Carlo samples of the WSG (Stein) surrogate', positiveInt)
    .option('-T, --steps <T>', 'simulation time steps', positiveInt)
    .option('--hidden <list>', 'hidden layer widths, e.g. 16,16', intList)
    .option('--leak <λ>', 'membrane leak λ in [0, 1] (1 = integrate-and-fire)', unitInterval)
    .option('--threshold <θ>', 'firing threshold θ', positiveNumber)
    .option('--signed', 'ternary spikes (+θ and −θ thresholds)')
    .option('--readout <kind>', 'linear (time-averaged affine readout) | spike-rate', oneOf(['linear', 'spike-rate'] as const))
    .option('--no-normalize', 'do not min–max normalise the targets')
    .option('--distribution <d>', 'perturbation directions: rademacher | gaussian', oneOf(['rademacher', 'gaussian'] as const))
    .option('--epsilon <ε>', 'weight-perturbation step', positiveNumber)
    .option('--checkpoint-every <n>', 'write checkpoint.safetensors every n iterations (0: never)', nonNegativeInt, 1000)
    .option('--resume <dir>', 'continue the run in DIR from its checkpoint (same config)')
    .option('--init-from <model>', 'start from a trained model (model.safetensors or a run directory, e.g. one made by import-nir): fine-tuning')
    .option('--threads <n>', 'worker threads of the WebAssembly kernel (batch split; 1 gives results bit-identical to the reference)', positiveInt, 1)
    .option('-q, --quiet', 'no progress output')
    .action(async (problem: string | undefined, flags: TrainFlags) => {
      await trainCommand(problem, flags);
    });
}

function buildConfig(problem: string | undefined, f: TrainFlags): RunConfig {
  if (!problem) throw new UserError(`missing problem (expected one of ${PROBLEMS.join(', ')})`);
  if (!(PROBLEMS as readonly string[]).includes(problem)) throw new UserError(`unknown problem '${problem}' (expected one of ${PROBLEMS.join(', ')})`);
  if (!f.method) throw new UserError(`missing --method (one of ${methodsFor(problem as ProblemName).join(', ')})`);
  const cfg = defaultConfig(problem as ProblemName, f.method, f.seed);
  const t = cfg.train;
  if (f.iterations !== undefined) t.iterations = f.iterations;
  if (f.batch !== undefined) t.batch = f.batch;
  if (f.lr !== undefined) t.lr = f.lr;
  if (f.directions !== undefined) t.directions = f.directions;
  if (f.evalEvery !== undefined) t.evalEvery = f.evalEvery;
  if (f.optimizer !== undefined) t.optimizer = { name: f.optimizer };
  if (f.schedule !== undefined) t.schedule = { name: f.schedule, ...(f.schedule === 'cosine' ? { finalFraction: 0.01 } : {}) };
  if (f.distribution !== undefined) t.distribution = f.distribution;
  if (f.epsilon !== undefined) t.wpEpsilon = f.epsilon;
  t.evalEvery = Math.min(t.evalEvery, t.iterations);
  if (f.sigma !== undefined) cfg.surrogate.sigma = f.sigma;
  if (f.steinSamples !== undefined) {
    if (cfg.surrogate.name !== 'stein') throw new UserError('--stein-samples applies to WSG methods only');
    cfg.surrogate.samples = f.steinSamples;
  }
  const m = cfg.model;
  if (f.steps !== undefined) m.T = f.steps;
  if (f.hidden !== undefined) m.sizes = [m.sizes[0]!, ...f.hidden, m.sizes[m.sizes.length - 1]!];
  if (f.leak !== undefined) m.neuron.leak = f.leak;
  if (f.threshold !== undefined) m.neuron.threshold = f.threshold;
  if (f.signed) m.neuron.signed = true;
  if (f.readout !== undefined) m.readout = f.readout;
  cfg.normalize_targets = f.normalize;
  return cfg;
}

export async function trainCommand(problem: string | undefined, f: TrainFlags): Promise<void> {
  let cfg: RunConfig;
  let dir: string;
  let resume: ReturnType<typeof loadResume> | undefined;
  if (f.resume) {
    dir = f.resume;
    resume = loadResume(dir);
    cfg = resume.cfg;
  } else {
    cfg = buildConfig(problem, f);
    dir = f.out ?? join('runs', `${cfg.problem}-${cfg.method}-s${cfg.seed}`);
  }
  let initParams: Float64Array | undefined;
  if (f.initFrom && !resume) {
    const path = existsSync(f.initFrom) && statSync(f.initFrom).isDirectory() ? join(f.initFrom, FILES.model) : f.initFrom;
    if (!existsSync(path)) throw new UserError(`--init-from ${path}: no such file`);
    const m = loadModel(path);
    cfg.model = checkMlpConfig(m.config, path);
    initParams = m.params;
  }
  const from = resume?.state.iteration ?? 0;
  const reporter = makeReporter(cfg.train.iterations, from, `${cfg.problem} ${cfg.method} seed ${cfg.seed}`, !!f.quiet);
  let result;
  try {
    result = trainToDir(
      cfg,
      dir,
      {
        checkpointEvery: f.checkpointEvery,
        onStep: (p) => reporter.step(p),
        onEval: (r) => reporter.eval(r),
        engine: { backend: 'wasm', threads: f.threads },
        ...(initParams ? { initParams } : {}),
      },
      resume,
    );
  } finally {
    reporter.stop();
  }
  if (!f.quiet) {
    process.stdout.write(
      `${cfg.problem} ${cfg.method} seed ${cfg.seed}: test rel. L2 ${result.test_rel_l2.toFixed(4)}, train ${result.train_rel_l2.toFixed(4)} ` +
        `after ${result.iterations} iterations in ${result.train_seconds.toFixed(1)} s → ${dir}\n`,
    );
  }
}
