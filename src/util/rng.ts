/**
 * The project's seeded random number generator. Every random draw in spikegrad (data, initialisation,
 * perturbation directions, Stein samples, shuffling) goes through this file, so that one seed gives
 * bit-identical results on every machine.
 *
 * - `Rng`: xoshiro128** (Blackman & Vigna), 32-bit arithmetic only (exact in JavaScript), seeded through
 *   splitmix32. Its whole state is four uint32 words, which checkpoints save and restore.
 * - `hashNormal`/`hashUniform`: a counter-based generator (a pure function of a key and an index). The Stein
 *   surrogate uses it so that the forward, tangent and adjoint passes see the same samples without storing them.
 */

/** splitmix32 step: used to expand a seed into a full state and as the mixing function of the hash. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const TWO_POW_M32 = 1 / 4294967296;
const TWO_POW_M53 = 1 / 9007199254740992;

export type RngState = [number, number, number, number];

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
    // Fold a possibly > 32-bit integer seed into two words, then expand with splitmix32.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    let x = mix32(lo ^ mix32(hi));
    this.s0 = x = mix32(x);
    this.s1 = x = mix32(x);
    this.s2 = x = mix32(x);
    this.s3 = x = mix32(x);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next uint32. */
  nextU32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 = s2 ^ s0;
    this.s3 = s3 ^ s1;
    this.s1 = s1 ^ this.s2;
    this.s0 = s0 ^ this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextU32() >>> 5; // 27 bits
    const b = this.nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) * TWO_POW_M53;
  }

  /** Uniform double in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Integer in [0, n), unbiased (rejection). */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296)) throw new Error(`int(n) needs 1 <= n <= 2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const r = this.nextU32();
      if (r < limit) return r % n;
    }
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** ±1 with probability 1/2 each. */
  rademacher(): number {
    return (this.nextU32() & 1) === 0 ? -1 : 1;
  }

  /** Fill with ±1 (32 draws per generator call). */
  fillRademacher(out: Float64Array | Float32Array): void {
    let bits = 0;
    for (let i = 0; i < out.length; i++) {
      if ((i & 31) === 0) bits = this.nextU32();
      out[i] = ((bits & 1) << 1) - 1; // branch-free: a random bit is a branch mispredicted half the time
      bits >>>= 1;
    }
  }

  fillNormal(out: Float64Array | Float32Array, std = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = std * this.normal();
  }

  fillUniform(out: Float64Array | Float32Array, lo: number, hi: number): void {
    for (let i = 0; i < out.length; i++) out[i] = this.range(lo, hi);
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle(a: Int32Array | Uint32Array | number[]): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }

  /** A new, independent generator derived from this one (advances this one by two words). */
  fork(): Rng {
    const r = new Rng(0);
    r.s0 = mix32(this.nextU32());
    r.s1 = mix32(this.nextU32() ^ 0x6a09e667);
    r.s2 = mix32(r.s0 ^ 0xbb67ae85);
    r.s3 = mix32(r.s1 ^ 0x3c6ef372);
    if ((r.s0 | r.s1 | r.s2 | r.s3) === 0) r.s0 = 1;
    return r;
  }

  /** The full state, for checkpoints. A cached Box–Muller value is dropped by design: `getState` is only
   * called between training steps, where no value is cached. */
  getState(): { s: RngState; spare: number | null } {
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.spareNormal };
  }

  setState(state: { s: RngState; spare: number | null }): void {
    const [a, b, c, d] = state.s;
    if (![a, b, c, d].every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
      throw new Error('invalid generator state');
    }
    this.s0 = a >>> 0;
    this.s1 = b >>> 0;
    this.s2 = c >>> 0;
    this.s3 = d >>> 0;
    this.spareNormal = state.spare;
  }

  static fromState(state: { s: RngState; spare: number | null }): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Counter-based uniform in (0, 1): a pure function of (key, index). */
export function hashUniform(key: number, index: number): number {
  const h1 = mix32((key ^ mix32(index >>> 0)) >>> 0);
  const h2 = mix32((h1 ^ 0x5bd1e995 ^ Math.floor(index / 4294967296)) >>> 0);
  return ((h1 >>> 5) * 67108864 + (h2 >>> 6) + 0.5) * TWO_POW_M53;
}

/** Counter-based standard normal: a pure function of (key, index) (Box–Muller on two hashed uniforms). */
export function hashNormal(key: number, index: number): number {
  const u = hashUniform(key, 2 * index);
  const v = hashUniform(key, 2 * index + 1);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export { TWO_POW_M32 };
