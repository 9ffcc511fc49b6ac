/**
 * The operator nets' combination (contraction.ts) on WebAssembly SIMD (assembly/contract.ts): the same
 * floating-point operations in the same order as the reference, so the same bits, at a fraction of the time
 * (the combination of a DeepONet batch is a matrix product of |y|·r multiply-adds, which in plain TypeScript
 * cost more than the spiking sub-networks). Runs on the calling thread in its own (plain) wasm memory; the
 * arrays are copied in and the results out, O(Σ n_k·r + |y|) per call against O(|y|·r) work.
 */
import type { Contraction } from './contraction.js';
import { OP_CONTRACT, type WasmThreadPool } from './parallel-kernel.js';
import { wasmModule } from './wasm-kernel.js';

interface ContractExports {
  transposeRows(a: number, n: number, r: number, t: number): void;
  prefixProduct(prev: number, rows: number, Fk: number, nk: number, r: number, next: number): void;
  contractRows(pre: number, R: number, r: number, FT: number, nL: number, c: number, out: number, p0: number, p1: number): void;
  adjointLast(pre: number, R: number, r: number, gy: number, nL: number, GT: number, q0: number, q1: number): void;
  adjointPrefixRows(F: number, nL: number, r: number, R: number, gy: number, S: number, p0: number, p1: number): void;
  prefixAdjoint(S: number, prev: number, rows: number, Fk: number, nk: number, r: number, Gk: number, Sk: number): void;
  contractJob(job: number): void;
}

const PAGE = 65536;
/** Job records of a split step (assembly/contract.ts CJ_*), from this byte, JOB bytes each. */
const JOBS = 256;
const JOB = 64;
/** Arena start (room for 58 threads' job records below it). */
const BASE = 4096;
/** Multiply-adds below which a step runs on the calling thread alone (waking the split costs µs). */
const MIN_SPLIT_MACS = 40000;
const FN = { rows: 1, last: 2, prefixRows: 3 } as const;

export class WasmContraction implements Contraction {
  private readonly memory: WebAssembly.Memory;
  private readonly ex: ContractExports;
  private top = BASE;
  private pool: WasmThreadPool | null = null;
  private poolMem = 0;

  /**
   * `shared`: build on a shared memory, for a thread pool (`sharedMemory`, then `attachPool`) that splits the
   * three matrix products across threads by output rows or columns (each output's sum unchanged: same bits).
   */
  constructor(shared = false) {
    this.memory = shared ? new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true }) : new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(wasmModule(shared), { env: { memory: this.memory } });
    this.ex = inst.exports as unknown as ContractExports;
  }

  get sharedMemory(): WebAssembly.Memory {
    return this.memory;
  }

  attachPool(pool: WasmThreadPool, mem: number): void {
    this.pool = pool;
    this.poolMem = mem;
  }

  /**
   * Run step `fn` with six integer arguments over [0, n) of its split dimension, across the pool's threads when
   * the step has at least MIN_SPLIT_MACS multiply-adds.
   */
  private split(fn: number, args: number[], c: number, n: number, macs: number): void {
    const pool = this.pool;
    const th = pool && macs >= MIN_SPLIT_MACS ? Math.min(pool.threads, n) : 1;
    const i32 = new Int32Array(this.memory.buffer, JOBS, (th * JOB) >> 2);
    const f64 = new Float64Array(this.memory.buffer, JOBS, (th * JOB) >> 3);
    for (let k = 0; k < th; k++) {
      const w = (k * JOB) >> 2;
      i32[w] = fn;
      for (let a = 0; a < 6; a++) i32[w + 1 + a] = args[a]!;
      f64[((k * JOB) >> 3) + 4] = c;
      i32[w + 10] = Math.floor((k * n) / th);
      i32[w + 11] = Math.floor(((k + 1) * n) / th);
    }
    if (th > 1) {
      pool!.dispatch(OP_CONTRACT, 0, JOBS, JOB, this.poolMem);
      let err: unknown = null;
      try {
        this.ex.contractJob(JOBS);
      } catch (e) {
        err = e;
      }
      pool!.wait();
      if (err) throw err;
    } else {
      this.ex.contractJob(JOBS);
    }
  }

  // ---- a bump arena, reset by every call ----
  private reset(): void {
    this.top = BASE;
  }

  /** Reserve n f64 (16-byte aligned) and return the byte address. */
  private alloc(n: number): number {
    const p = this.top;
    this.top += ((n * 8 + 15) >> 4) << 4;
    const need = Math.ceil(this.top / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need > 0) this.memory.grow(need);
    return p;
  }

  private put(a: Float64Array): number {
    const p = this.alloc(a.length);
    new Float64Array(this.memory.buffer, p, a.length).set(a);
    return p;
  }

  private zeros(n: number): number {
    const p = this.alloc(n);
    new Float64Array(this.memory.buffer, p, n).fill(0);
    return p;
  }

  private view(p: number, n: number): Float64Array {
    return new Float64Array(this.memory.buffer, p, n);
  }

  /** Factor addresses and the prefix levels' addresses (levels[0] = one row of ones). */
  private levels(F: Float64Array[], n: number[], r: number): { Fp: number[]; lv: number[]; rows: number[] } {
    const Fp = F.map((a) => this.put(a));
    const ones = this.alloc(r);
    this.view(ones, r).fill(1);
    const lv = [ones];
    const rows = [1];
    for (let k = 0; k < F.length - 1; k++) {
      const next = this.alloc(rows[k]! * n[k]! * r);
      this.ex.prefixProduct(lv[k]!, rows[k]!, Fp[k]!, n[k]!, r, next);
      lv.push(next);
      rows.push(rows[k]! * n[k]!);
    }
    return { Fp, lv, rows };
  }

  contract(F: Float64Array[], n: number[], r: number, c: number, out: Float64Array): Float64Array {
    this.reset();
    const K = F.length;
    const { Fp, lv, rows } = this.levels(F, n, r);
    const nL = n[K - 1]!;
    const FT = this.alloc(nL * r);
    this.ex.transposeRows(Fp[K - 1]!, nL, r, FT);
    const o = this.alloc(out.length);
    const R = rows[K - 1]!;
    this.split(FN.rows, [lv[K - 1]!, R, r, FT, nL, o], c, R, R * r * nL);
    out.set(this.view(o, out.length));
    return out;
  }

  contractAdjoint(F: Float64Array[], n: number[], r: number, gy: Float64Array, G: Float64Array[]): void {
    this.reset();
    const K = F.length;
    const { Fp, lv, rows } = this.levels(F, n, r);
    const nL = n[K - 1]!;
    const R = rows[K - 1]!;
    const g = this.put(gy);
    const GT = this.zeros(nL * r);
    this.split(FN.last, [lv[K - 1]!, R, r, g, nL, GT], 0, r, R * r * nL);
    const gt = this.view(GT, nL * r);
    const GL = G[K - 1]!;
    for (let i = 0; i < nL; i++) for (let q = 0; q < r; q++) GL[i * r + q] += gt[q * nL + i]!;
    let S = this.alloc(R * r);
    this.split(FN.prefixRows, [Fp[K - 1]!, nL, r, R, g, S], 0, R, R * r * nL);
    for (let k = K - 2; k >= 0; k--) {
      const Gk = this.put(G[k]!);
      const Sk = this.zeros(rows[k]! * r);
      this.ex.prefixAdjoint(S, lv[k]!, rows[k]!, Fp[k]!, n[k]!, r, Gk, Sk);
      G[k]!.set(this.view(Gk, G[k]!.length));
      S = Sk;
    }
  }

  contractDot(F: Float64Array[], n: number[], r: number, gy: Float64Array): number {
    this.reset();
    const K = F.length;
    const { Fp, lv, rows } = this.levels(F, n, r);
    const nL = n[K - 1]!;
    const R = rows[K - 1]!;
    const S = this.alloc(R * r);
    this.split(FN.prefixRows, [Fp[K - 1]!, nL, r, R, this.put(gy), S], 0, R, R * r * nL);
    const pre = this.view(lv[K - 1]!, R * r);
    const s = this.view(S, R * r);
    let total = 0;
    for (let j = 0; j < s.length; j++) total += pre[j]! * s[j]!;
    return total;
  }
}
