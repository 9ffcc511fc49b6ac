/** Progress reporting for long runs: a live bar on a terminal, one line per evaluation otherwise. */
import cliProgress from 'cli-progress';
import type { MetricsRow, TrainProgress } from '../experiments/train.js';

export interface Reporter {
  step(p: TrainProgress): void;
  eval(row: MetricsRow): void;
  stop(): void;
}

export function makeReporter(total: number, startAt: number, label: string, quiet: boolean): Reporter {
  if (quiet) return { step: () => {}, eval: () => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${label} {bar} {value}/{total} | loss {loss} | test rel. L2 {test} | {eta_formatted} left`,
        etaBuffer: 200,
        fps: 5,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, startAt, { loss: '-', test: '-' });
    let test = '-';
    return {
      step: (p) => bar.update(p.iteration, { loss: p.loss.toExponential(3), test }),
      eval: (row) => {
        test = row.test_rel_l2.toFixed(4);
      },
      stop: () => bar.stop(),
    };
  }
  const t0 = performance.now();
  return {
    step: () => {},
    eval: (row) => {
      const el = (performance.now() - t0) / 1000;
      const done = row.iteration - startAt;
      const eta = done > 0 ? ((total - row.iteration) * el) / done : 0;
      process.stderr.write(
        `${label} it ${row.iteration}/${total} | loss ${row.loss.toExponential(3)} | train ${row.train_rel_l2.toFixed(4)} | test ${row.test_rel_l2.toFixed(4)} | ${el.toFixed(0)} s, ETA ${eta.toFixed(0)} s\n`,
      );
    },
    stop: () => {},
  };
}
