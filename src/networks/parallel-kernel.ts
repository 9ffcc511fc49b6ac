/**
 * Worker threads for the WebAssembly kernel: the batch is split into contiguous sample ranges, one per
 * thread; the calling thread runs range 0 and each worker one other range, all on one shared
 * WebAssembly.Memory (a SharedArrayBuffer), so inputs, parameters, tape and outputs are never copied between
 * threads. Work is handed out through a few Int32 control words at the start of that memory with
 * Atomics.notify and collected with Atomics.wait, so a pass is synchronous for its caller.
 *
 * Environments:
 * - Node: workers are node:worker_threads Workers (reached through process.getBuiltinModule, so this file
 *   has no Node-only import); the main thread may block in Atomics.wait, so construction and every pass
 *   are synchronous. Workers are unref'd: an idle pool never keeps the process alive.
 * - Browsers: workers are module Web Workers and the memory a shared one, which needs a cross-origin-isolated
 *   page. A page's main thread may not block in Atomics.wait: create the kernel and run the passes inside a
 *   dedicated worker (there, Atomics.wait is allowed), and await `pool.ready` before the first pass.
 */

/** The kernel entry points of an instance of the WebAssembly module (assembly/kernel.ts). */
export interface KernelExports {
  forward(net: number, job: number): void;
  jvp(net: number, job: number): void;
  vjp(net: number, job: number): void;
  startVjp(net: number, job: number, fromGrad: number): void;
  finishVjp(net: number, job: number): void;
  prepareTangents(net: number, job: number): void;
  scratchBytes(net: number, M: number): number;
  expArray(net: number, src: number, dst: number, n: number, neg: number): void;
  slopesArray(net: number, src: number, dst: number, n: number, xb: number): void;
  writeExpConstants(ptr: number): void;
  layoutOk(): number;
  expScalar(x: number): number;
  detMathArray(src: number, dst: number, n: number, which: number): void;
  steinScalar(x: number, index: number, key: number, sigma: number, samples: number, anti: number, inv: number): number;
  contractJob(job: number): void;
}

export const OP_FORWARD = 1;
export const OP_JVP = 2;
export const OP_VJP = 3;
/** A share of the operator nets' combination (wasm-contraction.ts): `job` is the thread's record. */
export const OP_CONTRACT = 4;
export const OP_QUIT = 9;

/** Int32 control words at byte 0 of the shared memory (the kernel keeps the first 256 bytes free for them). */
export const CTL = { GEN: 0, DONE: 1, OP: 2, NET: 3, JOBS: 4, STRIDE: 5, ERR: 6, READY: 7, MEM: 8 } as const;
export const CTL_WORDS = 16;
/** Float64 [start, end] times (performance.timeOrigin + now(), ms) of each worker's last job, from byte 64. */
const TIMES_BYTE = 64;
/** Threads whose job times fit in the reserved bytes (64 … 256); more threads still work, untimed. */
const TIMED_THREADS = 12;

export interface WorkerInit {
  module: WebAssembly.Module;
  /** The control memory (its first CTL_BYTES hold the pool's control words); also memory 0 of `memories`. */
  memory: WebAssembly.Memory;
  /** Every memory the pool serves (one kernel each, e.g. the sub-networks of an operator net); default [memory]. */
  memories?: WebAssembly.Memory[];
  /** This worker's thread index (1 … threads − 1); it runs job `index`. */
  index: number;
}

/** One thread's share of a pass (the same on the main thread and in a worker). */
export function runJob(ex: KernelExports, op: number, net: number, job: number, thread: number): void {
  if (op === OP_FORWARD) ex.forward(net, job);
  else if (op === OP_JVP) ex.jvp(net, job);
  else if (op === OP_VJP) {
    // Thread 0 continues the caller's gradient; the others start from zero and are added in thread order.
    ex.startVjp(net, job, thread === 0 ? 1 : 0);
    ex.vjp(net, job);
    ex.finishVjp(net, job);
  } else if (op === OP_CONTRACT) ex.contractJob(job);
  else throw new Error(`unknown kernel op ${op}`);
}

/** Iterations of polling before the calling thread sleeps in Atomics.wait while it waits for the workers. */
const SPIN = 20000;
/**
 * Milliseconds a worker keeps polling for the next pass before it sleeps in Atomics.wait. Waking a sleeping
 * thread costs ~0.1–0.2 ms on the virtual machines measured here, as much as a whole pass at batch ~50; one
 * training step runs several passes (an operator net's sub-networks share one pool) with well under 2 ms between
 * them, so the worker is awake when the next one comes.
 */
const WORKER_SPIN_MS = 2;

interface AnyWorker {
  terminate(): unknown;
  unref?(): void;
  postMessage?(msg: unknown): void;
}

export class WasmThreadPool {
  readonly threads: number;
  /** Resolves when every worker has started (always already resolved in Node after construction). */
  readonly ready: Promise<void>;
  private readonly ctl: Int32Array;
  private readonly workers: AnyWorker[] = [];
  private closed = false;

  /**
   * Starts threads − 1 workers on `memory` (shared). In Node this blocks until they are up; elsewhere await
   * `ready`.
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory | WebAssembly.Memory[], threads: number) {
    if (!Number.isInteger(threads) || threads < 2) throw new Error(`a thread pool needs threads >= 2, got ${threads}`);
    const memories = Array.isArray(memory) ? memory : [memory];
    if (memories.length === 0) throw new Error('the thread pool needs at least one memory');
    for (const m of memories) if (!(m.buffer instanceof SharedArrayBuffer)) throw new Error('the thread pool needs shared WebAssembly.Memory');
    memory = memories[0]!;
    this.threads = threads;
    this.ctl = new Int32Array(memory.buffer, 0, CTL_WORDS);
    this.ctl.fill(0);
    const url = new URL('./wasm-worker.js', import.meta.url);
    const node = nodeWorkerThreads();
    for (let k = 1; k < threads; k++) {
      const init: WorkerInit = { module, memory, memories, index: k };
      if (node) {
        const w = new node.Worker(url, { workerData: init });
        w.unref();
        this.workers.push(w);
      } else if (typeof Worker !== 'undefined') {
        const w = new Worker(url, { type: 'module' });
        w.postMessage(init);
        this.workers.push(w);
      } else {
        throw new Error('no worker implementation in this environment');
      }
    }
    if (node) {
      this.waitFor(CTL.READY, threads - 1, 60000, 'worker start-up');
      this.ready = Promise.resolve();
    } else {
      this.ready = this.waitReadyAsync();
    }
  }

  /**
   * Hand ops to the workers (thread k runs the job at jobs + k·stride, in memory `mem` of the pool's
   * memories); the caller then runs job 0.
   */
  dispatch(op: number, net: number, jobs: number, stride: number, mem = 0): void {
    if (this.closed) throw new Error('the thread pool is closed');
    const c = this.ctl;
    Atomics.store(c, CTL.DONE, 0);
    Atomics.store(c, CTL.ERR, 0);
    Atomics.store(c, CTL.OP, op);
    Atomics.store(c, CTL.NET, net);
    Atomics.store(c, CTL.JOBS, jobs);
    Atomics.store(c, CTL.STRIDE, stride);
    Atomics.store(c, CTL.MEM, mem);
    Atomics.add(c, CTL.GEN, 1);
    Atomics.notify(c, CTL.GEN);
  }

  /** Wait until every worker has finished the dispatched op (throws if one failed). */
  wait(): void {
    this.waitFor(CTL.DONE, this.threads - 1, Infinity, 'kernel pass');
    if (Atomics.load(this.ctl, CTL.ERR) !== 0) throw new Error('a kernel worker thread failed (see its error output)');
  }

  /**
   * Wall-clock [start, end] (ms since the epoch) of each worker's last job (index k − 1 for thread k), for
   * checking that threads overlap; NaN beyond the first 11 workers.
   */
  lastJobTimes(): Array<[number, number]> {
    const f = new Float64Array(this.ctl.buffer, TIMES_BYTE, 2 * TIMED_THREADS);
    const out: Array<[number, number]> = [];
    for (let k = 1; k < this.threads; k++) out.push(k < TIMED_THREADS ? [f[2 * k]!, f[2 * k + 1]!] : [NaN, NaN]);
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctl, CTL.OP, OP_QUIT);
    Atomics.add(this.ctl, CTL.GEN, 1);
    Atomics.notify(this.ctl, CTL.GEN);
    for (const w of this.workers) void w.terminate();
  }

  private waitFor(word: number, target: number, timeoutMs: number, what: string): void {
    const c = this.ctl;
    for (let i = 0; i < SPIN; i++) if (Atomics.load(c, word) >= target) return;
    const t0 = Date.now();
    for (;;) {
      const v = Atomics.load(c, word);
      if (v >= target) return;
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      Atomics.wait(c, word, v, 1000);
    }
  }

  private async waitReadyAsync(): Promise<void> {
    const c = this.ctl;
    const t0 = Date.now();
    while (Atomics.load(c, CTL.READY) < this.threads - 1) {
      if (Date.now() - t0 > 60000) throw new Error('timed out waiting for worker start-up');
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** The worker loop (wasm-worker.ts calls it with its instance): wait for an op, run this thread's job, report. */
export function workerLoop(exports: KernelExports[], memory: WebAssembly.Memory, index: number): void {
  const c = new Int32Array(memory.buffer, 0, CTL_WORDS);
  const times = new Float64Array(memory.buffer, TIMES_BYTE, 2 * TIMED_THREADS);
  const origin = performance.timeOrigin;
  let gen = Atomics.load(c, CTL.GEN);
  Atomics.add(c, CTL.READY, 1);
  Atomics.notify(c, CTL.READY);
  for (;;) {
    let spins = 0;
    let since = -1;
    while (Atomics.load(c, CTL.GEN) === gen) {
      if ((++spins & 1023) !== 0) continue;
      const now = performance.now();
      if (since < 0) since = now;
      else if (now - since > WORKER_SPIN_MS) Atomics.wait(c, CTL.GEN, gen);
    }
    gen = Atomics.load(c, CTL.GEN);
    const op = Atomics.load(c, CTL.OP);
    if (op === OP_QUIT) return;
    if (index < TIMED_THREADS) times[2 * index] = origin + performance.now();
    try {
      const ex = exports[Atomics.load(c, CTL.MEM)];
      if (!ex) throw new Error(`no kernel memory ${Atomics.load(c, CTL.MEM)} in this pool`);
      runJob(ex, op, Atomics.load(c, CTL.NET), Atomics.load(c, CTL.JOBS) + index * Atomics.load(c, CTL.STRIDE), index);
    } catch (e) {
      Atomics.store(c, CTL.ERR, 1);
      console.error(`spikegrad kernel worker ${index}:`, e);
    }
    if (index < TIMED_THREADS) times[2 * index + 1] = origin + performance.now();
    Atomics.add(c, CTL.DONE, 1);
    Atomics.notify(c, CTL.DONE);
  }
}

interface NodeWorkerThreads {
  Worker: new (url: URL, opts: { workerData: unknown }) => AnyWorker & { unref(): void };
}

function nodeWorkerThreads(): NodeWorkerThreads | null {
  const p = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (!p?.versions?.node) return null;
  if (typeof p.getBuiltinModule !== 'function') throw new Error('worker threads need Node >= 20.16 (process.getBuiltinModule)');
  return p.getBuiltinModule('node:worker_threads') as NodeWorkerThreads;
}
