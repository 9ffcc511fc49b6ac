/**
 * The RFG estimator's directions and accumulation on WebAssembly (assembly/vecops.ts): Rademacher directions
 * drawn from the caller's generator (the same draws as Rng.fillRademacher, and the generator left in the same
 * state) and g += d·v over parameter ranges, vectorised. The direction matrix lives in this module's own
 * memory (a Float64Array view the objective reads directly), so nothing is copied. Same bits as the plain
 * loops in rfg.ts, which remain the path when WebAssembly is unavailable.
 */
import { wasmModule } from '../networks/wasm-kernel.js';
import type { Rng } from '../util/rng.js';

interface VecExports {
  rademacherFill(state: number, dst: number, n: number): void;
  axpyRange(d: number, v: number, g: number, a: number, b: number): void;
}

const PAGE = 65536;
const STATE = 0; // 4 u32 generator words
const GRAD = 64; // f64[P], then the directions f64[M·P]

export class WasmDirections {
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly ex: VecExports;
  private P = 0;
  private M = 0;
  /** The directions [M][P] (a view into this module's memory; replaced when the size changes). */
  V = new Float64Array(0);
  /** The estimate accumulator [P] (a view, like V). */
  G = new Float64Array(0);

  constructor() {
    this.ex = new WebAssembly.Instance(wasmModule(false), { env: { memory: this.memory } }).exports as unknown as VecExports;
  }

  /** Room for M directions of P parameters. */
  resize(M: number, P: number): void {
    if (M === this.M && P === this.P) return;
    const end = this.vPtr(P) + M * P * 8;
    const need = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need > 0) this.memory.grow(need);
    this.M = M;
    this.P = P;
    this.G = new Float64Array(this.memory.buffer, GRAD, P);
    this.V = new Float64Array(this.memory.buffer, this.vPtr(P), M * P);
  }

  private vPtr(P: number): number {
    return GRAD + ((P * 8 + 15) & ~15);
  }

  /** V[off, off + n) = Rademacher draws from rng (advancing it as rng.fillRademacher would). */
  fillRademacher(rng: Rng, off: number, n: number): void {
    const st = rng.getState();
    const u32 = new Uint32Array(this.memory.buffer, STATE, 4);
    u32.set(st.s);
    this.ex.rademacherFill(STATE, this.vPtr(this.P) + off * 8, n);
    rng.setState({ s: [u32[0]!, u32[1]!, u32[2]!, u32[3]!], spare: st.spare });
  }

  /** G[i] += d · V[m·P + i] for i in [a, b). */
  axpy(d: number, m: number, a: number, b: number): void {
    this.ex.axpyRange(d, this.vPtr(this.P) + m * this.P * 8, GRAD, a, b);
  }
}
