/** Learning-rate schedules: lr(step) for step = 0 … total − 1. */
export type ScheduleName = 'constant' | 'cosine' | 'exponential';

export interface ScheduleOptions {
  name: ScheduleName;
  /** cosine: final lr as a fraction of the initial one (default 0.01). */
  finalFraction?: number;
  /** exponential: lr multiplied by `gamma` every `every` steps (defaults 0.5 and total/10). */
  gamma?: number;
  every?: number;
}

export function learningRate(base: number, step: number, total: number, s: ScheduleOptions): number {
  switch (s.name) {
    case 'constant':
      return base;
    case 'cosine': {
      const f = s.finalFraction ?? 0.01;
      const p = total <= 1 ? 1 : Math.min(1, step / (total - 1));
      return base * (f + (1 - f) * 0.5 * (1 + Math.cos(Math.PI * p)));
    }
    case 'exponential': {
      const every = s.every ?? Math.max(1, Math.round(total / 10));
      return base * Math.pow(s.gamma ?? 0.5, Math.floor(step / every));
    }
    default:
      throw new Error(`unknown schedule '${(s as ScheduleOptions).name}'`);
  }
}
