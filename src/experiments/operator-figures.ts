/**
 * Prediction figures of the operator tasks, for `spikegrad eval` (one test function):
 * Poisson (one trunk axis): truth and prediction of u(x) (cf. paper Fig. 6);
 * diffusion-reaction (two trunk axes): truth, prediction and point-wise error heatmaps (cf. paper Fig. 7).
 */
import { relativeL2 } from '../networks/loss.js';
import { compose, heatmap, linePlot } from '../plots/svg.js';
import { valueRange } from '../util/range.js';
import type { OperatorTask } from './operator-task.js';

export function operatorPredictionFigure(task: OperatorTask, params: Float64Array, title: string, sample = 0): string {
  const { grids: trunks, testU, nTest } = task.data;
  const per = testU.length / nTest;
  const pred = task.predictTest(params).subarray(sample * per, (sample + 1) * per);
  const truth = testU.subarray(sample * per, (sample + 1) * per);
  const err = relativeL2(pred, truth);
  if (trunks.length === 1) {
    const x = trunks[0]!;
    const panel = linePlot(
      [
        { label: 'truth', x, y: truth, color: '#000000' },
        { label: 'prediction', x, y: pred, color: '#d62728', dashed: true },
      ],
      { title: `test function ${sample}: rel. L2 ${err.toFixed(4)}`, xlabel: 'x', ylabel: 'u(x)' },
    );
    return compose([panel], 1, title);
  }
  if (trunks.length === 2) {
    const rows = trunks[0]!.length;
    const cols = trunks[1]!.length;
    const [lo, hi] = valueRange(truth);
    const abs = pred.map((p, i) => Math.abs(p - truth[i]!));
    // Targets are stored [first trunk axis][second trunk axis]; for diffusion-reaction that is [t][x].
    const dr = task.problem === 'diffusion-reaction';
    const o = { flipY: true, xlabel: dr ? 'x' : 'axis 2', ylabel: dr ? 't' : 'axis 1' };
    return compose(
      [
        heatmap(truth, rows, cols, { title: 'ground truth', vmin: lo, vmax: hi, ...o }),
        heatmap(pred, rows, cols, { title: 'prediction', vmin: lo, vmax: hi, ...o }),
        heatmap(abs, rows, cols, { title: `|error|, rel. L2 ${err.toFixed(4)}`, ...o }),
      ],
      3,
      title,
    );
  }
  throw new Error(`no figure for ${trunks.length} trunk axes`);
}
