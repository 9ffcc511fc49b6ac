/**
 * Entry point of a kernel worker thread (node:worker_threads or a module Web Worker): instantiate the shared
 * WebAssembly module on each shared memory of the pool and serve sample ranges (see parallel-kernel.ts).
 */
import { type KernelExports, type WorkerInit, workerLoop } from './parallel-kernel.js';

function serve(init: WorkerInit): void {
  const exports = (init.memories ?? [init.memory]).map(
    (memory) => new WebAssembly.Instance(init.module, { env: { memory } }).exports as unknown as KernelExports,
  );
  workerLoop(exports, init.memory, init.index);
}

const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
if (proc?.versions?.node && typeof proc.getBuiltinModule === 'function') {
  const wt = proc.getBuiltinModule('node:worker_threads') as { workerData: WorkerInit; parentPort: { close(): void } | null };
  serve(wt.workerData);
  wt.parentPort?.close();
} else {
  const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<WorkerInit>) => void) | null; close(): void };
  scope.onmessage = (e) => {
    scope.onmessage = null;
    serve(e.data);
    scope.close();
  };
}
