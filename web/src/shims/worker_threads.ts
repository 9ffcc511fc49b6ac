/**
 * Browser stand-in for node:worker_threads. src/io/nir.ts checks `isMainThread`/`workerData` at module level (to
 * run as its own HDF5 reader thread); in the browser it is never that thread. src/experiments/reproduce.ts imports
 * `Worker` but the playground does not run `reproduce`. src/util/atomic.ts reads `threadId` (browser code never
 * writes files).
 */
export const isMainThread = true;
export const workerData: unknown = null;
export const threadId = 0;
export const parentPort = null;
export class Worker {
  constructor() {
    throw new Error('node:worker_threads is not available in the browser playground');
  }
}
