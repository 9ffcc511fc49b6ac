/** `spikegrad eval RUN_DIR`: rebuild the run's data from its config, evaluate the saved model, draw the prediction. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { RunConfig } from '../experiments/config.js';
import { operatorPredictionFigure } from '../experiments/operator-figures.js';
import { OperatorTask } from '../experiments/operator-task.js';
import { FILES, readJson } from '../experiments/run-dir.js';
import { prepareRun } from '../experiments/run.js';
import { loadModel } from '../io/safetensors.js';
import { writePng } from '../plots/png.js';
import { UserError } from '../util/errors.js';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a run directory\'s model.safetensors (train and test relative L2) and write prediction.png')
    .argument('<run-dir>', 'a directory written by spikegrad train')
    .option('--no-figure', 'do not write prediction.png')
    .action((dir: string, f: { figure: boolean }) => {
      const cfgPath = join(dir, FILES.config);
      const modelPath = join(dir, FILES.model);
      if (!existsSync(cfgPath)) throw new UserError(`${dir}: no ${FILES.config} (not a run directory)`);
      if (!existsSync(modelPath)) throw new UserError(`${dir}: no ${FILES.model} (the run has not finished)`);
      const cfg = readJson<RunConfig>(cfgPath);
      const { task } = prepareRun(cfg);
      const model = loadModel(modelPath);
      if (model.params.length !== task.layout.size) {
        throw new UserError(`${modelPath} holds ${model.params.length} parameters, the run's config needs ${task.layout.size}`);
      }
      const ev = task.evaluate(model.params);
      process.stdout.write(`${cfg.problem} ${cfg.method} seed ${cfg.seed}: test rel. L2 ${ev.test_rel_l2.toFixed(6)}, train rel. L2 ${ev.train_rel_l2.toFixed(6)}\n`);
      const title = `${cfg.problem} · ${cfg.method} · seed ${cfg.seed}`;
      const svg = task.predictionFigure
        ? task.predictionFigure(model.params, title)
        : task instanceof OperatorTask
          ? operatorPredictionFigure(task, model.params, title)
          : null;
      if (f.figure && svg) {
        const out = join(dir, 'prediction.png');
        writePng(out, svg);
        process.stdout.write(`wrote ${out}\n`);
      }
    });
}
