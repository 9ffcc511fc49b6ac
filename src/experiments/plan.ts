/** What `spikegrad reproduce` runs: experiments as lists of rows (problem × method), planned over seeds. */
import { defaultConfig, methodsFor, type ProblemName, type RunConfig } from './config.js';
import { parseMethod } from './methods.js';
import type { Figure } from './report-figures.js';

export interface PlannedRun {
  problem: ProblemName;
  /** The row's label: the method name, or e.g. "SG-RFG-G K=4" for a variant. */
  method: string;
  seed: number;
  /** The paper's published value for this row (null where the paper shows a figure only or has no such row). */
  paper: number | null;
  /** The error the row must reach (the paper's value, or the target where the paper shows a figure). */
  target: number | null;
  /** A row beyond the paper's table. */
  extra: boolean;
  cfg: RunConfig;
}

export interface ExperimentRow {
  problem: ProblemName;
  method: string;
  paper: number | null;
  /** Defaults to `paper`. */
  target?: number | null;
  /** Row label when it differs from the method (variants). */
  label?: string;
  /** Changes to the method's defaults for this row. */
  adjust?: (c: RunConfig) => void;
  /** Rows added beyond the paper's table. */
  extra?: boolean;
}

export interface ExperimentSpec {
  name: string;
  title: string;
  /** A paragraph under the table: what the rows are and how they were configured. */
  notes?: string;
  rows: ExperimentRow[];
  /** Figures drawn from the finished runs (seed 0 where one run is shown). */
  figures?: (runs: PlannedRun[], out: string) => Figure[];
}

export function planRuns(spec: ExperimentSpec, o: { seeds: number; iterationScale: number }): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const row of spec.rows) {
    for (let seed = 0; seed < o.seeds; seed++) {
      const cfg = defaultConfig(row.problem, row.method, seed);
      row.adjust?.(cfg);
      if (o.iterationScale !== 1) {
        cfg.train.iterations = Math.max(10, Math.round(cfg.train.iterations * o.iterationScale));
        cfg.train.evalEvery = Math.max(1, Math.min(cfg.train.evalEvery, Math.round(cfg.train.iterations / 10)));
      }
      const target = row.target === undefined ? row.paper : row.target;
      runs.push({ problem: row.problem, method: row.label ?? row.method, seed, paper: row.paper, target, extra: row.extra ?? false, cfg });
    }
  }
  return runs;
}

/**
 * Rough seconds of one run on one core of a 2020s server CPU (wasm kernel, one thread), from the measured
 * ms per step of each problem; used to schedule the longest runs first and to print an estimate.
 */
export function estimateSeconds(cfg: RunConfig): number {
  const t = cfg.train;
  const k = t.directions;
  const stein = cfg.surrogate.name.startsWith('stein') ? 1.3 : 1;
  const ll = cfg.operator?.localLosses ? 1.3 : 1;
  // ms per step for BP at the default batch, and the tangent pass's cost per direction relative to it.
  const base = cfg.problem === 'mexican-hat' ? 31 * (t.batch / 1000) : cfg.problem === 'poisson' ? 1.2 * (t.batch / 30) : 8.4 * (t.batch / 5);
  const m = parseMethod(cfg.method, methodsFor(cfg.problem));
  let factor = 1;
  // SepONet's step is dominated by the outer-product grid, which the tangents share.
  if (m.gradient === 'RFG') factor = cfg.problem === 'diffusion-reaction' ? 1 + 0.03 * k : (m.perturbation === 'layer' ? 0.5 : 0.4) + 0.12 * k;
  else if (m.gradient === 'WP') factor = 0.3 * (k + 1);
  return (t.iterations * base * factor * stein * ll) / 1000;
}
