/**
 * Deterministic elementary functions owned by the project, written with plain IEEE-754 double arithmetic
 * (+, −, ×, ÷, comparisons and bit access only), so that they give the same bits under every JavaScript
 * engine and in WebAssembly. assembly/stein.ts performs the same operations in the same order, which makes
 * the WebAssembly kernel's Stein surrogate bit-identical to the reference (src/neurons/surrogates.ts).
 * `Math.log`/`Math.cos` cannot serve: engines implement them differently (V8 ≥ 11.x takes cos from glibc,
 * other engines from the system libm), and wasm has neither.
 *
 * - `log(x)`: fdlibm's e_log.c (Sun, 1993) line by line, error < 1 ulp; the same algorithm as V8's
 *   ieee754::log, so on V8 it also equals Math.log bit for bit (the tests check this).
 * - `cos2pi(u)`: cos(2πu) for u in [0, 1]. The quadrant is taken off u itself, exactly: with t = 4u (exact)
 *   and q the nearest integer to t (ties up), r = t − q is exact (Sterbenz) and 2πu = qπ/2 + θ with
 *   θ = r·(π/2) in [−π/4, π/4]; then cos(2πu) = ±cos θ or ±sin θ by fdlibm's kernels k_cos.c and k_sin.c
 *   (tail y = 0). Error: the kernels' < 1 ulp plus the rounding of r·(π/2) (~1 ulp of θ), no reduction error.
 */

const F = new Float64Array(1);
const W = new Uint32Array(F.buffer);
/** Index of the high (sign/exponent) word of a double in `W`, by the platform's byte order. */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

const LN2_HI = 6.93147180369123816490e-1; // 0x3fe62e42 fee00000
const LN2_LO = 1.90821492927058770002e-10; // 0x3dea39ef 35793c76
const TWO54 = 1.8014398509481984e16; // 0x43500000 00000000
const LG1 = 6.666666666666735130e-1; // 0x3fe55555 55555593
const LG2 = 3.999999999940941908e-1; // 0x3fd99999 9997fa04
const LG3 = 2.857142874366239149e-1; // 0x3fd24924 94229359
const LG4 = 2.222219843214978396e-1; // 0x3fcc71c5 1d8e78af
const LG5 = 1.818357216161805012e-1; // 0x3fc74664 96cb03de
const LG6 = 1.531383769920937332e-1; // 0x3fc39a09 d078c69f
const LG7 = 1.479819860511658591e-1; // 0x3fc2f112 df3e5244

/** Natural logarithm, fdlibm's __ieee754_log. */
export function log(x: number): number {
  F[0] = x;
  let hx = W[HI]! | 0;
  const lx = W[LO]!;
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2^-1022
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity; // log(±0)
    if (hx < 0) return NaN; // log(negative)
    k -= 54;
    x *= TWO54; // subnormal: scale up
    F[0] = x;
    hx = W[HI]! | 0;
  }
  if (hx >= 0x7ff00000) return x + x; // +inf, NaN
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i = (hx + 0x95f64) & 0x100000;
  W[HI] = hx | (i ^ 0x3ff00000); // normalise x or x/2 (F holds x)
  x = F[0]!;
  k += i >> 20;
  const f = x - 1.0;
  if (((2 + hx) & 0x000fffff) < 3) {
    // −2^-20 <= f < 2^-20
    if (f === 0) {
      if (k === 0) return 0;
      const dk = k;
      return dk * LN2_HI + dk * LN2_LO;
    }
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k === 0) return f - R;
    const dk = k;
    return dk * LN2_HI - (R - dk * LN2_LO - f);
  }
  const s = f / (2.0 + f);
  const dk = k;
  const z = s * s;
  i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k === 0) return f - (hfsq - s * (hfsq + R));
    return dk * LN2_HI - (hfsq - (s * (hfsq + R) + dk * LN2_LO) - f);
  }
  if (k === 0) return f - s * (f - R);
  return dk * LN2_HI - (s * (f - R) - dk * LN2_LO - f);
}

const C1 = 4.16666666666666019037e-2; // 0x3fa55555 5555554c
const C2 = -1.38888888888741095749e-3; // 0xbf56c16c 16c15177
const C3 = 2.48015872894767294178e-5; // 0x3efa01a0 19cb1590
const C4 = -2.75573143513906633035e-7; // 0xbe927e4f 809c52ad
const C5 = 2.08757232129817482790e-9; // 0x3e21ee9e bdb4b1c4
const C6 = -1.13596475577881948265e-11; // 0xbda8fae9 be8838d4
const S1 = -1.66666666666666324348e-1; // 0xbfc55555 55555549
const S2 = 8.33333333332248946124e-3; // 0x3f811111 1110f8a6
const S3 = -1.98412698298579493134e-4; // 0xbf2a01a0 19c161d5
const S4 = 2.75573137070700676789e-6; // 0x3ec71de3 57b1fe7d
const S5 = -2.50507602534068634195e-8; // 0xbe5ae5e6 8a2b9ceb
const S6 = 1.58969099521155010221e-10; // 0x3de5d93a 5acfd57c
const PIO2 = 1.5707963267948966; // π/2 rounded

/** cos x for |x| <= π/4: fdlibm's __kernel_cos(x, 0). */
export function kernelCos(x: number): number {
  F[0] = x;
  const ix = W[HI]! & 0x7fffffff;
  if (ix < 0x3e400000) return 1; // |x| < 2^-27 (fdlibm: if ((int)x == 0) return 1)
  const z = x * x;
  const r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  if (ix < 0x3fd33333) return 1 - (0.5 * z - z * r); // |x| < 0.3
  let qx: number;
  if (ix > 0x3fe90000) qx = 0.28125; // |x| > 0.78125
  else {
    W[HI] = ix - 0x00200000; // x/4, low word zero
    W[LO] = 0;
    qx = F[0]!;
  }
  const hz = 0.5 * z - qx;
  const a = 1 - qx;
  return a - (hz - z * r);
}

/** sin x for |x| <= π/4: fdlibm's __kernel_sin(x, 0, 0). */
export function kernelSin(x: number): number {
  F[0] = x;
  const ix = W[HI]! & 0x7fffffff;
  if (ix < 0x3e400000) return x; // |x| < 2^-27
  const z = x * x;
  const v = z * x;
  const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  return x + v * (S1 + z * r);
}

/** cos(2πu) for u in [0, 1] (see the header: exact quadrant reduction on u, then fdlibm's kernels). */
export function cos2pi(u: number): number {
  const t = 4 * u;
  const q = t < 0.5 ? 0 : t < 1.5 ? 1 : t < 2.5 ? 2 : t < 3.5 ? 3 : 4;
  const th = (t - q) * PIO2;
  if (q === 1) return -kernelSin(th);
  if (q === 2) return -kernelCos(th);
  if (q === 3) return kernelSin(th);
  return kernelCos(th);
}
