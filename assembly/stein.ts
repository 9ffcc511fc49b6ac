/**
 * The weak-form (Stein, WSG) surrogate, bit-identical to `stein` in src/neurons/surrogates.ts: the counter-based
 * uniforms of src/util/rng.ts (hashUniform, integer arithmetic), and the project's own log and cos(2πu) of
 * src/util/detmath.ts (fdlibm's log; exact quadrant reduction on u, then fdlibm's cos/sin kernels), with the
 * same floating-point operations in the same order. Wasm has no fused multiply-add in its MVP and SIMD
 * instruction sets and Binaryen does not reassociate floating-point arithmetic, so the bits agree with V8's
 * (and any engine's) evaluation of the TypeScript. test/kernels checks log and cos2pi on millions of
 * arguments and the kernels' Stein slopes against the reference.
 *
 * Element indices are i64 here and doubles in the reference: the same integers while they stay below 2^53.
 */

// ---- counter-based uniforms (src/util/rng.ts) ----------------------------------------------------------

// @ts-ignore: decorator
@inline function mix32(x: u32): u32 {
  x += 0x9e3779b9;
  let z = x;
  z = (z ^ (z >> 16)) * 0x85ebca6b;
  z = (z ^ (z >> 13)) * 0xc2b2ae35;
  return z ^ (z >> 16);
}

const TWO_POW_M53: f64 = 1.0 / 9007199254740992.0;

/** hashUniform(key, index): a uniform in (0, 1), a pure function of (key, index). */
// @ts-ignore: decorator
@inline export function hashUniform(key: u32, index: i64): f64 {
  const h1 = mix32(key ^ mix32(<u32>index));
  const h2 = mix32(h1 ^ 0x5bd1e995 ^ <u32>(index >> 32));
  return (<f64>(h1 >> 5) * 67108864.0 + <f64>(h2 >> 6) + 0.5) * TWO_POW_M53;
}

/** mix32 on four u32 lanes (i32x4 multiplies keep the low 32 bits, as u32 arithmetic does). */
// @ts-ignore: decorator
@inline function mix32x4(x: v128): v128 {
  let z = i32x4.add(x, i32x4.splat(0x9e3779b9));
  z = i32x4.mul(v128.xor(z, i32x4.shr_u(z, 16)), i32x4.splat(0x85ebca6b));
  z = i32x4.mul(v128.xor(z, i32x4.shr_u(z, 13)), i32x4.splat(0xc2b2ae35));
  return v128.xor(z, i32x4.shr_u(z, 16));
}

/** The four uniforms' f64 values, lanes (l0, l1) of the u32 parts a (high 27 bits) and c (low 26 bits). */
// @ts-ignore: decorator
@inline function uniformPair(a: v128, c: v128): v128 {
  return f64x2.mul(f64x2.add(f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_u(a), f64x2.splat(67108864.0)), f64x2.convert_low_i32x4_u(c)), f64x2.splat(0.5)), f64x2.splat(TWO_POW_M53));
}

/**
 * Stein's first test for four elements at once: u = hashUniform(key, index) for four indices with the low 32 bits
 * `lo` (lanes) and the same high 32 bits `hi`, and the bit mask (lane q → bit q) of the lanes whose sample the
 * cheap test 2·(1 − u) < cut·u·(1 − 10⁻⁶) does not skip (steinD's first `continue`; NaN is not skipped).
 * The same integer and floating-point operations as the scalar path, lane by lane.
 */
// @ts-ignore: decorator
@inline export function steinKeep4(key: u32, lo: v128, hi: u32, cut01: v128, cut23: v128): i32 {
  const h1 = mix32x4(v128.xor(i32x4.splat(key), mix32x4(lo)));
  const h2 = mix32x4(v128.xor(h1, i32x4.splat(0x5bd1e995 ^ hi)));
  const a = i32x4.shr_u(h1, 5);
  const c = i32x4.shr_u(h2, 6);
  const u01 = uniformPair(a, c);
  const u23 = uniformPair(i32x4.shuffle(a, a, 2, 3, 0, 1), i32x4.shuffle(c, c, 2, 3, 0, 1));
  const TWO = f64x2.splat(2.0);
  const ONE = f64x2.splat(1.0);
  const MARGIN = f64x2.splat(SKIP_MARGIN);
  const skip01 = f64x2.lt(f64x2.mul(TWO, f64x2.sub(ONE, u01)), f64x2.mul(f64x2.mul(cut01, u01), MARGIN));
  const skip23 = f64x2.lt(f64x2.mul(TWO, f64x2.sub(ONE, u23)), f64x2.mul(f64x2.mul(cut23, u23), MARGIN));
  return (~(i64x2.bitmask(skip01) | (i64x2.bitmask(skip23) << 2))) & 15;
}

// ---- log (fdlibm e_log.c) -------------------------------------------------------------------------------

const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const TWO54: f64 = 1.8014398509481984e16;
const LG1: f64 = 6.666666666666735130e-1;
const LG2: f64 = 3.999999999940941908e-1;
const LG3: f64 = 2.857142874366239149e-1;
const LG4: f64 = 2.222219843214978396e-1;
const LG5: f64 = 1.818357216161805012e-1;
const LG6: f64 = 1.531383769920937332e-1;
const LG7: f64 = 1.479819860511658591e-1;

/** Natural logarithm, line by line as detmath.ts `log`. */
export function detLog(x: f64): f64 {
  let hx = <i32>(reinterpret<u64>(x) >> 32);
  const lx = <u32>reinterpret<u64>(x);
  let k: i32 = 0;
  if (hx < 0x00100000) {
    if ((<u32>(hx & 0x7fffffff) | lx) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54;
    hx = <i32>(reinterpret<u64>(x) >> 32);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i = (hx + 0x95f64) & 0x100000;
  x = reinterpret<f64>((<u64>(<u32>(hx | (i ^ 0x3ff00000))) << 32) | (reinterpret<u64>(x) & 0xffffffff));
  k += i >> 20;
  const f = x - 1.0;
  if (((2 + hx) & 0x000fffff) < 3) {
    if (f == 0) {
      if (k == 0) return 0;
      const dk = <f64>k;
      return dk * LN2_HI + dk * LN2_LO;
    }
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    const dk = <f64>k;
    return dk * LN2_HI - (R - dk * LN2_LO - f);
  }
  const s = f / (2.0 + f);
  const dk = <f64>k;
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
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * LN2_HI - (hfsq - (s * (hfsq + R) + dk * LN2_LO) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * LN2_HI - (s * (f - R) - dk * LN2_LO - f);
}

// ---- cos(2πu) (fdlibm k_cos.c, k_sin.c) ----------------------------------------------------------------

const C1: f64 = 4.16666666666666019037e-2;
const C2: f64 = -1.38888888888741095749e-3;
const C3: f64 = 2.48015872894767294178e-5;
const C4: f64 = -2.75573143513906633035e-7;
const C5: f64 = 2.08757232129817482790e-9;
const C6: f64 = -1.13596475577881948265e-11;
const S1: f64 = -1.66666666666666324348e-1;
const S2: f64 = 8.33333333332248946124e-3;
const S3: f64 = -1.98412698298579493134e-4;
const S4: f64 = 2.75573137070700676789e-6;
const S5: f64 = -2.50507602534068634195e-8;
const S6: f64 = 1.58969099521155010221e-10;
const PIO2: f64 = 1.5707963267948966;

/** cos x for |x| <= π/4 (fdlibm's __kernel_cos(x, 0)). */
export function kernelCos(x: f64): f64 {
  const ix = <u32>(reinterpret<u64>(x) >> 32) & 0x7fffffff;
  if (ix < 0x3e400000) return 1;
  const z = x * x;
  const r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  if (ix < 0x3fd33333) return 1 - (0.5 * z - z * r);
  const qx: f64 = ix > 0x3fe90000 ? 0.28125 : reinterpret<f64>(<u64>(ix - 0x00200000) << 32);
  const hz = 0.5 * z - qx;
  const a = 1 - qx;
  return a - (hz - z * r);
}

/** sin x for |x| <= π/4 (fdlibm's __kernel_sin(x, 0, 0)). */
export function kernelSin(x: f64): f64 {
  const ix = <u32>(reinterpret<u64>(x) >> 32) & 0x7fffffff;
  if (ix < 0x3e400000) return x;
  const z = x * x;
  const v = z * x;
  const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  return x + v * (S1 + z * r);
}

/** cos(2πu) for u in [0, 1], as detmath.ts `cos2pi`. */
export function cos2pi(u: f64): f64 {
  const t = 4 * u;
  const q: f64 = t < 0.5 ? 0 : t < 1.5 ? 1 : t < 2.5 ? 2 : t < 3.5 ? 3 : 4;
  const th = (t - q) * PIO2;
  if (q == 1) return -kernelSin(th);
  if (q == 2) return -kernelCos(th);
  if (q == 3) return kernelSin(th);
  return kernelCos(th);
}

// ---- the surrogate ----------------------------------------------------------------------------------------

const SKIP_MARGIN: f64 = 0.999999;

/**
 * d(x) of stein(σ, K, antithetic) for element `index` under `key`; inv = 1/(σ·σ·K·(antithetic ? 2 : 1)) as the
 * reference computes it.
 */
// @ts-ignore: decorator
@inline export function steinD(x: f64, index: i64, key: u32, sigma: f64, samples: i32, anti: bool, inv: f64): f64 {
  const cut = (x * x) / (sigma * sigma);
  let acc: f64 = 0;
  const base = index * <i64>samples;
  for (let k = 0; k < samples; k++) {
    const i1 = 2 * (base + <i64>k);
    const u1 = hashUniform(key, i1);
    if (2 * (1 - u1) < cut * u1 * SKIP_MARGIN) continue;
    const r2 = -2 * detLog(u1);
    if (r2 < cut) continue;
    const u2 = hashUniform(key, i1 + 1);
    const delta = sigma * sqrt<f64>(r2) * cos2pi(u2);
    if (anti) acc += delta * (step(x + delta) - step(x - delta));
    else acc += delta * (step(x + delta) - step(x));
  }
  return acc * inv;
}

// @ts-ignore: decorator
@inline function step(x: f64): f64 {
  return x >= 0 ? 1.0 : 0.0;
}
