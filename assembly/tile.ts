/**
 * The register tile of the kernels' matrix products: eight outputs in four f64x2 registers.
 */

/**
 * acc[0..8) += Σ_{i<n} W[i]·v[i] with W[i] the 8 values at W + i·rowB and v[i] the value at v + i·vStepB, i in
 * order (bytes throughout). acc is read once at the start and written once at the end, so each output keeps its
 * sum's order from the value the caller put there; no sum is reassociated.
 */
// @ts-ignore: decorator
@inline
export function tile8(acc: usize, W: usize, rowB: usize, v: usize, vStepB: usize, n: i32): void {
  let a0 = v128.load(acc);
  let a1 = v128.load(acc, 16);
  let a2 = v128.load(acc, 32);
  let a3 = v128.load(acc, 48);
  for (let i = 0; i < n; i++) {
    const x = v128.load64_splat(v + <usize>i * vStepB);
    const w = W + <usize>i * rowB;
    a0 = f64x2.add(a0, f64x2.mul(v128.load(w), x));
    a1 = f64x2.add(a1, f64x2.mul(v128.load(w, 16), x));
    a2 = f64x2.add(a2, f64x2.mul(v128.load(w, 32), x));
    a3 = f64x2.add(a3, f64x2.mul(v128.load(w, 48), x));
  }
  v128.store(acc, a0);
  v128.store(acc, a1, 16);
  v128.store(acc, a2, 32);
  v128.store(acc, a3, 48);
}

/** dst[0..8) = the two lanes of x, four times (a tile's starting value: 0, or a constant). */
// @ts-ignore: decorator
@inline
export function fill8(dst: usize, x: v128): void {
  v128.store(dst, x);
  v128.store(dst, x, 16);
  v128.store(dst, x, 32);
  v128.store(dst, x, 48);
}

/** dst[0..8) = src[0..8) (a tile's starting values). */
// @ts-ignore: decorator
@inline
export function copy8(dst: usize, src: usize): void {
  v128.store(dst, v128.load(src));
  v128.store(dst, v128.load(src, 16), 16);
  v128.store(dst, v128.load(src, 32), 32);
  v128.store(dst, v128.load(src, 48), 48);
}
