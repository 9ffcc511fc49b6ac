/**
 * exp(x) bit-identical to V8's Math.exp (V8's src/base/ieee754.cc, a port of fdlibm's e_exp.c with V8's
 * exp(1) = E special case), in a scalar and a 2-lane (f64x2) form.
 *
 * Wasm has no fused multiply-add in its MVP and SIMD instruction sets and Binaryen does not reassociate
 * floating-point arithmetic, so the same operation sequence gives the same bits as V8's C++ build.
 * The vector form runs fdlibm's common path (|x| in [2^-28, 708), x != 1) with both reduction branches as
 * selects; a lane outside it sends both lanes through the scalar function. test/kernels checks both against
 * Math.exp on millions of arguments.
 */

const LN2_HI: f64 = 6.93147180369123816490e-1; // 0x3fe62e42 fee00000
const LN2_LO: f64 = 1.90821492927058770002e-10; // 0x3dea39ef 35793c76
const INV_LN2: f64 = 1.44269504088896338700e0; // 0x3ff71547 652b82fe
const P1: f64 = 1.66666666666666019037e-1;
const P2: f64 = -2.77777777770155933842e-3;
const P3: f64 = 6.61375632143793436117e-5;
const P4: f64 = -1.65339022054652515390e-6;
const P5: f64 = 4.13813679705723846039e-8;
const O_THRESHOLD: f64 = 7.09782712893383973096e2;
const U_THRESHOLD: f64 = -7.45133219101941108420e2;
const E: f64 = 2.718281828459045;
const HUGE: f64 = 1.0e300;
const TWOM1000: f64 = 9.3326361850321887899e-302;
const TWO1023: f64 = 8.988465674311579539e307;

/** Scalar exp, V8's algorithm line by line. */
export function expScalar(x: f64): f64 {
  let hx = <u32>(reinterpret<u64>(x) >> 32);
  const xsb = <i32>(hx >> 31);
  hx &= 0x7fffffff;
  let hi: f64 = 0.0;
  let lo: f64 = 0.0;
  let k: i32 = 0;
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      const lx = <u32>reinterpret<u64>(x);
      if (((hx & 0xfffff) | lx) != 0) return x + x; // NaN
      return xsb == 0 ? x : 0.0; // exp(±inf) = inf, 0
    }
    if (x > O_THRESHOLD) return HUGE * HUGE; // overflow
    if (x < U_THRESHOLD) return TWOM1000 * TWOM1000; // underflow
  }
  if (hx > 0x3fd62e42) {
    // |x| > 0.5 ln2
    if (hx < 0x3ff0a2b2) {
      // and |x| < 1.5 ln2
      if (x == 1.0) return E;
      hi = x - (xsb == 0 ? LN2_HI : -LN2_HI);
      lo = xsb == 0 ? LN2_LO : -LN2_LO;
      k = 1 - xsb - xsb;
    } else {
      k = <i32>(INV_LN2 * x + (xsb == 0 ? 0.5 : -0.5));
      const t = <f64>k;
      hi = x - t * LN2_HI; // t*ln2HI is exact here
      lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    // |x| < 2^-28
    if (HUGE + x > 1.0) return 1.0 + x;
  }
  const t = x * x;
  let twopk: f64;
  if (k >= -1021) twopk = reinterpret<f64>(<u64>(0x3ff + k) << 52);
  else twopk = reinterpret<f64>(<u64>(0x3ff + k + 1000) << 52);
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * TWO1023;
    return y * twopk;
  }
  return y * twopk * TWOM1000;
}

/** Byte offsets of the vector constants in the table that `writeExpConstants` fills (16 bytes each). */
export const K_ABS: usize = 0;
export const K_BIG: usize = 16; // 708: |x| >= 708 leaves the common path (overflow, k < -1021, inf, NaN)
export const K_TINY: usize = 32; // 2^-28: |x| < 2^-28 returns 1 + x
export const K_ONE: usize = 48;
export const K_REDUCE: usize = 64; // the double with high word 0x3fd62e43: |x| >= it <=> hx > 0x3fd62e42
export const K_INVLN2: usize = 80;
export const K_HALF: usize = 96;
export const K_SIGN: usize = 112;
export const K_LN2HI: usize = 128;
export const K_LN2LO: usize = 144;
export const K_P1: usize = 160;
export const K_P2: usize = 176;
export const K_P3: usize = 192;
export const K_P4: usize = 208;
export const K_P5: usize = 224;
export const K_TWO: usize = 240;
export const K_MAGIC: usize = 256; // 1.5 * 2^52: t + magic holds the integer t in its low bits
export const K_BIAS: usize = 272; // i64 0x3ff
export const K_NBIG: usize = 288; // −708
export const K_NTINY: usize = 304; // −2^-28
export const K_NREDUCE: usize = 320; // −K_REDUCE
export const K_UTHRESH: usize = 336; // fdlibm's u_threshold: exp(x) = +0 below
export const K_KLOW: usize = 352; // −1021: k below it takes fdlibm's 2^-1000 scaling
export const K_K1000: usize = 368; // 1000
export const K_TWOM1000: usize = 384; // 2^-1000
export const K_STANDIN: usize = 400; // −1: computed in place of arguments below u_threshold
export const K_BYTES: usize = 416;

/** Fill the constant table that expVec reads (loads from memory are cheaper than rebuilding constants). */
export function writeExpConstants(K: usize): void {
  v128.store(K, i64x2(0x7fffffffffffffff, 0x7fffffffffffffff), K_ABS);
  v128.store(K, f64x2(708.0, 708.0), K_BIG);
  v128.store(K, i64x2(0x3e30000000000000, 0x3e30000000000000), K_TINY);
  v128.store(K, f64x2(1.0, 1.0), K_ONE);
  v128.store(K, i64x2(0x3fd62e4300000000, 0x3fd62e4300000000), K_REDUCE);
  v128.store(K, f64x2(INV_LN2, INV_LN2), K_INVLN2);
  v128.store(K, f64x2(0.5, 0.5), K_HALF);
  v128.store(K, i64x2(0x8000000000000000, 0x8000000000000000), K_SIGN);
  v128.store(K, f64x2(LN2_HI, LN2_HI), K_LN2HI);
  v128.store(K, f64x2(LN2_LO, LN2_LO), K_LN2LO);
  v128.store(K, f64x2(P1, P1), K_P1);
  v128.store(K, f64x2(P2, P2), K_P2);
  v128.store(K, f64x2(P3, P3), K_P3);
  v128.store(K, f64x2(P4, P4), K_P4);
  v128.store(K, f64x2(P5, P5), K_P5);
  v128.store(K, f64x2(2.0, 2.0), K_TWO);
  v128.store(K, f64x2(6755399441055744.0, 6755399441055744.0), K_MAGIC);
  v128.store(K, i64x2(0x3ff, 0x3ff), K_BIAS);
  v128.store(K, f64x2(-708.0, -708.0), K_NBIG);
  v128.store(K, i64x2(0xbe30000000000000, 0xbe30000000000000), K_NTINY);
  v128.store(K, i64x2(0xbfd62e4300000000, 0xbfd62e4300000000), K_NREDUCE);
  v128.store(K, f64x2(U_THRESHOLD, U_THRESHOLD), K_UTHRESH);
  v128.store(K, f64x2(-1021.0, -1021.0), K_KLOW);
  v128.store(K, f64x2(1000.0, 1000.0), K_K1000);
  v128.store(K, f64x2(TWOM1000, TWOM1000), K_TWOM1000);
  v128.store(K, f64x2(-1.0, -1.0), K_STANDIN);
}

/**
 * exp on both lanes, bit-identical to expScalar lane by lane, on fdlibm's common path: expOk says whether
 * both lanes are on it (|x| in [2^-28, 708), x != 1); callers send other lanes to expScalar. K is the
 * constant table.
 *
 * fdlibm's k == 0 branch (|x| <= 0.5 ln2) returns 1 − ((x c)/(c − 2) − x); its general branch with k = 0,
 * hi = x, lo = 0 computes 1 − ((0 − (x c)/(2 − c)) − x), the same value bit for bit (0 − q = −q exactly, and
 * (x c)/(2 − c) = −(x c)/(c − 2) exactly), times 2^0. So one branch-free formula serves both: k is forced to
 * 0 on the unreduced lanes and then hi = x − 0·ln2HI = x, lo = 0·ln2LO = 0, r = hi − lo = x exactly. fdlibm's
 * special case |x| in (0.5 ln2, 1.5 ln2) (k = ±1 from the sign) equals the general reduction there.
 */
// @ts-ignore: decorator
@inline
export function expOkMask(x: v128, K: usize): v128 {
  const ax = v128.and(x, v128.load(K, K_ABS));
  return v128.and(v128.and(f64x2.lt(ax, v128.load(K, K_BIG)), f64x2.ge(ax, v128.load(K, K_TINY))), f64x2.ne(x, v128.load(K, K_ONE)));
}

// @ts-ignore: decorator
@inline
export function expCore(x: v128, K: usize): v128 {
  const ax = v128.and(x, v128.load(K, K_ABS));
  const reduce = f64x2.ge(ax, v128.load(K, K_REDUCE));
  // k = (int)(invln2 x + halF[xsb]), halF = ±0.5 with the sign of x; 0 on the unreduced lanes.
  const half = v128.or(v128.load(K, K_HALF), v128.and(x, v128.load(K, K_SIGN)));
  const t = v128.and(f64x2.trunc(f64x2.add(f64x2.mul(v128.load(K, K_INVLN2), x), half)), reduce);
  return expTail(x, t, K);
}

/** The rest of fdlibm's exp after k (as the double t, 0 for unreduced lanes) is known. */
// @ts-ignore: decorator
@inline
function expTail(x: v128, t: v128, K: usize): v128 {
  const hi = f64x2.sub(x, f64x2.mul(t, v128.load(K, K_LN2HI)));
  const lo = f64x2.mul(t, v128.load(K, K_LN2LO));
  const r = f64x2.sub(hi, lo);
  return expFinish(t, hi, lo, r, expPoly(r, K), K);
}

/** fdlibm's c = r − r²·P(r²) (Horner, its order). */
// @ts-ignore: decorator
@inline
function expPoly(r: v128, K: usize): v128 {
  const tt = f64x2.mul(r, r);
  let p = f64x2.add(v128.load(K, K_P4), f64x2.mul(tt, v128.load(K, K_P5)));
  p = f64x2.add(v128.load(K, K_P3), f64x2.mul(tt, p));
  p = f64x2.add(v128.load(K, K_P2), f64x2.mul(tt, p));
  p = f64x2.add(v128.load(K, K_P1), f64x2.mul(tt, p));
  return f64x2.sub(r, f64x2.mul(tt, p));
}

/** y = 1 − ((lo − r c/(2 − c)) − hi), times 2^k. */
// @ts-ignore: decorator
@inline
function expFinish(t: v128, hi: v128, lo: v128, r: v128, c: v128, K: usize): v128 {
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(v128.load(K, K_TWO), c));
  const y = f64x2.sub(v128.load(K, K_ONE), f64x2.sub(f64x2.sub(lo, q), hi));
  // 2^k: the low bits of t + 1.5·2^52 are k; (k + 0x3ff) << 52 is the double 2^k (k in [-1021, 1021] here).
  const twopk = i64x2.shl(i64x2.add(f64x2.add(t, v128.load(K, K_MAGIC)), v128.load(K, K_BIAS)), 52);
  return f64x2.mul(y, twopk);
}

/**
 * The same for arguments known to be <= 0 (the Gaussian surrogate's b·x², b < 0), without the sign handling:
 * common path −708 < x <= −2^-28 (NaN fails it).
 */
// @ts-ignore: decorator
@inline
export function expNegOkMask(x: v128, K: usize): v128 {
  return v128.and(f64x2.gt(x, v128.load(K, K_NBIG)), f64x2.le(x, v128.load(K, K_NTINY)));
}

// @ts-ignore: decorator
@inline
export function expNegCore(x: v128, K: usize): v128 {
  return expTail(x, negK(x, K), K);
}

/** k for x <= 0 as the double t: invln2 x + (−0.5), truncated; 0 on the unreduced lanes (|x| <= 0.5 ln2). */
// @ts-ignore: decorator
@inline
function negK(x: v128, K: usize): v128 {
  const reduce = f64x2.le(x, v128.load(K, K_NREDUCE));
  return v128.and(f64x2.trunc(f64x2.sub(f64x2.mul(v128.load(K, K_INVLN2), x), v128.load(K, K_HALF))), reduce);
}

/**
 * expNegCore in three stages over a block of vectors, for loops that run each stage over the whole block before
 * the next: one vector's exp is a chain of ~30 dependent operations (~100 cycles), and cutting it into three
 * loops lets the out-of-order core overlap many more vectors (same operations, same bits). The state between
 * stages is 80 bytes per vector at s: t, hi, lo, r, c.
 */
// @ts-ignore: decorator
@inline
export function expNegStage1(x: v128, K: usize, s: usize): void {
  const t = negK(x, K);
  const hi = f64x2.sub(x, f64x2.mul(t, v128.load(K, K_LN2HI)));
  const lo = f64x2.mul(t, v128.load(K, K_LN2LO));
  v128.store(s, t, 0);
  v128.store(s, hi, 16);
  v128.store(s, lo, 32);
  v128.store(s, f64x2.sub(hi, lo), 48);
}

// @ts-ignore: decorator
@inline
export function expStage2(K: usize, s: usize): void {
  v128.store(s, expPoly(v128.load(s, 48), K), 64);
}

// @ts-ignore: decorator
@inline
export function expStage3(K: usize, s: usize): v128 {
  return expFinish(v128.load(s, 0), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48), v128.load(s, 64), K);
}

/**
 * The x <= 0 path extended to every x <= −2^-28 (the slow branch next to expNegCore, for arguments below
 * −708): fdlibm's underflow branches as selects. x < u_threshold (−inf included) gives +0 (fdlibm's
 * twom1000·twom1000; the lane is computed on a stand-in meanwhile), k < −1021 gives (y·2^(k+1000))·2^-1000.
 */
// @ts-ignore: decorator
@inline
export function expNegWideOkMask(x: v128, K: usize): v128 {
  return f64x2.le(x, v128.load(K, K_NTINY));
}

// @ts-ignore: decorator
@inline
export function expNegWideCore(xIn: v128, K: usize): v128 {
  const under = underflows(xIn, K);
  const x = v128.bitselect(v128.load(K, K_STANDIN), xIn, under);
  const t = negK(x, K);
  const hi = f64x2.sub(x, f64x2.mul(t, v128.load(K, K_LN2HI)));
  const lo = f64x2.mul(t, v128.load(K, K_LN2LO));
  const r = f64x2.sub(hi, lo);
  return expWideFinish(t, hi, lo, r, expPoly(r, K), under, K);
}

/** expFinish with fdlibm's underflow branches as selects (k < −1021: (y·2^(k+1000))·2^-1000; under: +0). */
// @ts-ignore: decorator
@inline
function expWideFinish(t: v128, hi: v128, lo: v128, r: v128, c: v128, under: v128, K: usize): v128 {
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(v128.load(K, K_TWO), c));
  const y = f64x2.sub(v128.load(K, K_ONE), f64x2.sub(f64x2.sub(lo, q), hi));
  const low = f64x2.lt(t, v128.load(K, K_KLOW));
  const t2 = f64x2.add(t, v128.and(low, v128.load(K, K_K1000)));
  const twopk = i64x2.shl(i64x2.add(f64x2.add(t2, v128.load(K, K_MAGIC)), v128.load(K, K_BIAS)), 52);
  // (y·2^(k+1000))·2^-1000 on those lanes, ·1 (exact) on the others, so no lane gets needless subnormal products.
  const res = f64x2.mul(f64x2.mul(y, twopk), v128.bitselect(v128.load(K, K_TWOM1000), v128.load(K, K_ONE), low));
  return v128.andnot(res, under);
}

/** expNegWideCore in the three stages (expNegStage1 …): stage 1 and 3 take the argument itself. */
// @ts-ignore: decorator
@inline
export function expNegWideStage1(xIn: v128, K: usize, s: usize): void {
  expNegStage1(v128.bitselect(v128.load(K, K_STANDIN), xIn, underflows(xIn, K)), K, s);
}

// @ts-ignore: decorator
@inline
export function expNegWideStage3(xIn: v128, K: usize, s: usize): v128 {
  return expWideFinish(v128.load(s, 0), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48), v128.load(s, 64), underflows(xIn, K), K);
}

/** Lanes below fdlibm's u_threshold (−745.13…), whose exp is +0 (−inf included). */
// @ts-ignore: decorator
@inline
function underflows(x: v128, K: usize): v128 {
  return f64x2.lt(x, v128.load(K, K_UTHRESH));
}
