/**
 * `spikegrad reproduce EXPERIMENT`: every method of an experiment × several seeds, trained in parallel on
 * worker threads (one per core), resumable (a run whose result.json matches its config is not redone; an
 * interrupted run continues from its checkpoint), then REPORT.md with the table.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { writeFileAtomic } from '../util/atomic.js';
import { defaultConfig, type ProblemName, type RunConfig } from './config.js';
import { loadModel } from '../io/safetensors.js';
import { relativeL2 } from '../networks/loss.js';
import { compose, heatmap, linePlot, type Series } from '../plots/svg.js';
import { buildTask, DEFAULT_ENGINE } from './config.js';
import type { MlpTask } from './mlp-task.js';
import { FILES, readJson, readMetrics, type RunResultJson } from './run-dir.js';
import { streamsFor } from './train.js';
import type { Job, WorkerMessage } from './reproduce-worker.js';

export interface PlannedRun {
  problem: ProblemName;
  method: string;
  seed: number;
  /** The paper's published value for this row (null where the paper shows a figure only). */
  paper: number | null;
  cfg: RunConfig;
}

export interface Figure {
  file: string;
  caption: string;
  svg: string;
}

export interface ExperimentSpec {
  name: string;
  title: string;
  rows: Array<{ problem: ProblemName; method: string; paper: number | null; label?: string; adjust?: (c: RunConfig) => void }>;
  /** Figures drawn from the finished runs (seed 0 where one run is shown). */
  figures?: (runs: PlannedRun[], out: string) => Figure[];
}

/** Paper values (arXiv 2411.07057, section 4 and Table 1). */
export const EXPERIMENTS: Record<string, ExperimentSpec> = {
  'mexican-hat': {
    name: 'mexican-hat',
    title: 'Mexican hat, spiking MLP 2→16→16→1, T = 32 (paper, section 4, Fig. 5)',
    rows: [
      { problem: 'mexican-hat', method: 'SG-BP', paper: 0.0298 },
      { problem: 'mexican-hat', method: 'SG-RFG-L', paper: 0.0342 },
      { problem: 'mexican-hat', method: 'SG-RFG-G', paper: 0.0426 },
    ],
    figures: (runs, out) => [
      mexicanHatFigure(runs, out),
      trainingCurves(runs, out, 'mexican-hat-training-curves.png', 'Mexican hat: test relative L2 during training (seed 0)'),
    ],
  },
};

export interface ReproduceOptions {
  seeds: number;
  out: string;
  /** Scale every run's iterations by this factor (the quick version). */
  iterationScale: number;
  workers: number;
  onEvent?: (ev: { kind: 'start' | 'progress' | 'done' | 'skip' | 'failed'; label: string; run: PlannedRun; iteration?: number; test?: number; error?: string }) => void;
}

export function planRuns(spec: ExperimentSpec, o: Pick<ReproduceOptions, 'seeds' | 'iterationScale'>): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const row of spec.rows) {
    for (let seed = 0; seed < o.seeds; seed++) {
      const cfg = defaultConfig(row.problem, row.method, seed);
      row.adjust?.(cfg);
      if (o.iterationScale !== 1) {
        cfg.train.iterations = Math.max(10, Math.round(cfg.train.iterations * o.iterationScale));
        cfg.train.evalEvery = Math.max(1, Math.min(cfg.train.evalEvery, Math.round(cfg.train.iterations / 10)));
      }
      runs.push({ problem: row.problem, method: row.label ?? row.method, seed, paper: row.paper, cfg });
    }
  }
  return runs;
}

export function runDirOf(out: string, r: PlannedRun): string {
  return join(out, 'runs', r.problem, r.method, `s${r.seed}`);
}

function isDone(dir: string, cfg: RunConfig): boolean {
  const res = join(dir, FILES.result);
  const conf = join(dir, FILES.config);
  if (!existsSync(res) || !existsSync(conf)) return false;
  return JSON.stringify(readJson(conf)) === JSON.stringify(cfg);
}

/** Run every planned run (skipping finished ones) on a pool of worker threads; resolves when all are done. */
export async function runAll(runs: PlannedRun[], o: ReproduceOptions): Promise<void> {
  const todo: Job[] = [];
  runs.forEach((r, id) => {
    const dir = runDirOf(o.out, r);
    if (isDone(dir, r.cfg)) o.onEvent?.({ kind: 'skip', label: label(r), run: r });
    else todo.push({ id, cfg: r.cfg, dir });
  });
  const n = Math.max(1, Math.min(o.workers, todo.length));
  const workerUrl = new URL('./reproduce-worker.js', import.meta.url);
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: n }, async () => {
      const w = new Worker(workerUrl);
      try {
        for (;;) {
          const job = todo.shift();
          if (!job) break;
          const run = runs[job.id]!;
          o.onEvent?.({ kind: 'start', label: label(run), run });
          await new Promise<void>((resolve, reject) => {
            const onMsg = (m: WorkerMessage) => {
              if (m.id !== job.id) return;
              if (m.type === 'progress') o.onEvent?.({ kind: 'progress', label: label(run), run, iteration: m.iteration, ...(m.test !== undefined ? { test: m.test } : {}) });
              else {
                w.off('message', onMsg);
                w.off('error', onErr);
                if (m.type === 'done') o.onEvent?.({ kind: 'done', label: label(run), run, test: m.test });
                else {
                  failures.push(`${label(run)}: ${m.error}`);
                  o.onEvent?.({ kind: 'failed', label: label(run), run, error: m.error });
                }
                resolve();
              }
            };
            const onErr = (e: Error) => reject(e);
            w.on('message', onMsg);
            w.on('error', onErr);
            w.postMessage(job);
          });
        }
      } finally {
        await w.terminate();
      }
    }),
  );
  if (failures.length) throw new Error(`${failures.length} run(s) failed: ${failures.join('; ')}`);
}

export function label(r: PlannedRun): string {
  return `${r.problem} ${r.method} s${r.seed}`;
}

export interface RowSummary {
  problem: string;
  method: string;
  paper: number | null;
  mean: number;
  std: number;
  values: number[];
  iterations: number;
  meanSeconds: number;
  meets: boolean | null;
}

export function summarize(runs: PlannedRun[], out: string): RowSummary[] {
  const rows = new Map<string, RowSummary>();
  for (const r of runs) {
    const res = readJson<RunResultJson>(join(runDirOf(out, r), FILES.result));
    const key = `${r.problem}/${r.method}`;
    let row = rows.get(key);
    if (!row) {
      row = { problem: r.problem, method: r.method, paper: r.paper, mean: 0, std: 0, values: [], iterations: res.iterations, meanSeconds: 0, meets: null };
      rows.set(key, row);
    }
    row.values.push(res.test_rel_l2);
    row.meanSeconds += res.train_seconds;
  }
  for (const row of rows.values()) {
    const n = row.values.length;
    row.mean = row.values.reduce((a, b) => a + b, 0) / n;
    row.std = n > 1 ? Math.sqrt(row.values.reduce((a, b) => a + (b - row.mean) ** 2, 0) / (n - 1)) : 0;
    row.meanSeconds /= n;
    row.meets = row.paper === null ? null : row.mean <= row.paper;
  }
  return [...rows.values()];
}

export function markdownTable(rows: RowSummary[], scaled = false): string {
  const lines = [
    '| problem | method | paper | spikegrad (mean ± std) | seeds | iterations | s per run | meets paper |',
    '|---|---|---:|---:|---:|---:|---:|:---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.problem} | ${r.method} | ${r.paper === null ? '–' : r.paper.toFixed(4)} | ${r.mean.toFixed(4)} ± ${r.std.toFixed(4)} | ${r.values.length} | ${r.iterations} | ${r.meanSeconds.toFixed(0)} | ${r.meets === null ? '–' : scaled ? 'n/a (fewer iterations)' : r.meets ? 'yes' : '**no**'} |`,
    );
  }
  return lines.join('\n');
}

export function writeReport(path: string, text: string): void {
  writeFileAtomic(path, text);
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/** The trained parameters of a finished run. */
export function loadRunParams(out: string, r: PlannedRun): Float64Array {
  return loadModel(join(runDirOf(out, r), FILES.model)).params;
}

/** Fig. 5 of the paper: ground truth and the predictions of SG-RFG-G, SG-RFG-L and SG-BP (seed 0). */
function mexicanHatFigure(runs: PlannedRun[], out: string): Figure {
  const order = ['SG-RFG-G', 'SG-RFG-L', 'SG-BP'];
  const shown = order.map((m) => runs.find((r) => r.method === m && r.seed === 0)).filter((r): r is PlannedRun => !!r);
  const first = shown[0]!;
  const { task } = buildTask(first.cfg, streamsFor(first.cfg.seed).dataRng, DEFAULT_ENGINE);
  const mt = task as MlpTask;
  const n = Math.round(Math.sqrt(mt.test.n));
  const img = (v: Float64Array) => {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[j * n + i] = v[i * n + j]!;
    return a;
  };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of mt.test.y) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const panels = [heatmap(img(mt.test.y), n, n, { title: '(a) ground truth', vmin: lo, vmax: hi, flipY: true, xlabel: 'x', ylabel: 'y' })];
  shown.forEach((r, k) => {
    const pred = task.predictTest(loadRunParams(out, r));
    panels.push(heatmap(img(pred), n, n, { title: `(${'bcd'[k]}) ${r.method}, rel. L2 ${relativeL2(pred, mt.test.y).toFixed(4)}`, vmin: lo, vmax: hi, flipY: true, xlabel: 'x', ylabel: 'y' }));
  });
  return { file: 'fig5-mexican-hat.png', caption: 'Mexican hat (cf. paper Fig. 5): truth and predictions, seed 0, shared colour scale.', svg: compose(panels, 2) };
}

/** Test error against iteration for every method (seed 0), log scale. */
export function trainingCurves(runs: PlannedRun[], out: string, file: string, title: string): Figure {
  const series: Series[] = runs
    .filter((r) => r.seed === 0)
    .map((r) => {
      const rows = readMetrics(runDirOf(out, r));
      return { label: r.method, x: rows.map((m) => m.iteration), y: rows.map((m) => m.test_rel_l2), dashed: r.method.includes('BP') };
    });
  return { file, caption: title, svg: compose([linePlot(series, { title, xlabel: 'iteration', ylabel: 'test relative L2', logY: true, width: 640, height: 340 })], 1) };
}
