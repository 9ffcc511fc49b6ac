/** Worker thread of `spikegrad reproduce`: trains the runs it is sent, one at a time, and reports progress. */
import { parentPort } from 'node:worker_threads';
import type { RunConfig } from './config.js';
import { trainToDir } from './train-to-dir.js';

export interface Job {
  id: number;
  cfg: RunConfig;
  dir: string;
}

export type WorkerMessage =
  | { type: 'progress'; id: number; iteration: number; test?: number }
  | { type: 'done'; id: number; test: number; seconds: number }
  | { type: 'failed'; id: number; error: string };

if (parentPort) {
  const port = parentPort;
  port.on('message', (job: Job) => {
    try {
      let lastSent = 0;
      const r = trainToDir(job.cfg, job.dir, {
        checkpointEvery: 1000,
        onStep: (p) => {
          const now = Date.now();
          if (now - lastSent > 500) {
            lastSent = now;
            port.postMessage({ type: 'progress', id: job.id, iteration: p.iteration } satisfies WorkerMessage);
          }
        },
        onEval: (row) => port.postMessage({ type: 'progress', id: job.id, iteration: row.iteration, test: row.test_rel_l2 } satisfies WorkerMessage),
      });
      port.postMessage({ type: 'done', id: job.id, test: r.test_rel_l2, seconds: r.train_seconds } satisfies WorkerMessage);
    } catch (e) {
      port.postMessage({ type: 'failed', id: job.id, error: (e as Error).message } satisfies WorkerMessage);
    }
  });
}
