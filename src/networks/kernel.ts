/**
 * The spiking-MLP kernel interface shared by the TypeScript reference (`MlpKernel`, src/networks/mlp.ts) and
 * the WebAssembly SIMD kernel (`WasmMlpKernel`, src/networks/wasm-kernel.ts), and a factory that picks one.
 *
 *   const k = createMlpKernel(cfg, { backend: 'wasm', threads: 2 });
 *   ... k.setParams(p); k.forward(x, batch, opts) ...
 *   k.close?.();   // ends the worker threads (idle workers never keep Node alive, so this is optional)
 *
 * The wasm kernel gives bit-identical results to the reference (see wasm-kernel.ts for the exact contract
 * and the cases that fall back to the reference).
 */
import { MlpKernel, type PassOptions, type Tape } from './mlp.js';
import type { MlpConfig, ParamLayout } from './types.js';
import { WasmMlpKernel } from './wasm-kernel.js';

export interface SpikingMlpKernel {
  readonly cfg: MlpConfig;
  readonly layout: ParamLayout;
  readonly nParams: number;
  readonly nSpiking: number;
  readonly width: readonly number[];
  readonly N: number;
  readonly dIn: number;
  readonly dOut: number;
  readonly layerRanges: ReadonlyArray<readonly [number, number]>;
  setParams(params: Float64Array): void;
  forward(x: Float64Array, batch: number, opts: PassOptions, tape?: Tape, rates?: Float64Array, hidden?: Float64Array): Float64Array;
  jvp(
    x: Float64Array,
    batch: number,
    dParams: Float64Array,
    M: number,
    opts: PassOptions,
    dx?: Float64Array,
    firstLayer?: Int32Array,
    hidden?: { r: Float64Array; dr: Float64Array },
  ): { y: Float64Array; dy: Float64Array };
  newTape(batch: number): Tape;
  /**
   * Adds the parameter gradient of ḡy·y to `grad` and returns ∂L/∂x [batch][d_in], or an empty array when
   * `inputGrad` is false (callers that do not need it save its products).
   */
  vjp(x: Float64Array, tape: Tape, gy: Float64Array, grad: Float64Array, gHidden?: Float64Array, inputGrad?: boolean): Float64Array;
  /** Release threads/memory (wasm backend); the kernel is unusable afterwards. */
  close?(): void;
}

export type KernelBackend = 'ts' | 'wasm';

export interface KernelOptions {
  /** 'ts' (default): the reference MlpKernel. 'wasm': WebAssembly SIMD kernel. */
  backend?: KernelBackend;
  /** Threads for the wasm backend (default 1): the batch is split across worker threads. */
  threads?: number;
  /** @internal wasm, threads > 1: no pool of its own (see WasmKernelOptions.sharedPool). */
  sharedPool?: boolean;
}

/** A kernel for `cfg`: synchronous (Node; in browsers call `loadWasmModules()` first for backend 'wasm'). */
export function createMlpKernel(cfg: MlpConfig, opts: KernelOptions = {}): SpikingMlpKernel {
  const backend = opts.backend ?? 'ts';
  const threads = opts.threads ?? 1;
  if (backend === 'ts') {
    if (threads !== 1) throw new Error("the 'ts' backend runs on one thread; use backend 'wasm' for threads > 1");
    return new MlpKernel(cfg);
  }
  if (backend === 'wasm') return new WasmMlpKernel(cfg, { threads, sharedPool: opts.sharedPool === true });
  throw new Error(`unknown kernel backend '${String(backend)}'`);
}

/** As createMlpKernel, for environments that must compile wasm and start workers asynchronously (browsers). */
export async function createMlpKernelAsync(cfg: MlpConfig, opts: KernelOptions = {}): Promise<SpikingMlpKernel> {
  if ((opts.backend ?? 'ts') === 'wasm') return WasmMlpKernel.create(cfg, { threads: opts.threads ?? 1 });
  return createMlpKernel(cfg, opts);
}

export { MlpKernel, WasmMlpKernel };
