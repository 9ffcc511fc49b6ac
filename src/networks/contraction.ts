/**
 * The operator nets' combination of factor outputs (see deeponet.ts): the multilinear product
 *
 *   y[idx] = Σ_q Π_k F_k[i_k, q] + c,   idx row-major over (i₀, …, i_{K−1}),   F_k [n_k][r],
 *
 * its adjoint G_k = ∂L/∂F_k and the directional form Σ ḡy · y. This file is the reference (plain TypeScript);
 * its loop order is the contract: the WebAssembly version (wasm-contraction.ts, assembly/contract.ts) performs
 * the same floating-point operations in the same order and gives the same bits.
 */

/** The three operations, by either engine. */
export interface Contraction {
  /** out[idx] = c + Σ_q Π_k F_k[i_k, q]. */
  contract(F: Float64Array[], n: number[], r: number, c: number, out: Float64Array): Float64Array;
  /** G_k[i, q] += Σ_{idx: i_k = i} gy[idx] Π_{j≠k} F_j[i_j, q] for every k. */
  contractAdjoint(F: Float64Array[], n: number[], r: number, gy: Float64Array, G: Float64Array[]): void;
  /** Σ_idx gy[idx] Σ_q Π_k F_k[i_k, q]. */
  contractDot(F: Float64Array[], n: number[], r: number, gy: Float64Array): number;
}

// -------------------------------------------------------------------------------------------------------------
// The multilinear combination y[idx] = Σ_q Π_k F_k[i_k, q] + c, idx row-major over (i₀, …, i_{K−1}).
// With the prefix rows pre[p, q] = Π_{k<K−1} F_k[i_k, q] (p = (i₀, …, i_{K−2}) row-major; R = Π_{k<K−1} n_k
// rows) the last axis is a matrix product: y[p, i] = c + Σ_q pre[p, q] F_{K−1}[i, q]. Cost O(|y|·r) whatever
// K; no output entry is ever evaluated by a per-point network call.
// -------------------------------------------------------------------------------------------------------------

/** Prefix rows of every level: levels[k] [Π_{j<k} n_j][r], levels[0] = one row of ones. */
function prefixLevels(F: Float64Array[], n: number[], r: number): Float64Array[] {
  const levels = [new Float64Array(r).fill(1)];
  for (let k = 0; k < F.length - 1; k++) {
    const prev = levels[k]!;
    const Fk = F[k]!;
    const nk = n[k]!;
    const rows = prev.length / r;
    const next = new Float64Array(rows * nk * r);
    for (let p = 0; p < rows; p++) {
      for (let i = 0; i < nk; i++) {
        const o = (p * nk + i) * r;
        for (let q = 0; q < r; q++) next[o + q] = prev[p * r + q]! * Fk[i * r + q]!;
      }
    }
    levels.push(next);
  }
  return levels;
}

/** [n][r] → [r][n]. */
function transposed(a: Float64Array, n: number, r: number): Float64Array {
  const t = new Float64Array(n * r);
  for (let i = 0; i < n; i++) for (let q = 0; q < r; q++) t[q * n + i] = a[i * r + q]!;
  return t;
}

/** out[idx] = c + Σ_q Π_k F_k[i_k, q]. */
export function contract(F: Float64Array[], n: number[], r: number, c: number, out: Float64Array): Float64Array {
  const K = F.length;
  const pre = prefixLevels(F, n, r)[K - 1]!;
  const nL = n[K - 1]!;
  const FT = transposed(F[K - 1]!, nL, r);
  const R = pre.length / r;
  for (let p = 0; p < R; p++) {
    const o = p * nL;
    out.fill(c, o, o + nL);
    for (let q = 0; q < r; q++) {
      const a = pre[p * r + q]!;
      const row = q * nL;
      for (let i = 0; i < nL; i++) out[o + i] += a * FT[row + i]!;
    }
  }
  return out;
}

/** S[p, q] = Σ_i gy[p, i] F_{K−1}[i, q] for the prefix rows p. */
function lastAxisAdjoint(FT: Float64Array, nL: number, r: number, R: number, gy: Float64Array): Float64Array {
  const S = new Float64Array(R * r);
  for (let p = 0; p < R; p++) {
    const o = p * nL;
    for (let q = 0; q < r; q++) {
      const row = q * nL;
      let acc = 0;
      for (let i = 0; i < nL; i++) acc += gy[o + i]! * FT[row + i]!;
      S[p * r + q] = acc;
    }
  }
  return S;
}

/** Σ_idx gy[idx] Σ_q Π_k F_k[i_k, q] = Σ_{p,q} pre[p, q] S[p, q]: the directional derivative when one F_k is a tangent. */
export function contractDot(F: Float64Array[], n: number[], r: number, gy: Float64Array): number {
  const K = F.length;
  const pre = prefixLevels(F, n, r)[K - 1]!;
  const nL = n[K - 1]!;
  const S = lastAxisAdjoint(transposed(F[K - 1]!, nL, r), nL, r, pre.length / r, gy);
  let total = 0;
  for (let j = 0; j < S.length; j++) total += pre[j]! * S[j]!;
  return total;
}

/**
 * G_k[i, q] += Σ_{idx: i_k = i} gy[idx] Π_{j≠k} F_j[i_j, q] for every k. Last axis: G_{K−1}[i, q] +=
 * Σ_p gy[p, i] pre[p, q], and S = ∂/∂pre. Then back through the prefix levels, pre_{k+1}[(p, i), q] =
 * pre_k[p, q] F_k[i, q]: G_k[i, q] += Σ_p S_{k+1}[(p, i), q] pre_k[p, q], S_k[p, q] = Σ_i S_{k+1}[(p, i), q] F_k[i, q].
 */
export function contractAdjoint(F: Float64Array[], n: number[], r: number, gy: Float64Array, G: Float64Array[]): void {
  const K = F.length;
  const levels = prefixLevels(F, n, r);
  const pre = levels[K - 1]!;
  const nL = n[K - 1]!;
  const R = pre.length / r;
  const FT = transposed(F[K - 1]!, nL, r);
  const GT = new Float64Array(nL * r);
  for (let p = 0; p < R; p++) {
    const o = p * nL;
    for (let q = 0; q < r; q++) {
      const a = pre[p * r + q]!;
      const row = q * nL;
      for (let i = 0; i < nL; i++) GT[row + i] += a * gy[o + i]!;
    }
  }
  const GL = G[K - 1]!;
  for (let i = 0; i < nL; i++) for (let q = 0; q < r; q++) GL[i * r + q] += GT[q * nL + i]!;
  let S = lastAxisAdjoint(FT, nL, r, R, gy);
  for (let k = K - 2; k >= 0; k--) {
    const prev = levels[k]!;
    const rows = prev.length / r;
    const Fk = F[k]!;
    const Gk = G[k]!;
    const nk = n[k]!;
    const Sk = new Float64Array(rows * r);
    for (let p = 0; p < rows; p++) {
      for (let i = 0; i < nk; i++) {
        const o = (p * nk + i) * r;
        for (let q = 0; q < r; q++) {
          const sv = S[o + q]!;
          Gk[i * r + q] += sv * prev[p * r + q]!;
          Sk[p * r + q] += sv * Fk[i * r + q]!;
        }
      }
    }
    S = Sk;
  }
}

/** The reference engine. */
export const tsContraction: Contraction = { contract, contractAdjoint, contractDot };
