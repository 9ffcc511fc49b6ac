/**
 * The operator nets' multilinear combination y[idx] = Σ_q Π_k F_k[i_k, q] + c and its adjoint in 128-bit SIMD,
 * with the floating-point operations of the TypeScript reference (src/networks/contraction.ts) in its order, so
 * the results are bit-identical: every sum is vectorised across its outputs (2 per f64x2, 8 per register
 * tile), never reassociated; each output's terms are added in the reference's order, starting from the
 * reference's initial value.
 *
 * The 8-output register tile is assembly/tile.ts; the pair and scalar tails below do the same sums.
 * Layouts (f64, row-major): pre [R][r] prefix rows, F [n][r] a factor, FT [r][n] its transpose, gy / out
 * [R][nL]. Pointers are byte addresses; the host (src/networks/wasm-contraction.ts) owns the memory.
 */

import { fill8, tile8 } from './tile';

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

// @ts-ignore: decorator
@inline function vld(p: usize, i: i32): v128 {
  return v128.load(p + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function vst(p: usize, i: i32, v: v128): void {
  v128.store(p + (<usize>i << 3), v);
}

// @ts-ignore: decorator
@inline function madd(acc: v128, a: v128, x: v128): v128 {
  return f64x2.add(acc, f64x2.mul(a, x));
}

/** t[q][i] = a[i][q] for a [n][r]. */
export function transposeRows(a: usize, n: i32, r: i32, t: usize): void {
  for (let i = 0; i < n; i++) for (let q = 0; q < r; q++) st(t, q * n + i, ld(a, i * r + q));
}

/** next[(p·nk + i)·r + q] = prev[p·r + q] · Fk[i·r + q]: the next prefix level. */
export function prefixProduct(prev: usize, rows: i32, Fk: usize, nk: i32, r: i32, next: usize): void {
  const r2 = r & ~1;
  for (let p = 0; p < rows; p++) {
    for (let i = 0; i < nk; i++) {
      const o = (p * nk + i) * r;
      let q = 0;
      for (; q < r2; q += 2) vst(next, o + q, f64x2.mul(vld(prev, p * r + q), vld(Fk, i * r + q)));
      for (; q < r; q++) st(next, o + q, ld(prev, p * r + q) * ld(Fk, i * r + q));
    }
  }
}

/** out[p·nL + i] = c + Σ_q pre[p·r + q] · FT[q·nL + i], q = 0 … r−1 in order, for the rows p in [p0, p1). */
export function contractRows(pre: usize, R: i32, r: i32, FT: usize, nL: i32, c: f64, out: usize, p0: i32, p1: i32): void {
  const C = f64x2.splat(c);
  const n8 = nL & ~7;
  const n2 = nL & ~1;
  for (let p = p0; p < p1; p++) {
    const o = p * nL;
    const pr = p * r;
    let i = 0;
    for (; i < n8; i += 8) {
      const t = out + (<usize>(o + i) << 3);
      fill8(t, C);
      tile8(t, FT + (<usize>i << 3), <usize>nL << 3, pre + (<usize>pr << 3), 8, r);
    }
    for (; i < n2; i += 2) {
      let a0 = C;
      for (let q = 0; q < r; q++) a0 = madd(a0, f64x2.splat(ld(pre, pr + q)), vld(FT, q * nL + i));
      vst(out, o + i, a0);
    }
    for (; i < nL; i++) {
      let s = c;
      for (let q = 0; q < r; q++) s += ld(pre, pr + q) * ld(FT, q * nL + i);
      st(out, o + i, s);
    }
  }
}

/** GT[q·nL + i] += Σ_p pre[p·r + q] · gy[p·nL + i], p = 0 … R−1 in order (the last factor's adjoint, transposed), q in [q0, q1). */
export function adjointLast(pre: usize, R: i32, r: i32, gy: usize, nL: i32, GT: usize, q0: i32, q1: i32): void {
  const n8 = nL & ~7;
  const n2 = nL & ~1;
  for (let q = q0; q < q1; q++) {
    const g = q * nL;
    let i = 0;
    for (; i < n8; i += 8) tile8(GT + (<usize>(g + i) << 3), gy + (<usize>i << 3), <usize>nL << 3, pre + (<usize>q << 3), <usize>r << 3, R);
    for (; i < n2; i += 2) {
      let a0 = vld(GT, g + i);
      for (let p = 0; p < R; p++) a0 = madd(a0, f64x2.splat(ld(pre, p * r + q)), vld(gy, p * nL + i));
      vst(GT, g + i, a0);
    }
    for (; i < nL; i++) {
      let s = ld(GT, g + i);
      for (let p = 0; p < R; p++) s += ld(pre, p * r + q) * ld(gy, p * nL + i);
      st(GT, g + i, s);
    }
  }
}

/** S[p·r + q] = Σ_i gy[p·nL + i] · F[i·r + q], i = 0 … nL−1 in order from 0 (∂L/∂pre), for the rows p in [p0, p1). */
export function adjointPrefixRows(F: usize, nL: i32, r: i32, R: i32, gy: usize, S: usize, p0: i32, p1: i32): void {
  const r8 = r & ~7;
  const r2 = r & ~1;
  for (let p = p0; p < p1; p++) {
    const o = p * nL;
    const so = p * r;
    let q = 0;
    for (; q < r8; q += 8) {
      const t = S + (<usize>(so + q) << 3);
      fill8(t, f64x2.splat(0.0));
      tile8(t, F + (<usize>q << 3), <usize>r << 3, gy + (<usize>o << 3), 8, nL);
    }
    for (; q < r2; q += 2) {
      let a0 = f64x2.splat(0.0);
      for (let i = 0; i < nL; i++) a0 = madd(a0, f64x2.splat(ld(gy, o + i)), vld(F, i * r + q));
      vst(S, so + q, a0);
    }
    for (; q < r; q++) {
      let s: f64 = 0;
      for (let i = 0; i < nL; i++) s += ld(gy, o + i) * ld(F, i * r + q);
      st(S, so + q, s);
    }
  }
}

/**
 * One prefix level back: with next[(p, i), q] = prev[p, q] Fk[i, q] and S = ∂L/∂next,
 * Gk[i·r + q] += S[(p·nk + i)·r + q] · prev[p·r + q] and Sk[p·r + q] += S[…] · Fk[i·r + q], p, i in order.
 */
export function prefixAdjoint(S: usize, prev: usize, rows: i32, Fk: usize, nk: i32, r: i32, Gk: usize, Sk: usize): void {
  const r2 = r & ~1;
  for (let p = 0; p < rows; p++) {
    for (let i = 0; i < nk; i++) {
      const o = (p * nk + i) * r;
      let q = 0;
      for (; q < r2; q += 2) {
        const sv = vld(S, o + q);
        vst(Gk, i * r + q, madd(vld(Gk, i * r + q), sv, vld(prev, p * r + q)));
        vst(Sk, p * r + q, madd(vld(Sk, p * r + q), sv, vld(Fk, i * r + q)));
      }
      for (; q < r; q++) {
        const sv = ld(S, o + q);
        st(Gk, i * r + q, ld(Gk, i * r + q) + sv * ld(prev, p * r + q));
        st(Sk, p * r + q, ld(Sk, p * r + q) + sv * ld(Fk, i * r + q));
      }
    }
  }
}

/** Job records of a contraction split across threads (src/networks/wasm-contraction.ts writes them). */
export const CJ_FN: usize = 0; // 1 contractRows, 2 adjointLast, 3 adjointPrefixRows
export const CJ_ARGS: usize = 4; // six i32 arguments, in the function's order (pointers and sizes)
export const CJ_C: usize = 32; // f64 (contractRows' c)
export const CJ_LO: usize = 40; // this thread's range of the split dimension
export const CJ_HI: usize = 44;

/** One thread's share of a contraction step: the function on its range (rows p, or latent columns q). */
export function contractJob(job: usize): void {
  const fn = load<i32>(job + CJ_FN);
  const a = job + CJ_ARGS;
  const lo = load<i32>(job + CJ_LO);
  const hi = load<i32>(job + CJ_HI);
  const a0 = load<i32>(a);
  const a1 = load<i32>(a, 4);
  const a2 = load<i32>(a, 8);
  const a3 = load<i32>(a, 12);
  const a4 = load<i32>(a, 16);
  const a5 = load<i32>(a, 20);
  if (fn == 1) contractRows(<usize>a0, a1, a2, <usize>a3, a4, load<f64>(job + CJ_C), <usize>a5, lo, hi);
  else if (fn == 2) adjointLast(<usize>a0, a1, a2, <usize>a3, a4, <usize>a5, lo, hi);
  else if (fn == 3) adjointPrefixRows(<usize>a0, a1, a2, a3, <usize>a4, <usize>a5, lo, hi);
}
