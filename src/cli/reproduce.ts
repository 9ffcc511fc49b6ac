/** `spikegrad reproduce [EXPERIMENT]`: the paper's experiments, every method × seeds, and a report. */
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { prepareRunDir } from '../experiments/run-dir.js';
import { defaultWorkers, EXPERIMENTS, markdownTable, planRuns, runAll, summarize, writeReport } from '../experiments/reproduce.js';
import { estimateSeconds } from '../experiments/plan.js';
import { writePng } from '../plots/png.js';
import { UserError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { positiveInt, positiveNumber } from './options.js';

interface Flags {
  seeds: number;
  out?: string;
  full?: boolean;
  scale?: number;
  workers: number;
  quiet?: boolean;
}

/** The default `reproduce` (no experiment): every experiment, one seed, this fraction of the iterations. */
const QUICK_SCALE = 0.1;

export function registerReproduce(program: Command): void {
  program
    .command('reproduce')
    .description('train every method of an experiment over several seeds (in parallel, resumable) and write REPORT.md')
    .argument('[experiment]', `${Object.keys(EXPERIMENTS).join(' | ')} | all (default: a quick version of all)`)
    .option('--seeds <n>', 'seeds per method', positiveInt)
    .option('-o, --out <dir>', 'output directory (default: reproduction/EXPERIMENT)')
    .option('--scale <x>', 'multiply every run\'s iterations by x (default: 1 with an experiment named, 0.25 without)', positiveNumber)
    .option('--workers <n>', 'parallel worker threads', positiveInt, defaultWorkers())
    .option('-q, --quiet', 'no progress output')
    .action(async (experiment: string | undefined, f: Flags) => {
      const quick = experiment === undefined;
      const names = experiment === undefined || experiment === 'all' ? Object.keys(EXPERIMENTS) : [experiment];
      for (const n of names) if (!EXPERIMENTS[n]) throw new UserError(`unknown experiment '${n}' (expected one of ${Object.keys(EXPERIMENTS).join(', ')}, all)`);
      const seeds = f.seeds ?? (quick ? 1 : 3);
      const scale = f.scale ?? (quick ? QUICK_SCALE : 1);
      const out = f.out ?? join('reproduction', experiment ?? 'quick');
      prepareRunDir(out);
      const t0 = performance.now();
      const log = (line: string) => {
        if (!f.quiet) process.stderr.write(line + '\n');
      };
      // Every run of every experiment in one pool, longest first, so that no core idles between experiments.
      const plans = names.map((name) => ({ spec: EXPERIMENTS[name]!, runs: planRuns(EXPERIMENTS[name]!, { seeds, iterationScale: scale }) }));
      const all = plans.flatMap((p) => p.runs);
      const estimate = all.reduce((a, r) => a + estimateSeconds(r.cfg), 0) / Math.min(f.workers, all.length);
      log(`${names.join(', ')}: ${all.length} runs on ${f.workers} workers, roughly ${(estimate / 60).toFixed(0)} min if none is done yet`);
      const started = new Map<string, number>();
      let finished = 0;
      await runAll(all, {
        seeds,
        out,
        iterationScale: scale,
        workers: f.workers,
        onEvent: (ev) => {
          if (ev.kind === 'start') {
            started.set(ev.label, performance.now());
            log(`  start ${ev.label} (${ev.run.cfg.train.iterations} iterations)`);
          } else if (ev.kind === 'skip') {
            finished++;
            log(`  done earlier: ${ev.label}`);
          } else if (ev.kind === 'progress' && ev.test !== undefined) log(`  ${ev.label}: it ${ev.iteration}/${ev.run.cfg.train.iterations}, test rel. L2 ${ev.test.toFixed(4)}`);
          else if (ev.kind === 'done') {
            finished++;
            const mins = ((performance.now() - t0) / 60000).toFixed(1);
            log(`  finished ${ev.label}: test rel. L2 ${ev.test!.toFixed(4)} in ${((performance.now() - (started.get(ev.label) ?? 0)) / 1000).toFixed(0)} s  [${finished}/${all.length}, ${mins} min]`);
          } else if (ev.kind === 'failed') log(`  FAILED ${ev.label}: ${ev.error}`);
        },
      });
      const sections: string[] = [];
      let trainSeconds = 0;
      for (const { spec, runs } of plans) {
        const rows = summarize(runs, out);
        trainSeconds += rows.reduce((a, r) => a + r.meanSeconds * r.values.length, 0);
        const figs = (spec.figures?.(runs, out) ?? []).map((fig) => {
          writePng(join(out, fig.file), fig.svg);
          return `![${fig.caption}](${fig.file})\n\n*${fig.caption}*\n`;
        });
        const missed = rows.filter((r) => r.meets === false).map((r) => r.method);
        const verdict =
          scale !== 1 ? '' : missed.length ? `\n**Not met:** ${missed.join(', ')} (see the notes in the README, "Reproduction").\n` : rows.some((r) => r.meets !== null) ? '\nEvery row with a target meets it.\n' : '';
        sections.push(
          `## ${spec.title}\n\nTest relative L2 error over the whole test set, mean ± standard deviation over ${seeds} seed(s); K = directions per step.` +
            `${spec.notes ? ' ' + spec.notes : ''}\n\n${markdownTable(rows, scale !== 1)}\n${verdict}\n${figs.join('\n')}`,
        );
      }
      const total = (performance.now() - t0) / 1000;
      const cmd = `spikegrad reproduce${experiment ? ' ' + experiment : ''}${f.seeds ? ` --seeds ${f.seeds}` : ''}${f.scale ? ` --scale ${f.scale}` : ''}`;
      const report = [
        `# spikegrad reproduction report`,
        '',
        `Command: \`${cmd}\` · spikegrad ${VERSION} · ${new Date().toISOString().slice(0, 10)} · ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${f.workers} workers · Node ${process.version}`,
        '',
        `Total wall time of this invocation: ${(total / 60).toFixed(1)} min (runs finished earlier and reused are not counted); ` +
          `the ${all.length} runs' training times add up to ${(trainSeconds / 60).toFixed(1)} min on ${f.workers} workers.` +
          (scale !== 1 ? ` Iterations scaled by ${scale}: a quick look, not the paper's accuracy.` : ''),
        '',
        ...sections,
      ].join('\n');
      writeReport(join(out, 'REPORT.md'), report);
      if (!f.quiet) process.stdout.write(report + '\n');
    });
}
