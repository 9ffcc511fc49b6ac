/**
 * The operator nets' combination (contraction.ts) on WebAssembly SIMD (assembly/contract.ts): the same
 * floating-point operations in the same order as the reference, so the same bits, at a fraction of the time
 * (the combination of a DeepONet batch is a matrix product of |y|·r multiply-adds, which in plain TypeScript
 * cost more than the spiking sub-networks). Runs on the calling thread in its own (plain) wasm memory; the
 * arrays are copied in and the results out, O(Σ n_k·r + |y|) per call against O(|y|·r) work.
 */
import type { Contraction } from './contraction.js';
import { wasmModule } from './wasm-kernel.js';

interface ContractExports {
  transposeRows(a: number, n: number, r: number, t: number): void;
  prefixProduct(prev: number, rows: number, Fk: number, nk: number, r: number, next: number): void;
  contractRows(pre: number, R: number, r: number, FT: number, nL: number, c: number, out: number): void;
  adjointLast(pre: number, R: number, r: number, gy: number, nL: number, GT: number): void;
  adjointPrefixRows(F: number, nL: number, r: number, R: number, gy: number, S: number): void;
  prefixAdjoint(S: number, prev: number, rows: number, Fk: number, nk: number, r: number, Gk: number, Sk: number): void;
}

const PAGE = 65536;
/** Bytes below which the module's own data may live (the kernel module reserves none; kept clear anyway). */
const BASE = 1024;

export class WasmContraction implements Contraction {
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly ex: ContractExports;
  private top = BASE;

  constructor() {
    const inst = new WebAssembly.Instance(wasmModule(false), { env: { memory: this.memory } });
    this.ex = inst.exports as unknown as ContractExports;
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
    this.ex.contractRows(lv[K - 1]!, rows[K - 1]!, r, FT, nL, c, o);
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
    this.ex.adjointLast(lv[K - 1]!, R, r, g, nL, GT);
    const gt = this.view(GT, nL * r);
    const GL = G[K - 1]!;
    for (let i = 0; i < nL; i++) for (let q = 0; q < r; q++) GL[i * r + q] += gt[q * nL + i]!;
    let S = this.alloc(R * r);
    this.ex.adjointPrefixRows(Fp[K - 1]!, nL, r, R, g, S);
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
    this.ex.adjointPrefixRows(Fp[K - 1]!, nL, r, R, this.put(gy), S);
    const pre = this.view(lv[K - 1]!, R * r);
    const s = this.view(S, R * r);
    let total = 0;
    for (let j = 0; j < s.length; j++) total += pre[j]! * s[j]!;
    return total;
  }
}
