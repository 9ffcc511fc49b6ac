/** Optimisers update the flat parameter vector in place from a gradient (or a gradient estimate). */
export interface OptimizerState {
  name: string;
  step: number;
  tensors: Record<string, Float64Array>;
}

export interface Optimizer {
  readonly name: string;
  step(params: Float64Array, grad: Float64Array, lr: number): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
}

export type OptimizerName = 'sgd' | 'adam' | 'adabelief';

export interface OptimizerOptions {
  name: OptimizerName;
  beta1?: number;
  beta2?: number;
  eps?: number;
  momentum?: number;
  weightDecay?: number;
}

export function checkState(state: OptimizerState, name: string, keys: string[], n: number): void {
  if (state.name !== name) throw new Error(`checkpoint holds '${state.name}' optimiser state, this run uses '${name}'`);
  for (const k of keys) {
    const t = state.tensors[k];
    if (!t || t.length !== n) throw new Error(`optimiser state '${k}' is missing or has the wrong size`);
  }
  if (!Number.isInteger(state.step) || state.step < 0) throw new Error('optimiser step count is invalid');
}
