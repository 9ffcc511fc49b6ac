/**
 * Vector helpers of the RFG estimator (src/gradients/rfg.ts, through src/gradients/wasm-vec.ts): Rademacher
 * directions from the project's generator (xoshiro128**, src/util/rng.ts, same words in the same order, so
 * the same draws), and the accumulation of the estimate g += d·v, vectorised across parameters (each g[i]
 * receives its terms in the caller's order, as in the reference loop).
 */

// @ts-ignore: decorator
@inline function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

/**
 * dst[0..n) = ±1: one 32-bit draw per 32 values, bit k of the draw (from the lowest) giving value k: 1 → +1,
 * 0 → −1 (Rng.fillRademacher). `state`: the generator's four words, read and written back.
 */
export function rademacherFill(state: usize, dst: usize, n: i32): void {
  let s0 = load<u32>(state);
  let s1 = load<u32>(state, 4);
  let s2 = load<u32>(state, 8);
  let s3 = load<u32>(state, 12);
  let bits: u32 = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 31) == 0) {
      bits = rotl(s1 * 5, 7) * 9;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
    }
    store<f64>(dst + (<usize>i << 3), <f64>(<i32>((bits & 1) << 1) - 1));
    bits >>>= 1;
  }
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
}

/** g[i] += d·v[i] for i in [a, b). */
export function axpyRange(d: f64, v: usize, g: usize, a: i32, b: i32): void {
  const dv = f64x2.splat(d);
  let i = a;
  for (; i + 2 <= b; i += 2) {
    const p = <usize>i << 3;
    v128.store(g + p, f64x2.add(v128.load(g + p), f64x2.mul(dv, v128.load(v + p))));
  }
  if (i < b) {
    const p = <usize>i << 3;
    store<f64>(g + p, load<f64>(g + p) + d * load<f64>(v + p));
  }
}
