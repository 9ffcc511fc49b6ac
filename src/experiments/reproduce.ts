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
import type { RunConfig } from './config.js';
import { estimateSeconds, type PlannedRun } from './plan.js';
import { runDirOf } from './report-figures.js';
import { ARITHMETIC_REVISION, FILES, readJson, type RunResultJson } from './run-dir.js';
import type { Job, WorkerMessage } from './reproduce-worker.js';

export { EXPERIMENTS } from './experiments.js';
export { planRuns, type ExperimentSpec, type PlannedRun } from './plan.js';
export { runDirOf } from './report-figures.js';

export interface ReproduceOptions {
  seeds: number;
  out: string;
  /** Scale every run's iterations by this factor (the quick version). */
  iterationScale: number;
  workers: number;
  onEvent?: (ev: { kind: 'start' | 'progress' | 'done' | 'skip' | 'failed'; label: string; run: PlannedRun; iteration?: number; test?: number; error?: string }) => void;
}

/** A finished run with this configuration, trained by an engine with today's arithmetic (ARITHMETIC_REVISION). */
function isDone(dir: string, cfg: RunConfig): boolean {
  const res = join(dir, FILES.result);
  const conf = join(dir, FILES.config);
  if (!existsSync(res) || !existsSync(conf)) return false;
  if (JSON.stringify(readJson(conf)) !== JSON.stringify(cfg)) return false;
  return readJson<RunResultJson>(res).arithmetic_revision === ARITHMETIC_REVISION;
}

/** Run every planned run (skipping finished ones) on a pool of worker threads; resolves when all are done. */
export async function runAll(runs: PlannedRun[], o: ReproduceOptions): Promise<void> {
  const todo: Job[] = [];
  runs.forEach((r, id) => {
    const dir = runDirOf(o.out, r);
    if (isDone(dir, r.cfg)) o.onEvent?.({ kind: 'skip', label: label(r), run: r });
    else todo.push({ id, cfg: r.cfg, dir });
  });
  // Longest runs first: the pool's last busy worker then finishes soon after the others.
  todo.sort((a, b) => estimateSeconds(b.cfg) - estimateSeconds(a.cfg) || a.id - b.id);
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
  target: number | null;
  extra: boolean;
  /** Directions per step (RFG, WP); null for BP. */
  directions: number | null;
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
      const bp = r.cfg.method.includes('-BP');
      row = { problem: r.problem, method: r.method, paper: r.paper, target: r.target, extra: r.extra, directions: bp ? null : r.cfg.train.directions, mean: 0, std: 0, values: [], iterations: res.iterations, meanSeconds: 0, meets: null };
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
    row.meets = row.target === null ? null : row.mean <= row.target;
  }
  return [...rows.values()];
}

const f4 = (v: number | null) => (v === null ? '–' : v.toFixed(4));

/** The report's table: one row per method (or variant), errors as mean ± sample std over seeds. */
export function markdownTable(rows: RowSummary[], scaled = false): string {
  const lines = [
    '| problem | method | K | paper | target | spikegrad (mean ± std) | seeds | iterations | s per run | meets target |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|:---:|',
  ];
  for (const r of rows) {
    const verdict = r.meets === null ? '–' : scaled ? 'n/a (fewer iterations)' : r.meets ? 'yes' : '**no**';
    const name = r.extra ? `${r.method} (beyond the paper)` : r.method;
    lines.push(
      `| ${r.problem} | ${name} | ${r.directions ?? '–'} | ${f4(r.paper)} | ${r.target === null ? '–' : '≤ ' + r.target.toFixed(4)} | ${r.mean.toFixed(4)}${r.values.length > 1 ? ` ± ${r.std.toFixed(4)}` : ''} | ${r.values.length} | ${r.iterations} | ${r.meanSeconds.toFixed(0)} | ${verdict} |`,
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

