/**
 * The spiking MLP on WebAssembly with 128-bit SIMD (kernels in assembly/kernel.ts, AssemblyScript), optionally
 * split across worker threads (parallel-kernel.ts). Same interface and, single-threaded, the same bits as
 * the TypeScript reference `MlpKernel`:
 *
 * - forward (y, tape spikes and slopes, rates, hidden rates), jvp (y, dy, hidden r/dr) and vjp (gradient,
 *   ∂L/∂x) are bit-identical to the reference in float64: the kernels perform the reference's floating-point
 *   operations in the reference's order (sums are vectorised across outputs, never reassociated) and
 *   compute exp with a port of V8's Math.exp (fdlibm), bit-identical to it.
 * - Surrogates in wasm: gaussian, atan, fast-sigmoid, sigmoid, and the stochastic stein and stein-antithetic
 *   (WSG; assembly/stein.ts: the reference's counter-based samples with the project's own log and cos(2πu)
 *   from src/util/detmath.ts, so bit-identical too; the same counter index per (sample, layer, step, neuron)
 *   for any thread split, since a thread's samples keep their batch index). The `smooth` mode runs on the
 *   internal reference kernel (same results, reference speed); so does a forward pass with a tape that this
 *   kernel did not create. A forward pass without tape never needs a surrogate and always runs in wasm
 *   unless `smooth`.
 * - threads > 1: the forward and tangent passes hand out chunks of samples from a shared counter to whichever
 *   thread is free; the adjoint gives each thread a fixed contiguous range. Everything per sample (y, dy, tape,
 *   gx, hidden, and rates, summed in sample order) stays bit-identical; the vjp parameter gradient is the sum of
 *   per-thread partial sums (thread 0's includes the caller's `grad`) added in thread order: deterministic for
 *   a given thread count and batch size, and equal to the reference up to summation order (Mexican-hat net,
 *   batch 1000: max |Δ| = 7e-15 of max |g|; the tests bound it by 1e-12 of max |g|). Batches with fewer than
 *   `minSamplesPerThread` samples per thread run on the calling thread alone (then bit-identical again).
 *
 * Tapes: the tape's data lives in the kernel's wasm memory, and the kernel holds one tape at a time: a
 * forward pass with a tape invalidates every other tape of this kernel (vjp on it then throws). `tape.s` and
 * `tape.sg` return copies in the reference layout [batch][T][N].
 */
import { MlpKernel, type PassOptions, type Tape, validateMlpConfig } from './mlp.js';
import type { Surrogate } from '../neurons/surrogates.js';
import type { MlpConfig, ParamLayout } from './types.js';
import type { SpikingMlpKernel } from './kernel.js';
import { KERNEL_WASM_PLAIN, KERNEL_WASM_SHARED } from './wasm-binary.js';
import { type KernelExports, OP_FORWARD, OP_JVP, OP_VJP, WasmThreadPool, runJob } from './parallel-kernel.js';

// ---- layouts shared with assembly/kernel.ts ----------------------------------------------------------------
const D = { L: 0, T: 1, DIN: 2, DOUT: 3, NP: 4, LINEAR: 5, SIGNED: 6, SUR: 7, P: 8, PARAMS: 9, BIAS: 10, RW: 11, RB: 12, WTSIZE: 13, WT: 14, WP: 15, N: 26, MW: 27, WFIN: 28, SKEY: 29, SSAMP: 30, SNMAX: 31, RWT: 138 } as const; // i32 words
const DF = { LEAK: 8, TH: 9, SA: 10, SB: 11, SC: 12, SNOISE: 68 } as const; // f64 words
const D_KTAB = 128; // bytes: exp constants (assembly/exp.ts)
const D_LAYERS = 640; // bytes
const LS = 64; // bytes per layer record
const LW = { N: 0, NP: 1, NIN: 2, NINP: 3, OFF: 4, INOFF: 5, WT: 6, WP: 7, WOFF: 8, BOFF: 9, UOFF: 10, MW: 11, NW: 12 } as const; // i32 words
const J = {
  B0: 0, B1: 1, BATCH: 2, X: 3, Y: 4, TS: 5, TG: 6, RATES: 7, SCR: 8, M: 9, DWT: 10, DB: 11, DX: 12, START: 13, DY: 14, DP: 15,
  GY: 16, GRAD: 17, GWT: 18, GX: 19, GB: 20, HID: 21, HIDD: 22, GH: 23, TC: 24, DRWT: 25, CTR: 26, CSZ: 27, LZERO: 28,
} as const; // i32 words
const JOB_BYTES = 128;
/** Bytes at the start of memory reserved for the thread pool's control words. */
const CTL_BYTES = 256;
const PAGE = 65536;

// ---- module loading ---------------------------------------------------------------------------------------
let plainModule: WebAssembly.Module | null = null;
let sharedModule: WebAssembly.Module | null = null;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The compiled kernel module (synchronous compile on first use; browsers: `await loadWasmModules()` first). */
export function wasmModule(shared: boolean): WebAssembly.Module {
  if (shared) return (sharedModule ??= new WebAssembly.Module(decodeBase64(KERNEL_WASM_SHARED)));
  return (plainModule ??= new WebAssembly.Module(decodeBase64(KERNEL_WASM_PLAIN)));
}

/** Compile the kernel modules asynchronously (browsers' main threads refuse large synchronous compiles). */
export async function loadWasmModules(shared = false): Promise<void> {
  plainModule ??= await WebAssembly.compile(decodeBase64(KERNEL_WASM_PLAIN));
  if (shared) sharedModule ??= await WebAssembly.compile(decodeBase64(KERNEL_WASM_SHARED));
}

// ---- surrogates ---------------------------------------------------------------------------------------------
interface SurrogateCode {
  kind: number;
  a: number;
  b: number;
  c: number;
}
/** Surrogate kinds of assembly/kernel.ts (D_SUR) at and above which the slopes are Stein's. */
const KIND_STEIN = 5;
const KIND_STEIN_ANTITHETIC = 6;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const surrogateCache = new WeakMap<Surrogate, SurrogateCode | null>();

/**
 * The wasm form of a surrogate: the constants its `d` uses, computed with the same expressions as
 * src/neurons/surrogates.ts, and checked against `d` itself at a few points (any mismatch, e.g. after a change
 * to surrogates.ts, sends the surrogate to the reference kernel instead of giving different results). Stein
 * surrogates are checked through the wasm code itself (steinScalar) at several points and counter indices.
 */
export function surrogateCode(s: Surrogate): SurrogateCode | null {
  const hit = surrogateCache.get(s);
  if (hit !== undefined) return hit;
  let code: SurrogateCode | null = null;
  let f: ((x: number) => number) | null = null;
  if (s.stochastic) {
    const { name, sigma, samples } = s.spec;
    if ((name === 'stein' || name === 'stein-antithetic') && s.key !== undefined) {
      const anti = name === 'stein-antithetic';
      code = { kind: anti ? KIND_STEIN_ANTITHETIC : KIND_STEIN, a: sigma, b: 1 / (sigma * sigma * samples * (anti ? 2 : 1)), c: samples };
      const ex = checkExports();
      const c = code;
      check: for (const x of [-1.1, -0.45, -0.2, -0.03, 0, 1e-9, 0.1, 0.35, 0.8]) {
        for (const index of [0, 1, 2, 17, 4097, 123456789, 2 ** 40 + 5]) {
          const w = ex.steinScalar(x, index, s.key, c.a, c.c, anti ? 1 : 0, c.b);
          if (!Object.is(w, s.d(x, index))) {
            code = null;
            break check;
          }
        }
      }
    }
  } else {
    const { name, sigma, slope } = s.spec;
    if (name === 'gaussian') {
      const a = INV_SQRT_2PI / sigma;
      const b = -1 / (2 * sigma * sigma);
      code = { kind: 1, a, b, c: 0 };
      f = (x) => a * Math.exp(b * x * x);
    } else if (name === 'atan') {
      const c = (Math.PI * slope) / 2;
      code = { kind: 2, a: slope / 2, b: c, c: 0 };
      f = (x) => slope / 2 / (1 + c * x * (c * x));
    } else if (name === 'fast-sigmoid') {
      code = { kind: 3, a: slope, b: 0, c: 0 };
      f = (x) => {
        const q = 1 + slope * Math.abs(x);
        return 1 / (q * q);
      };
    } else if (name === 'sigmoid') {
      code = { kind: 4, a: slope, b: -slope, c: 0 };
      f = (x) => {
        const v = 1 / (1 + Math.exp(-slope * x));
        return slope * v * (1 - v);
      };
    }
  }
  if (code && f) {
    for (const x of [-3.7, -1.25, -0.5, -0.1, 0, 1e-9, 0.3, 0.75, 1, 2.5, 40]) {
      if (!Object.is(f(x), s.d(x, 0))) {
        code = null;
        break;
      }
    }
  }
  surrogateCache.set(s, code);
  return code;
}

let checkInstance: KernelExports | null = null;

/** A small instance of the plain module for host-side checks. */
function checkExports(): KernelExports {
  if (!checkInstance) {
    const inst = new WebAssembly.Instance(wasmModule(false), { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
    checkInstance = inst.exports as unknown as KernelExports;
  }
  return checkInstance;
}

// ---- tape -------------------------------------------------------------------------------------------------
/** A tape whose data lives in a WasmMlpKernel's memory (or, after a fallback pass, in a reference tape). */
export class WasmTape implements Tape {
  /** @internal the reference tape when the forward pass fell back to the TS kernel. */
  ts: Tape | null = null;
  /** @internal set by the forward pass that filled it. */
  written = false;

  constructor(
    readonly kernel: WasmMlpKernel,
    readonly batch: number,
  ) {}

  /** Spikes [batch][T][N] (a copy). */
  get s(): Float64Array {
    return this.ts ? this.ts.s : this.kernel.readTape(this, false);
  }

  /** Surrogate slopes [batch][T][N] (a copy). */
  get sg(): Float64Array {
    return this.ts ? this.ts.sg : this.kernel.readTape(this, true);
  }
}

/** Ends the workers of kernels that were dropped without close(). */
const poolReaper = new FinalizationRegistry<WasmThreadPool>((pool) => pool.close());

/** A bump allocator over the wasm memory for one pass. */
class Arena {
  constructor(public end: number) {}
  alloc(bytes: number): number {
    const p = this.end;
    this.end = p + ((bytes + 15) & ~15);
    return p;
  }
}

export interface WasmKernelOptions {
  /** Threads (default 1). threads > 1 uses a shared memory and threads − 1 workers. */
  threads?: number;
  /**
   * Fewest samples per thread for a pass to use the workers (smaller batches run on the calling thread,
   * since waking workers costs tens of µs). Default: 256 for forward passes without tape, 32 with tape and
   * for the vjp, 4 for the jvp.
   */
  minSamplesPerThread?: number;
  /** @internal A differently built kernel module (experiments and A/B timing); must match `threads`' memory kind. */
  module?: WebAssembly.Module;
  /**
   * @internal threads > 1 without a pool of its own: the owner creates one pool over several kernels' memories
   * (`sharedMemory`) and hands it to each with `attachPool` (an operator net's sub-networks, which run one after
   * the other, so one set of workers serves them all and stays awake between them).
   */
  sharedPool?: boolean;
}

export class WasmMlpKernel implements SpikingMlpKernel {
  readonly cfg: MlpConfig;
  readonly layout: ParamLayout;
  readonly nSpiking: number;
  readonly width: number[];
  readonly fanIn: number[];
  readonly nOff: number[];
  readonly N: number;
  readonly dIn: number;
  readonly dOut: number;
  readonly layerRanges: Array<[number, number]>;
  readonly threads: number;
  private readonly minPerThread: number | null;

  /** The reference kernel: structure, fallbacks. */
  private readonly ref: MlpKernel;
  private readonly memory: WebAssembly.Memory;
  private readonly ex: KernelExports;
  private pool: WasmThreadPool | null;
  /** This kernel's memory index in its pool. */
  private poolMem = 0;
  // Padded geometry (layers padded to an even width).
  private readonly np: number[] = [];
  private readonly off: number[] = [];
  private readonly Np: number;
  private readonly wtSize: number;
  /** Spike-mask words per layer, their offsets in a step's mask row, and the row's length (u64 words). */
  private readonly nw: number[] = [];
  private readonly mw: number[] = [];
  private readonly MW: number;
  private readonly net = CTL_BYTES;
  private readonly paramsPtr: number;
  private readonly biasPtr: number;
  private readonly wtPtr: number;
  private readonly wpPtr: number;
  /** The linear readout weight transposed, [h][dOutP] (dOut padded to even). */
  private readonly rwtPtr: number;
  private readonly tapeBase: number;
  private tapeCap = 0;
  private tapeOwner: WasmTape | null = null;
  private paramsSet = false;
  private closed = false;
  private bufCache: ArrayBufferLike | null = null;
  private f64c = new Float64Array(0);
  private i32c = new Int32Array(0);

  /** Asynchronous construction (compiles the module and waits for the workers without blocking). */
  static async create(cfg: MlpConfig, opts: WasmKernelOptions = {}): Promise<WasmMlpKernel> {
    await loadWasmModules((opts.threads ?? 1) > 1);
    const k = new WasmMlpKernel(cfg, opts);
    await k.pool?.ready;
    return k;
  }

  constructor(cfg: MlpConfig, opts: WasmKernelOptions = {}) {
    validateMlpConfig(cfg);
    const threads = opts.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer, got ${threads}`);
    this.threads = threads;
    this.minPerThread = opts.minSamplesPerThread ?? null;
    const ref = new MlpKernel(cfg);
    this.ref = ref;
    this.cfg = cfg;
    this.layout = ref.layout;
    this.nSpiking = ref.nSpiking;
    this.width = ref.width;
    this.fanIn = ref.fanIn;
    this.nOff = ref.nOff;
    this.N = ref.N;
    this.dIn = ref.dIn;
    this.dOut = ref.dOut;
    this.layerRanges = ref.layerRanges;

    const L = this.nSpiking;
    let Np = 0;
    let wt = 0;
    let wp = 0;
    const wtIdx: number[] = [];
    const wpIdx: number[] = [];
    for (let l = 0; l < L; l++) {
      const n = this.width[l]!;
      const np = n + (n & 1);
      this.np.push(np);
      this.off.push(Np);
      wtIdx.push(wt);
      wpIdx.push(wp);
      Np += np;
      wt += this.fanIn[l]! * np;
      if (l > 0) wp += n * this.np[l - 1]!;
    }
    this.Np = Np;
    this.wtSize = wt;
    let MW = 0;
    for (let l = 0; l < L; l++) {
      const words = Math.ceil(this.np[l]! / 64);
      this.nw.push(words);
      this.mw.push(MW);
      MW += cfg.neuron.signed ? 2 * words : words;
    }
    this.MW = MW;
    const P = this.layout.size;
    const a = new Arena(this.net + D_LAYERS + L * LS);
    this.paramsPtr = a.alloc(P * 8);
    this.biasPtr = a.alloc(Np * 8);
    this.wtPtr = a.alloc(wt * 8);
    this.wpPtr = a.alloc(Math.max(wp, 1) * 8);
    this.rwtPtr = a.alloc(this.rwtSize() * 8);
    this.tapeBase = a.end;

    const shared = threads > 1;
    const pages = Math.ceil((a.end + 1) / PAGE) + 1;
    this.memory = shared ? new WebAssembly.Memory({ initial: pages, maximum: 65536, shared: true }) : new WebAssembly.Memory({ initial: pages });
    const module = opts.module ?? wasmModule(shared);
    const inst = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.ex = inst.exports as unknown as KernelExports;
    if (!opts.module && this.ex.layoutOk() !== 1) throw new Error('wasm kernel: descriptor layout mismatch (assembly/kernel.ts D_KTAB/D_LAYERS)');

    // Network descriptor.
    const i32 = this.i32();
    const f64 = this.f64();
    const d = this.net >> 2;
    const { threshold, leak, signed } = cfg.neuron;
    i32[d + D.L] = L;
    i32[d + D.T] = cfg.T;
    i32[d + D.DIN] = this.dIn;
    i32[d + D.DOUT] = this.dOut;
    i32[d + D.NP] = Np;
    i32[d + D.LINEAR] = cfg.readout === 'linear' ? 1 : 0;
    i32[d + D.SIGNED] = signed ? 1 : 0;
    i32[d + D.SUR] = 0;
    i32[d + D.P] = P;
    i32[d + D.PARAMS] = this.paramsPtr;
    i32[d + D.BIAS] = this.biasPtr;
    i32[d + D.RW] = ref.rwOff;
    i32[d + D.RB] = ref.rbOff;
    i32[d + D.WTSIZE] = wt;
    i32[d + D.WT] = this.wtPtr;
    i32[d + D.WP] = this.wpPtr;
    i32[d + D.N] = this.N;
    i32[d + D.MW] = this.MW;
    i32[d + D.RWT] = this.rwtPtr;
    this.ex.writeExpConstants(this.net + D_KTAB);
    f64[(this.net >> 3) + DF.LEAK] = leak;
    f64[(this.net >> 3) + DF.TH] = threshold;
    for (let l = 0; l < L; l++) {
      const r = (this.net + D_LAYERS + l * LS) >> 2;
      i32[r + LW.N] = this.width[l]!;
      i32[r + LW.NP] = this.np[l]!;
      i32[r + LW.NIN] = this.fanIn[l]!;
      i32[r + LW.NINP] = l > 0 ? this.np[l - 1]! : this.dIn;
      i32[r + LW.OFF] = this.off[l]!;
      i32[r + LW.INOFF] = l > 0 ? this.off[l - 1]! : 0;
      i32[r + LW.WT] = wtIdx[l]!;
      i32[r + LW.WP] = wpIdx[l]!;
      i32[r + LW.WOFF] = ref.wOff[l]!;
      i32[r + LW.BOFF] = ref.bOff[l]!;
      i32[r + LW.UOFF] = this.nOff[l]!;
      i32[r + LW.MW] = this.mw[l]!;
      i32[r + LW.NW] = this.nw[l]!;
    }
    this.wtIdx = wtIdx;
    this.wpIdx = wpIdx;
    this.pool = shared && !opts.sharedPool ? new WasmThreadPool(module, this.memory, threads) : null;
    if (this.pool) poolReaper.register(this, this.pool, this);
  }

  private readonly wtIdx: number[];
  private readonly wpIdx: number[];

  get nParams(): number {
    return this.layout.size;
  }

  /** f64 count of one transposed readout weight [h][dOutP] (0 without a linear readout). */
  private rwtSize(): number {
    if (this.cfg.readout !== 'linear') return 0;
    return this.width[this.nSpiking - 1]! * (this.dOut + (this.dOut & 1));
  }

  /** The kernel's (shared, with threads > 1) wasm memory, for a pool over several kernels. */
  get sharedMemory(): WebAssembly.Memory {
    return this.memory;
  }

  /** Use `pool` (built over several kernels' memories, this kernel's at index `mem`); see `sharedPool`. */
  attachPool(pool: WasmThreadPool, mem: number): void {
    if (this.pool) throw new Error('the kernel already has a thread pool');
    if (pool.threads !== this.threads) throw new Error(`the pool has ${pool.threads} threads, the kernel ${this.threads}`);
    this.pool = pool;
    this.poolMem = mem;
    poolReaper.register(this, pool, this);
  }

  /** End the worker threads (a shared pool's too, for all its kernels). The kernel cannot be used afterwards. */
  close(): void {
    this.closed = true;
    if (this.pool) {
      poolReaper.unregister(this);
      this.pool.close();
    }
  }

  /** Load parameters: copies them into wasm memory with padded biases and the two weight layouts. */
  setParams(params: Float64Array): void {
    this.ref.setParams(params);
    const f = this.f64();
    let finite = true;
    f.set(params, this.paramsPtr >> 3);
    const bias = this.biasPtr >> 3;
    f.fill(0, bias, bias + this.Np);
    f.fill(0, this.wtPtr >> 3, (this.wtPtr >> 3) + this.wtSize);
    for (let l = 0; l < this.nSpiking; l++) {
      const n = this.width[l]!;
      const np = this.np[l]!;
      const nIn = this.fanIn[l]!;
      const wo = this.ref.wOff[l]!;
      const bo = this.ref.bOff[l]!;
      for (let o = 0; o < n; o++) f[bias + this.off[l]! + o] = params[bo + o]!;
      // Transposed [nIn][np], zero-padded columns.
      const wt = (this.wtPtr >> 3) + this.wtIdx[l]!;
      for (let o = 0; o < n; o++) for (let i = 0; i < nIn; i++) f[wt + i * np + o] = params[wo + o * nIn + i]!;
      if (l > 0) {
        for (let q = wo; q < wo + n * nIn; q++) if (!Number.isFinite(params[q]!)) finite = false;
        // Row-padded [n][np_{l−1}] for W^T a vectorised across inputs.
        const nInP = this.np[l - 1]!;
        const wp = (this.wpPtr >> 3) + this.wpIdx[l]!;
        for (let o = 0; o < n; o++) {
          for (let i = 0; i < nInP; i++) f[wp + o * nInP + i] = i < nIn ? params[wo + o * nIn + i]! : 0;
        }
      }
    }
    if (this.cfg.readout === 'linear') {
      const h = this.width[this.nSpiking - 1]!;
      const dOutP = this.dOut + (this.dOut & 1);
      const rwt = this.rwtPtr >> 3;
      const rw = this.ref.rwOff;
      for (let i = 0; i < h; i++) for (let o = 0; o < dOutP; o++) f[rwt + i * dOutP + o] = o < this.dOut ? params[rw + o * h + i]! : 0;
    }
    // The tangent's fast product relies on finite weights (see assembly/kernel.ts, tangentLayer).
    this.i32()[(this.net >> 2) + D.WFIN] = finite ? 1 : 0;
    this.paramsSet = true;
  }

  newTape(batch: number): Tape {
    return new WasmTape(this, batch);
  }

  // ---------------------------------------------------------------------------------------------------------

  forward(x: Float64Array, batch: number, opts: PassOptions, tape?: Tape, rates?: Float64Array, hidden?: Float64Array): Float64Array {
    this.checkInput(x, batch);
    let code: SurrogateCode | null = null;
    if (tape) {
      if (tape.batch !== batch) throw new Error(`the tape was made for batch ${tape.batch}, not ${batch}`);
      code = this.passCode(opts, batch);
    }
    const ownTape = tape instanceof WasmTape && tape.kernel === this;
    if (opts.smooth || (tape && (!code || !ownTape))) {
      // Reference fallback (smooth mode, Stein surrogates, a foreign tape).
      let t: Tape | undefined = tape;
      if (tape instanceof WasmTape) {
        if (tape.kernel !== this) throw new Error('the tape belongs to another kernel');
        tape.ts = this.ref.newTape(batch);
        tape.written = true;
        if (this.tapeOwner === tape) this.tapeOwner = null;
        t = tape.ts;
      }
      return this.ref.forward(x, batch, opts, t, rates, hidden);
    }
    if (hidden && hidden.length !== batch * this.N) throw new Error('forward: hidden has the wrong size');
    const T = this.cfg.T;
    const L = this.nSpiking;
    let ts = 0;
    let tg = 0;
    let tc = 0;
    if (tape) {
      const wt = tape as WasmTape;
      this.ensureTape(this.tapeBytes(batch));
      ts = this.tapeBase;
      tg = this.tapeBase + this.tapeMaskBytes(batch);
      tc = tg + this.tapeSlopeBytes(batch);
      wt.ts = null;
      wt.written = true;
      this.tapeOwner = wt;
      this.setSurrogate(code!, opts);
    }
    const a = new Arena(this.tapeBase + this.tapeCap);
    const xP = a.alloc(x.length * 8);
    const yP = a.alloc(batch * this.dOut * 8);
    const ratesP = rates ? a.alloc(batch * L * 8) : 0;
    const hidP = hidden ? a.alloc(batch * this.N * 8) : 0;
    const th = this.passThreads(batch, tape ? 32 : 256);
    const jobs = a.alloc(th * JOB_BYTES);
    const chunks = this.sampleChunks(a, batch, th);
    const scrBytes = this.ex.scratchBytes(this.net, 0);
    const scr = a.alloc(th * scrBytes);
    this.ensure(a.end);
    const f = this.f64();
    f.set(x, xP >> 3);
    if (chunks.ctr) this.i32()[chunks.ctr >> 2] = 0;
    this.writeJobs(jobs, batch, th, (j, k) => {
      j[J.CTR] = chunks.ctr;
      j[J.CSZ] = chunks.size;
      j[J.X] = xP;
      j[J.Y] = yP;
      j[J.TS] = ts;
      j[J.TG] = tg;
      j[J.TC] = tc;
      j[J.RATES] = ratesP;
      j[J.HID] = hidP;
      j[J.SCR] = scr + k * scrBytes;
    });
    this.run(OP_FORWARD, jobs, batch, th);
    const g = this.f64();
    if (rates) {
      // Per-sample rates summed in sample order, as the reference does.
      const r0 = ratesP >> 3;
      for (let b = 0; b < batch; b++) for (let l = 0; l < L; l++) rates[l] += g[r0 + b * L + l]!;
    }
    if (hidden) hidden.set(g.subarray(hidP >> 3, (hidP >> 3) + batch * this.N));
    return g.slice(yP >> 3, (yP >> 3) + batch * this.dOut);
  }

  jvp(
    x: Float64Array,
    batch: number,
    dParams: Float64Array,
    M: number,
    opts: PassOptions,
    dx?: Float64Array,
    firstLayer?: Int32Array,
    hidden?: { r: Float64Array; dr: Float64Array },
  ): { y: Float64Array; dy: Float64Array } {
    this.checkInput(x, batch);
    const P = this.layout.size;
    if (!Number.isInteger(M) || M < 0) throw new Error(`jvp: M must be a non-negative integer, got ${M}`);
    if (dParams.length !== M * P) throw new Error(`jvp: dParams has ${dParams.length} entries, expected ${M}×${P}`);
    if (dx && dx.length !== M * batch * this.dIn) throw new Error('jvp: dx has the wrong size');
    const code = this.passCode(opts, batch);
    if (opts.smooth || !code) return this.ref.jvp(x, batch, dParams, M, opts, dx, firstLayer, hidden);
    if (hidden && (hidden.r.length !== batch * this.N || hidden.dr.length !== M * batch * this.N)) throw new Error('jvp: hidden has the wrong size');
    if (firstLayer && firstLayer.length < M) throw new Error('jvp: firstLayer has fewer than M entries');
    this.setSurrogate(code, opts);
    const a = new Arena(this.tapeBase + this.tapeCap);
    const xP = a.alloc(x.length * 8);
    const yP = a.alloc(batch * this.dOut * 8);
    const dyP = a.alloc(M * batch * this.dOut * 8);
    const dPP = a.alloc(M * P * 8);
    const dwtP = a.alloc(M * this.wtSize * 8);
    const drwtP = a.alloc(M * this.rwtSize() * 8);
    const dBP = a.alloc(M * this.Np * 8);
    const dxP = dx ? a.alloc(dx.length * 8) : 0;
    const startP = a.alloc(M * 4);
    const lzeroP = a.alloc(M * this.nSpiking * 4);
    const hidP = hidden ? a.alloc(batch * this.N * 8) : 0;
    const hiddP = hidden ? a.alloc(M * batch * this.N * 8) : 0;
    const th = this.passThreads(batch, 4);
    const jobs = a.alloc(th * JOB_BYTES);
    const chunks = this.sampleChunks(a, batch, th);
    const scrBytes = this.ex.scratchBytes(this.net, M);
    const scr = a.alloc(th * scrBytes);
    this.ensure(a.end);
    const f = this.f64();
    const i32 = this.i32();
    f.set(x, xP >> 3);
    f.set(dParams, dPP >> 3);
    if (dx) f.set(dx, dxP >> 3);
    for (let m = 0; m < M; m++) i32[(startP >> 2) + m] = dx ? 0 : firstLayer ? firstLayer[m]! : 0;
    if (chunks.ctr) i32[chunks.ctr >> 2] = 0;
    this.writeJobs(jobs, batch, th, (j, k) => {
      j[J.CTR] = chunks.ctr;
      j[J.CSZ] = chunks.size;
      j[J.X] = xP;
      j[J.Y] = yP;
      j[J.M] = M;
      j[J.DWT] = dwtP;
      j[J.DRWT] = drwtP;
      j[J.DB] = dBP;
      j[J.DX] = dxP;
      j[J.START] = startP;
      j[J.LZERO] = lzeroP;
      j[J.DY] = dyP;
      j[J.DP] = dPP;
      j[J.HID] = hidP;
      j[J.HIDD] = hiddP;
      j[J.SCR] = scr + k * scrBytes;
    });
    this.ex.prepareTangents(this.net, jobs);
    this.run(OP_JVP, jobs, batch, th);
    const g = this.f64();
    if (hidden) {
      hidden.r.set(g.subarray(hidP >> 3, (hidP >> 3) + batch * this.N));
      hidden.dr.set(g.subarray(hiddP >> 3, (hiddP >> 3) + M * batch * this.N));
    }
    return { y: g.slice(yP >> 3, (yP >> 3) + batch * this.dOut), dy: g.slice(dyP >> 3, (dyP >> 3) + M * batch * this.dOut) };
  }

  vjp(x: Float64Array, tape: Tape, gy: Float64Array, grad: Float64Array, gHidden?: Float64Array, inputGrad = true): Float64Array {
    const batch = tape.batch;
    if (!(tape instanceof WasmTape)) return this.ref.vjp(x, tape, gy, grad, gHidden, inputGrad);
    if (tape.kernel !== this) throw new Error('the tape belongs to another kernel');
    if (tape.ts) return this.ref.vjp(x, tape.ts, gy, grad, gHidden, inputGrad);
    this.checkInput(x, batch);
    if (gy.length !== batch * this.dOut) throw new Error('vjp: gy has the wrong size');
    if (grad.length !== this.layout.size) throw new Error('vjp: grad has the wrong size');
    if (gHidden && gHidden.length !== batch * this.N) throw new Error('vjp: gHidden has the wrong size');
    if (!tape.written) throw new Error('vjp: the tape has not been filled by a forward pass');
    if (this.tapeOwner !== tape) throw new Error('vjp: this tape was overwritten by a later forward pass with another tape (the wasm kernel keeps one tape)');
    const P = this.layout.size;
    const th = this.passThreads(batch, 32);
    const a = new Arena(this.tapeBase + this.tapeCap);
    const xP = a.alloc(x.length * 8);
    const gyP = a.alloc(gy.length * 8);
    const gxP = inputGrad ? a.alloc(batch * this.dIn * 8) : 0;
    const ghP = gHidden ? a.alloc(gHidden.length * 8) : 0;
    const gradP = a.alloc(th * P * 8);
    const gwtP = a.alloc(th * this.wtSize * 8);
    const gBP = a.alloc(th * this.Np * 8);
    const jobs = a.alloc(th * JOB_BYTES);
    const scrBytes = this.ex.scratchBytes(this.net, 0);
    const scr = a.alloc(th * scrBytes);
    this.ensure(a.end);
    const f = this.f64();
    f.set(x, xP >> 3);
    f.set(gy, gyP >> 3);
    if (gHidden) f.set(gHidden, ghP >> 3);
    if (inputGrad) f.fill(0, gxP >> 3, (gxP >> 3) + batch * this.dIn);
    f.set(grad, gradP >> 3);
    f.fill(0, (gradP >> 3) + P, (gradP >> 3) + th * P);
    this.writeJobs(jobs, batch, th, (j, k) => {
      j[J.X] = xP;
      j[J.TS] = this.tapeBase;
      j[J.TG] = this.tapeBase + this.tapeMaskBytes(batch);
      j[J.TC] = this.tapeBase + this.tapeMaskBytes(batch) + this.tapeSlopeBytes(batch);
      j[J.GY] = gyP;
      j[J.GX] = gxP; // 0: no ∂L/∂x
      j[J.GH] = ghP;
      j[J.GRAD] = gradP + k * P * 8;
      j[J.GWT] = gwtP + k * this.wtSize * 8;
      j[J.GB] = gBP + k * this.Np * 8;
      j[J.SCR] = scr + k * scrBytes;
    });
    this.run(OP_VJP, jobs, batch, th);
    const g = this.f64();
    const g0 = gradP >> 3;
    if (th === 1) grad.set(g.subarray(g0, g0 + P));
    else {
      for (let i = 0; i < P; i++) {
        let v = g[g0 + i]!;
        for (let k = 1; k < th; k++) v += g[g0 + k * P + i]!;
        grad[i] = v;
      }
    }
    return inputGrad ? g.slice(gxP >> 3, (gxP >> 3) + batch * this.dIn) : new Float64Array(0);
  }

  /** @internal Copy of the tape's spikes or slopes in the reference layout [batch][T][N]. */
  readTape(tape: WasmTape, slopes: boolean): Float64Array {
    const T = this.cfg.T;
    const rows = tape.batch * T;
    const out = new Float64Array(rows * this.N);
    if (!tape.written) return out;
    if (this.tapeOwner !== tape) throw new Error('this tape was overwritten by a later forward pass with another tape (the wasm kernel keeps one tape)');
    if (slopes) {
      const f = this.f64();
      const base = (this.tapeBase + this.tapeMaskBytes(tape.batch)) >> 3;
      for (let r = 0; r < rows; r++) {
        for (let l = 0; l < this.nSpiking; l++) {
          const src = base + r * this.Np + this.off[l]!;
          out.set(f.subarray(src, src + this.width[l]!), r * this.N + this.nOff[l]!);
        }
      }
      return out;
    }
    // Spikes from the masks: bit j of the layer's words is +1, of its second half (signed) −1.
    const words = new Uint32Array(this.memory.buffer, this.tapeBase, rows * this.MW * 2);
    const signed = this.cfg.neuron.signed;
    for (let r = 0; r < rows; r++) {
      for (let l = 0; l < this.nSpiking; l++) {
        const w0 = (r * this.MW + this.mw[l]!) * 2;
        const neg = this.nw[l]! * 2;
        for (let j = 0; j < this.width[l]!; j++) {
          const k = w0 + (j >> 5);
          const bit = 1 << (j & 31);
          const v = words[k]! & bit ? 1 : signed && words[k + neg]! & bit ? -1 : 0;
          out[r * this.N + this.nOff[l]! + j] = v;
        }
      }
    }
    return out;
  }

  private tapeMaskBytes(batch: number): number {
    return batch * this.cfg.T * this.MW * 8;
  }

  private tapeSlopeBytes(batch: number): number {
    return batch * this.cfg.T * this.Np * 8;
  }

  /** Tape: spike masks [batch][T][MW] u64, slopes [batch][T][Np], spike counts [batch][Np]. */
  private tapeBytes(batch: number): number {
    return this.tapeMaskBytes(batch) + this.tapeSlopeBytes(batch) + batch * this.Np * 8;
  }

  /**
   * Test hook: exp of every element of `xs` through the wasm vector path (`vec`), the vector path for
   * non-positive arguments applied to −|x| (`neg`), and the scalar path (`scalar`).
   */
  wasmExp(xs: Float64Array): { vec: Float64Array; neg: Float64Array; scalar: Float64Array } {
    const n = xs.length + (xs.length & 1);
    const a = new Arena(this.tapeBase + this.tapeCap);
    const src = a.alloc(n * 8);
    const dst = a.alloc(n * 8);
    this.ensure(a.end);
    const run = (v: Float64Array, neg: number): Float64Array => {
      const f = this.f64();
      f.fill(0, src >> 3, (src >> 3) + n);
      f.set(v, src >> 3);
      this.ex.expArray(this.net, src, dst, n, neg);
      return this.f64().slice(dst >> 3, (dst >> 3) + xs.length);
    };
    const vec = run(xs, 0);
    const neg = run(
      xs.map((v) => -Math.abs(v)),
      1,
    );
    const scalar = xs.map((v) => this.ex.expScalar(v));
    return { vec, neg, scalar };
  }

  /**
   * Test hook: the wasm slopes of a deterministic surrogate at the membrane potentials `pre` (U before the
   * reset), as one pass computes them for a sample's [T][Np] rows (blocks of 32 values, then pairs).
   */
  wasmSlopes(pre: Float64Array, surrogate: Surrogate): Float64Array {
    const r = this.slopesRunner(pre, surrogate);
    r.run();
    return r.result();
  }

  /**
   * @internal The slopes of `pre` set up in wasm memory once: `run` computes them (nothing copied; for timing
   * the slopes alone, bench/kernels.ts), `result` copies them out. Valid until the kernel's next pass.
   */
  slopesRunner(pre: Float64Array, surrogate: Surrogate): { run(): void; result(): Float64Array } {
    const code = surrogateCode(surrogate);
    if (!code || code.kind >= KIND_STEIN) throw new Error('slopesRunner: a deterministic surrogate that runs in wasm');
    const n = pre.length + (pre.length & 1);
    const a = new Arena(this.tapeBase + this.tapeCap);
    const src = a.alloc(n * 8);
    const dst = a.alloc(n * 8);
    const xb = a.alloc(1280); // the staged exp's block state: XB_BYTES of assembly/kernel.ts
    this.ensure(a.end);
    this.setSurrogate(code, { surrogate });
    const f = this.f64();
    f.fill(0, src >> 3, (src >> 3) + n);
    f.set(pre, src >> 3);
    return {
      run: () => this.ex.slopesArray(this.net, src, dst, n, xb),
      result: () => this.f64().slice(dst >> 3, (dst >> 3) + pre.length),
    };
  }

  /**
   * Test hook: `which` of assembly/stein.ts on every element of `xs`: 0 log, 1 cos2pi, 2 kernelCos, 3 kernelSin.
   */
  wasmDetMath(xs: Float64Array, which: number): Float64Array {
    const a = new Arena(this.tapeBase + this.tapeCap);
    const src = a.alloc(xs.length * 8);
    const dst = a.alloc(xs.length * 8);
    this.ensure(a.end);
    this.f64().set(xs, src >> 3);
    this.ex.detMathArray(src, dst, xs.length, which);
    return this.f64().slice(dst >> 3, (dst >> 3) + xs.length);
  }

  // ---------------------------------------------------------------------------------------------------------

  /**
   * Wall-clock [start, end] (ms since the epoch) of each thread's share of the last pass (thread 0 = the
   * caller), to see whether the threads overlapped; empty for one thread.
   */
  lastPassTimes(): Array<[number, number]> {
    return this.pool ? [this.mainTimes, ...this.pool.lastJobTimes()] : [];
  }

  private mainTimes: [number, number] = [NaN, NaN];

  /**
   * With threads, a counter (zero it after `ensure`) from which the forward and tangent passes take chunks of
   * samples, whichever thread is free (assembly/kernel.ts; their outputs are per sample, so any assignment gives
   * the same results), and the chunk size: about four chunks per thread for balance, at most 8 (the kernel's
   * CHUNK). The adjoint keeps fixed ranges: its gradient is summed per thread.
   */
  private sampleChunks(a: Arena, batch: number, th: number): { ctr: number; size: number } {
    if (th <= 1) return { ctr: 0, size: 0 };
    return { ctr: a.alloc(4), size: Math.min(8, Math.max(1, Math.ceil(batch / (th * 4)))) };
  }

  /**
   * Threads for a pass over `batch` samples: all of them when each gets at least `perThread` samples, else
   * one (waking workers costs tens of µs; per-sample results do not depend on the choice, and the vjp
   * gradient is deterministic for a given thread count and batch size).
   */
  private passThreads(batch: number, perThread: number): number {
    return this.pool && batch >= this.threads * (this.minPerThread ?? perThread) ? this.threads : 1;
  }

  private run(op: number, jobs: number, batch: number, threads: number): void {
    if (this.closed) throw new Error('the kernel is closed');
    if (batch === 0) return;
    if (this.pool && threads > 1) {
      this.pool.dispatch(op, this.net, jobs, JOB_BYTES, this.poolMem);
      let err: unknown = null;
      const t0 = performance.timeOrigin + performance.now();
      try {
        runJob(this.ex, op, this.net, jobs, 0);
      } catch (e) {
        err = e;
      }
      this.mainTimes = [t0, performance.timeOrigin + performance.now()];
      this.pool.wait();
      if (err) throw err;
    } else {
      runJob(this.ex, op, this.net, jobs, 0);
    }
  }

  /** Job records: thread k gets samples [⌊k·batch/threads⌋, ⌊(k+1)·batch/threads⌋). */
  private writeJobs(jobs: number, batch: number, threads: number, fill: (j: Int32Array, k: number) => void): void {
    const i32 = this.i32();
    for (let k = 0; k < threads; k++) {
      const j = i32.subarray((jobs + k * JOB_BYTES) >> 2, (jobs + (k + 1) * JOB_BYTES) >> 2);
      j.fill(0);
      j[J.B0] = Math.floor((k * batch) / threads);
      j[J.B1] = Math.floor(((k + 1) * batch) / threads);
      j[J.BATCH] = batch;
      fill(j, k);
    }
  }

  /**
   * The surrogate's wasm form for a pass over `batch` samples, or null for the reference kernel. Stein: the
   * wasm counter is an i64 and the reference's a double, the same integers while every index of the pass
   * (at most ((noise + batch)·L·T·nMax)·K·4) stays below 2^53 with an integer noise offset.
   */
  private passCode(opts: PassOptions, batch: number): SurrogateCode | null {
    const code = surrogateCode(opts.surrogate);
    if (!code || code.kind < KIND_STEIN) return code;
    const noise = opts.noiseOffset ?? 0;
    if (!Number.isSafeInteger(noise) || noise < 0) return null;
    const top = (noise + batch) * this.nSpiking * this.cfg.T * this.ref.nMax * code.c * 4;
    return top < 2 ** 53 ? code : null;
  }

  private setSurrogate(code: SurrogateCode, opts: PassOptions): void {
    const i32 = this.i32();
    const w = this.net >> 2;
    i32[w + D.SUR] = code.kind;
    const f = this.f64();
    const d = this.net >> 3;
    f[d + DF.SA] = code.a;
    f[d + DF.SB] = code.b;
    f[d + DF.SC] = code.c;
    if (code.kind >= KIND_STEIN) {
      // The pass's key and counter layout (MlpKernel.forward: index = (((noise + b)·L + l)·T + t)·nMax + j).
      i32[w + D.SKEY] = opts.surrogate.key! | 0;
      i32[w + D.SSAMP] = code.c;
      i32[w + D.SNMAX] = this.ref.nMax;
      f[d + DF.SNOISE] = opts.noiseOffset ?? 0;
    }
  }

  private ensureTape(bytes: number): void {
    if (bytes > this.tapeCap) {
      this.tapeCap = (bytes + 15) & ~15;
      this.tapeOwner = null;
    }
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const grow = Math.ceil((end - have) / PAGE);
    try {
      this.memory.grow(grow);
    } catch (e) {
      throw new Error(`wasm kernel: cannot grow memory to ${(end / 2 ** 20).toFixed(0)} MiB (${String(e)})`);
    }
  }

  private f64(): Float64Array {
    this.views();
    return this.f64c;
  }

  private i32(): Int32Array {
    this.views();
    return this.i32c;
  }

  private views(): void {
    const buf = this.memory.buffer;
    if (buf !== this.bufCache || this.f64c.byteLength !== buf.byteLength) {
      this.bufCache = buf;
      this.f64c = new Float64Array(buf);
      this.i32c = new Int32Array(buf);
    }
  }

  private checkInput(x: Float64Array, batch: number): void {
    if (!Number.isInteger(batch) || batch < 0) throw new Error(`batch must be a non-negative integer, got ${batch}`);
    if (x.length !== batch * this.dIn) throw new Error(`input has ${x.length} values, expected batch ${batch} × ${this.dIn}`);
    if (!this.paramsSet) throw new Error('setParams must be called before running the network');
  }
}
