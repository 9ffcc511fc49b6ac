/** `spikegrad export-nir` and `spikegrad import-nir`: the Neuromorphic Intermediate Representation (NIR 1.0). */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { defaultConfig, PROBLEMS, type ProblemName } from '../experiments/config.js';
import { FILES, prepareRunDir, writeJson } from '../experiments/run-dir.js';
import { checkOperatorConfig, exportNir, exportOperatorNir, importNir } from '../io/nir.js';
import { checkMlpConfig, loadModel, saveModel } from '../io/safetensors.js';
import { mlpLayout } from '../networks/types.js';
import { UserError } from '../util/errors.js';
import { oneOf, positiveInt } from './options.js';

export function registerNir(program: Command): void {
  program
    .command('export-nir')
    .description('write a trained spiking MLP (or DeepONet/SepONet: one nested graph per sub-network) as a NIR 1.0 graph (HDF5) for snnTorch, Norse, Lava-DL (Loihi 2), …')
    .argument('<model>', 'a run directory or its model.safetensors')
    .argument('<out.nir>', 'output file')
    .action(async (model: string, out: string) => {
      const path = existsSync(model) && statSync(model).isDirectory() ? join(model, FILES.model) : model;
      if (!existsSync(path)) throw new UserError(`${path}: no such file`);
      const m = loadModel(path);
      const kind = m.config['kind'];
      if (kind === 'deeponet' || kind === 'seponet') {
        const op = checkOperatorConfig(m.config, path);
        const warnings = await exportOperatorNir(out, op, m.params, m.layout);
        for (const w of warnings) process.stderr.write(`spikegrad: warning: ${w}\n`);
        const parts = op.factors.map((f) => `${f.name} ${f.mlp.sizes.join('→')}`).join(', ');
        process.stdout.write(`wrote ${out} (${kind}: ${parts}; rank ${op.latent}, T = ${op.factors[0]!.mlp.T}; one nested graph per sub-network)\n`);
        return;
      }
      if (kind !== 'mlp') throw new UserError(`${path}: NIR export supports spiking MLPs, DeepONets and SepONets; this model is a '${String(kind)}'`);
      const cfg = checkMlpConfig(m.config, path);
      const warnings = await exportNir(out, cfg, m.params);
      for (const w of warnings) process.stderr.write(`spikegrad: warning: ${w}\n`);
      process.stdout.write(`wrote ${out} (${cfg.sizes.join('→')}, T = ${cfg.T})\n`);
    });
  program
    .command('import-nir')
    .description('read a NIR chain (Input/Affine/Linear/IF/LIF/I/LI/Output) into a run directory for eval or fine-tuning')
    .argument('<file.nir>', 'NIR file written by spikegrad, snnTorch, Norse, Sinabs, …')
    .requiredOption('-o, --out <dir>', 'run directory to create (config.json, model.safetensors)')
    .option('--problem <name>', `problem the network is for: ${PROBLEMS.join(' | ')}`, oneOf(PROBLEMS), 'mexican-hat' as ProblemName)
    .option('-T, --steps <T>', 'time steps, when the file does not say', positiveInt)
    .action(async (file: string, f: { out: string; problem: ProblemName; steps?: number }) => {
      const { cfg, params, warnings } = await importNir(file, f.steps !== undefined ? { T: f.steps } : {});
      for (const w of warnings) process.stderr.write(`spikegrad: warning: ${w}\n`);
      const run = defaultConfig(f.problem, 'SG-BP', 0);
      if (run.model.sizes[0] !== cfg.sizes[0] || run.model.sizes[run.model.sizes.length - 1] !== cfg.sizes[cfg.sizes.length - 1]) {
        throw new UserError(`${file}: the network maps ${cfg.sizes[0]} → ${cfg.sizes[cfg.sizes.length - 1]}, problem '${f.problem}' needs ${run.model.sizes[0]} → ${run.model.sizes[run.model.sizes.length - 1]}`);
      }
      run.model = cfg;
      prepareRunDir(f.out);
      writeJson(f.out, FILES.config, run);
      saveModel(join(f.out, FILES.model), mlpLayout(cfg), params, { ...cfg, problem: f.problem, method: 'imported' });
      process.stdout.write(`wrote ${f.out} (${cfg.sizes.join('→')}, T = ${cfg.T}); evaluate with: spikegrad eval ${f.out}\n`);
    });
}
