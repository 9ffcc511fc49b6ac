/** Messages between the page (main.ts) and the training worker (worker.ts). Every reply carries the run id. */
import type { Settings, StepCost, Truth, Views } from './session.js';

export type ToWorker =
  | { type: 'start'; run: number; settings: Settings }
  | { type: 'pause'; run: number }
  | { type: 'resume'; run: number }
  | { type: 'reset'; run: number }
  | { type: 'export'; run: number; format: 'safetensors' | 'nir' };

export interface EvalPoint {
  iteration: number;
  train: number;
  test: number;
}

export type FromWorker =
  | {
      type: 'started';
      run: number;
      truth: Truth;
      nParams: number;
      cost: StepCost;
      /** Which kernel runs the spiking passes, in words. */
      kernel: string;
      initial: EvalPoint;
      views: Views;
      setupMs: number;
      nirAvailable: boolean;
    }
  | { type: 'progress'; run: number; iteration: number; loss: number; msPerStep: number }
  | { type: 'eval'; run: number; point: EvalPoint; views: Views }
  | { type: 'paused'; run: number; iteration: number; fingerprint: string }
  | { type: 'finished'; run: number; iteration: number; fingerprint: string; seconds: number }
  | { type: 'file'; run: number; name: string; mime: string; bytes: Uint8Array; note: string }
  | { type: 'error'; run: number; message: string; /** The run stopped (divergence, bad settings); false for a failed export. */ fatal: boolean };
