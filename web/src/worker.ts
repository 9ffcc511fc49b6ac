/**
 * The training worker (a module worker): owns the Session, trains in chunks of ~50 ms so that pause, reset and
 * export messages are handled between chunks, and posts progress, evaluations and views to the page.
 */
import { DivergedError } from '../../src/experiments/train.js';
import type { KernelOptions } from '../../src/networks/kernel.js';
import { loadWasmModules } from '../../src/networks/wasm-kernel.js';
import { nirFile } from './nir-browser.js';
import type { EvalPoint, FromWorker, ToWorker } from './protocol.js';
import { Session, type Views } from './session.js';

const CHUNK_MS = 50;

const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};

let session: Session | null = null;
let run = -1;
let running = false;
/** Whether the page wants the current run to train (false after pause; a start may still be initialising). */
let wanted = false;
let timer: ReturnType<typeof setTimeout> | undefined;
/** Exponential moving average of the milliseconds of a step without evaluation. */
let msPerStep = NaN;
let lastLoss = NaN;
/** Wall time of the run so far (training chunks only, evaluations included), in ms. */
let trainMs = 0;

const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

/**
 * The MLP kernel: WebAssembly SIMD (5–10× faster than the TypeScript reference, bit-identical to it in Node),
 * single-threaded (threads need SharedArrayBuffer, i.e. a cross-origin-isolated page, which a static host does not
 * give). Falls back to TypeScript where the module does not compile (no wasm SIMD).
 */
let engine: Promise<KernelOptions> | null = null;
function kernelEngine(): Promise<KernelOptions> {
  engine ??= loadWasmModules().then(
    (): KernelOptions => ({ backend: 'wasm', threads: 1 }),
    (): KernelOptions => ({ backend: 'ts' }),
  );
  return engine;
}

function schedule(): void {
  if (timer === undefined) timer = setTimeout(tick, 0);
}

function stop(): void {
  running = false;
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
}

function fail(id: number, e: unknown): void {
  stop();
  const message =
    e instanceof DivergedError ? `${e.message.replace('--lr', 'learning rate')}` : e instanceof Error ? e.message : String(e);
  post({ type: 'error', run: id, message, fatal: true });
}

function tick(): void {
  timer = undefined;
  const s = session;
  if (!s || !running) return;
  const id = run;
  const t0 = performance.now();
  let prev = t0;
  const evals: Array<{ point: EvalPoint; views: Views }> = [];
  try {
    s.advance(() => performance.now() - t0 > CHUNK_MS, {
      onStep: (_it, loss, evaluated) => {
        const now = performance.now();
        if (!evaluated) msPerStep = Number.isNaN(msPerStep) ? now - prev : 0.9 * msPerStep + 0.1 * (now - prev);
        lastLoss = loss;
        prev = now;
      },
      onEval: (row) => {
        const views = s.views();
        views.iteration = row.iteration;
        evals.push({ point: { iteration: row.iteration, train: row.train_rel_l2, test: row.test_rel_l2 }, views });
      },
    });
  } catch (e) {
    fail(id, e);
    return;
  }
  trainMs += performance.now() - t0;
  post({ type: 'progress', run: id, iteration: s.iteration, loss: lastLoss, msPerStep });
  for (const e of evals) post({ type: 'eval', run: id, ...e });
  if (s.finished) {
    stop();
    post({ type: 'finished', run: id, iteration: s.iteration, fingerprint: s.fingerprint(), seconds: trainMs / 1000 });
    return;
  }
  schedule();
}

async function exportFile(id: number, format: 'safetensors' | 'nir'): Promise<void> {
  const s = session;
  if (!s) {
    post({ type: 'error', run: id, message: 'no model to export: start a run first', fatal: false });
    return;
  }
  try {
    if (format === 'safetensors') {
      const bytes = s.modelFile();
      post({ type: 'file', run: id, name: `${s.fileStem}.safetensors`, mime: 'application/octet-stream', bytes, note: `model at iteration ${s.iteration}` }, [bytes.buffer]);
    } else {
      if (s.cfg.problem !== 'mexican-hat') throw new Error('NIR export covers spiking MLPs only (the DeepONet has no NIR node)');
      const { bytes, warnings } = await nirFile(s.cfg.model, s.state.params);
      const copy = bytes.slice();
      post({ type: 'file', run: id, name: `${s.fileStem}.nir`, mime: 'application/x-hdf5', bytes: copy, note: warnings.join(' ') }, [copy.buffer]);
    }
  } catch (e) {
    post({ type: 'error', run: id, message: `export failed: ${e instanceof Error ? e.message : String(e)}`, fatal: false });
  }
}

function drop(): void {
  session?.close();
  session = null;
}

async function start(m: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  stop();
  run = m.run;
  wanted = true;
  drop();
  msPerStep = NaN;
  lastLoss = NaN;
  trainMs = 0;
  const t0 = performance.now();
  const eng = await kernelEngine();
  if (run !== m.run) return; // reset or restarted meanwhile
  try {
    session = new Session(m.settings, eng);
  } catch (err) {
    drop();
    fail(m.run, err);
    return;
  }
  const s = session;
  post({
    type: 'started',
    run: m.run,
    truth: s.truth,
    nParams: s.task.layout.size,
    cost: s.stepCost(),
    kernel: s.kernelName,
    initial: { iteration: 0, train: s.initial.train_rel_l2, test: s.initial.test_rel_l2 },
    views: s.views(),
    setupMs: performance.now() - t0,
    nirAvailable: s.cfg.problem === 'mexican-hat',
  });
  if (wanted) {
    running = true;
    schedule();
  } else {
    post({ type: 'paused', run, iteration: s.iteration, fingerprint: s.fingerprint() });
  }
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'start':
      void start(m);
      break;
    case 'pause':
      if (m.run !== run) return;
      wanted = false;
      stop();
      // Before the session exists (kernel still loading), start() reports the pause once it is built.
      if (session) post({ type: 'paused', run, iteration: session.iteration, fingerprint: session.fingerprint() });
      break;
    case 'resume':
      if (m.run !== run) return;
      wanted = true;
      if (!session || session.finished) return;
      running = true;
      schedule();
      break;
    case 'reset':
      stop();
      wanted = false;
      drop();
      run = m.run;
      break;
    case 'export':
      if (m.run !== run) return;
      void exportFile(m.run, m.format);
      break;
  }
};
