/**
 * The figures of `spikegrad reproduce`, drawn from finished runs (seed 0 where one run is shown):
 * Fig. 5 (Mexican hat: truth and predictions), Fig. 6 (one Poisson test function: truth and every method's
 * prediction), Fig. 7 (diffusion-reaction: prediction, truth and point-wise error for BP, RFG-G, RFG-L), and
 * training curves (test error against iteration, all methods of an experiment on one plot).
 */
import { join } from 'node:path';
import { loadModel } from '../io/safetensors.js';
import { relativeL2 } from '../networks/loss.js';
import { compose, heatmap, linePlot, type Panel, type Series } from '../plots/svg.js';
import { valueRange } from '../util/range.js';
import { buildTask, DEFAULT_ENGINE } from './config.js';
import type { MlpTask } from './mlp-task.js';
import type { OperatorTask } from './operator-task.js';
import type { PlannedRun } from './plan.js';
import { FILES, readMetrics } from './run-dir.js';
import { streamsFor } from './train.js';

export interface Figure {
  file: string;
  caption: string;
  svg: string;
}

export function runDirOf(out: string, r: PlannedRun): string {
  return join(out, 'runs', r.problem, r.method, `s${r.seed}`);
}

/** The trained parameters of a finished run. */
export function loadRunParams(out: string, r: PlannedRun): Float64Array {
  return loadModel(join(runDirOf(out, r), FILES.model)).params;
}

function seed0(runs: PlannedRun[], method: string): PlannedRun | undefined {
  return runs.find((r) => r.method === method && r.seed === 0);
}

/** Fig. 5 of the paper: ground truth and the predictions of SG-RFG-G, SG-RFG-L and SG-BP (seed 0). */
export function mexicanHatFigure(runs: PlannedRun[], out: string): Figure {
  const shown = ['SG-RFG-G', 'SG-RFG-L', 'SG-BP'].map((m) => seed0(runs, m)).filter((r): r is PlannedRun => !!r);
  const first = shown[0]!;
  const { task } = buildTask(first.cfg, streamsFor(first.cfg.seed).dataRng, DEFAULT_ENGINE);
  const mt = task as MlpTask;
  const n = Math.round(Math.sqrt(mt.test.n));
  const img = (v: Float64Array) => {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[j * n + i] = v[i * n + j]!;
    return a;
  };
  const [lo, hi] = valueRange(mt.test.y);
  const panels = [heatmap(img(mt.test.y), n, n, { title: '(a) ground truth', vmin: lo, vmax: hi, flipY: true, xlabel: 'x', ylabel: 'y' })];
  shown.forEach((r, k) => {
    const pred = task.predictTest(loadRunParams(out, r));
    panels.push(heatmap(img(pred), n, n, { title: `(${'bcd'[k]}) ${r.method}, rel. L2 ${relativeL2(pred, mt.test.y).toFixed(4)}`, vmin: lo, vmax: hi, flipY: true, xlabel: 'x', ylabel: 'y' }));
  });
  return { file: 'fig5-mexican-hat.png', caption: 'Mexican hat (cf. paper Fig. 5): truth and predictions, seed 0, shared colour scale.', svg: compose(panels, 2) };
}

/** An operator run's task (data from the cache) and its test predictions in the original units. */
function operatorPrediction(out: string, r: PlannedRun): { task: OperatorTask; pred: Float64Array } {
  const { task } = buildTask(r.cfg, streamsFor(r.cfg.seed).dataRng, DEFAULT_ENGINE);
  const t = task as OperatorTask;
  return { task: t, pred: t.predictTest(loadRunParams(out, r)) };
}

/** Line colours of the methods (black is the truth's). */
const METHOD_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#aec7e8', '#98df8a'];

/** Fig. 6 of the paper: one Poisson test function, truth and the prediction of every method (seed 0). */
export function poissonFigure(runs: PlannedRun[], out: string, sample = 0): Figure {
  const methods = [...new Set(runs.filter((r) => r.problem === 'poisson').map((r) => r.method))];
  const series: Series[] = [];
  let truthAdded = false;
  const errors: string[] = [];
  for (const m of methods) {
    const r = seed0(runs, m);
    if (!r) continue;
    const { task, pred } = operatorPrediction(out, r);
    const per = task.data.testU.length / task.data.nTest;
    const x = task.data.grids[0]!;
    const truth = task.data.testU.subarray(sample * per, (sample + 1) * per);
    if (!truthAdded) {
      series.push({ label: 'truth', x, y: truth, color: '#000000' });
      truthAdded = true;
    }
    const p = pred.subarray(sample * per, (sample + 1) * per);
    series.push({ label: m, x, y: p, dashed: true, color: METHOD_COLORS[(series.length - 1) % METHOD_COLORS.length]! });
    errors.push(`${m} ${relativeL2(p, truth).toFixed(3)}`);
  }
  const panel = linePlot(series, { title: `Poisson, test function ${sample}: u(x), truth and predictions (seed 0)`, xlabel: 'x', ylabel: 'u(x)', width: 720, height: 420 });
  return {
    file: 'fig6-poisson.png',
    caption: `Poisson (cf. paper Fig. 6): test function ${sample}, truth and the prediction of each method (seed 0). Relative L2 on this function: ${errors.join(', ')}.`,
    svg: compose([panel], 1),
  };
}

/** Fig. 7 of the paper: diffusion-reaction prediction, truth and point-wise error for SG-BP, SG-RFG-G, SG-RFG-L. */
export function diffusionReactionFigure(runs: PlannedRun[], out: string, sample = 0): Figure {
  const shown = ['SG-BP', 'SG-RFG-G', 'SG-RFG-L'].map((m) => seed0(runs.filter((r) => r.problem === 'diffusion-reaction'), m)).filter((r): r is PlannedRun => !!r);
  const rowsOut: Array<{ m: string; pred: Float64Array; truth: Float64Array; err: Float64Array; nt: number; nx: number }> = [];
  for (const r of shown) {
    const { task, pred } = operatorPrediction(out, r);
    const per = task.data.testU.length / task.data.nTest;
    const p = pred.slice(sample * per, (sample + 1) * per);
    const truth = task.data.testU.slice(sample * per, (sample + 1) * per);
    rowsOut.push({ m: r.method, pred: p, truth, err: p.map((v, i) => Math.abs(v - truth[i]!)), nt: task.data.trunks[0]!.length, nx: task.data.trunks[1]!.length });
  }
  if (!rowsOut.length) throw new Error('no diffusion-reaction runs to draw');
  const [lo, hi] = valueRange(rowsOut[0]!.truth);
  const emax = Math.max(...rowsOut.map((r) => valueRange(r.err)[1]));
  // Stored [t][x]: rows are times, drawn with t growing upwards.
  const o = { flipY: true, xlabel: 'x', ylabel: 't' };
  const panels: Panel[] = [];
  for (const r of rowsOut) {
    panels.push(heatmap(r.pred, r.nt, r.nx, { title: `${r.m}: prediction`, vmin: lo, vmax: hi, ...o }));
    panels.push(heatmap(r.truth, r.nt, r.nx, { title: 'ground truth', vmin: lo, vmax: hi, ...o }));
    panels.push(heatmap(r.err, r.nt, r.nx, { title: `|error|, rel. L2 ${relativeL2(r.pred, r.truth).toFixed(4)}`, vmin: 0, vmax: emax, ...o }));
  }
  return {
    file: 'fig7-diffusion-reaction.png',
    caption: `Diffusion-reaction (cf. paper Fig. 7): test function ${sample}, u(t, x) predicted, true, and the point-wise error (one error scale for all rows), seed 0.`,
    svg: compose(panels, 3),
  };
}

/** Test error against iteration for every method of the runs given (seed 0), log scale. */
export function trainingCurves(runs: PlannedRun[], out: string, file: string, title: string): Figure {
  const series: Series[] = runs
    .filter((r) => r.seed === 0)
    .map((r) => {
      const rows = readMetrics(runDirOf(out, r));
      return { label: r.method, x: rows.map((m) => m.iteration), y: rows.map((m) => m.test_rel_l2), dashed: r.method.includes('BP') };
    });
  return { file, caption: title, svg: compose([linePlot(series, { title, xlabel: 'iteration', ylabel: 'test relative L2', logY: true, width: 720, height: 400 })], 1) };
}
