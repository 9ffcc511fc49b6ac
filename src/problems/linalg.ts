/**
 * Small dense linear algebra on row-major Float64Array matrices, enough for the data generators:
 * - `symmetricEigen`: eigendecomposition of a symmetric matrix by the cyclic Jacobi method;
 * - `cholesky`: Cholesky factorisation with adaptive diagonal jitter;
 * - `solveTridiagonal`: the Thomas algorithm;
 * - `matVec`, `matMul`, `transpose`: products.
 *
 * An n×m matrix A is stored as A[i*m + j]. Everything is O(n³) and meant for n up to a few hundred.
 */

/** y = A x for an n×m matrix A. */
export function matVec(a: Float64Array, n: number, m: number, x: Float64Array, out?: Float64Array): Float64Array {
  checkLength(a, n * m, 'matVec: matrix');
  checkLength(x, m, 'matVec: vector');
  const y = out ?? new Float64Array(n);
  checkLength(y, n, 'matVec: output');
  for (let i = 0; i < n; i++) {
    let s = 0;
    const row = i * m;
    for (let j = 0; j < m; j++) s += a[row + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/** C = A B for A n×k and B k×m; C is n×m. */
export function matMul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  checkLength(a, n * k, 'matMul: left');
  checkLength(b, k * m, 'matMul: right');
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      if (aip === 0) continue;
      const bRow = p * m;
      const cRow = i * m;
      for (let j = 0; j < m; j++) c[cRow + j] += aip * b[bRow + j]!;
    }
  }
  return c;
}

/** Aᵀ for an n×m matrix A (result m×n). */
export function transpose(a: Float64Array, n: number, m: number): Float64Array {
  checkLength(a, n * m, 'transpose');
  const t = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = a[i * m + j]!;
  return t;
}

export interface SymmetricEigen {
  /** Eigenvalues λ₀ ≥ λ₁ ≥ … ≥ λ_{n−1}. */
  values: Float64Array;
  /** n×n, row-major; column j is the unit eigenvector of values[j] (A V = V Λ, VᵀV = I). */
  vectors: Float64Array;
  /** Number of Jacobi sweeps used. */
  sweeps: number;
}

/**
 * Eigendecomposition of a symmetric n×n matrix by the cyclic Jacobi method.
 *
 * Each rotation J(p, q, φ) replaces A by JᵀAJ and zeroes A[p][q]. With θ = (a_qq − a_pp)/(2 a_pq),
 * t = tan φ is the smaller root of t² + 2θt − 1 = 0, i.e. t = sign(θ)/(|θ| + √(θ²+1)), c = 1/√(1+t²),
 * s = t·c. The off-diagonal Frobenius norm decreases monotonically (quadratically near the end); we sweep
 * over all pairs until it is below `tol`·‖A‖_F. The eigenvalues are then accurate to about tol·‖A‖_F in
 * absolute terms, also for nearly singular matrices (tiny eigenvalues come out as tiny numbers of either
 * sign, never as garbage of order ‖A‖), and the accumulated rotations V are orthogonal to rounding.
 *
 * Only the upper triangle of `a` is read (the matrix is symmetrised from it); `a` is not modified.
 */
export function symmetricEigen(a: Float64Array, n: number, opts: { tol?: number; maxSweeps?: number } = {}): SymmetricEigen {
  checkLength(a, n * n, 'symmetricEigen');
  if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`symmetricEigen: n must be a positive integer, got ${n}`);
  const tol = opts.tol ?? 1e-15;
  const maxSweeps = opts.maxSweeps ?? 100;
  const w = new Float64Array(n * n);
  let frob2 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = a[i * n + j]!;
      if (!Number.isFinite(v)) throw new RangeError(`symmetricEigen: non-finite entry at (${i}, ${j})`);
      w[i * n + j] = v;
      w[j * n + i] = v;
      frob2 += i === j ? v * v : 2 * v * v;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  const target2 = tol * tol * frob2;
  let sweeps = 0;
  for (;;) {
    let off2 = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off2 += 2 * w[p * n + q]! ** 2;
    if (off2 <= target2 || off2 === 0) break;
    if (sweeps >= maxSweeps) {
      throw new Error(`symmetricEigen: no convergence after ${maxSweeps} sweeps (off-diagonal ${Math.sqrt(off2)})`);
    }
    sweeps++;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = w[p * n + q]!;
        if (apq === 0) continue;
        const app = w[p * n + p]!;
        const aqq = w[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        // For huge θ, θ² overflows: then t ≈ 1/(2θ).
        const t = Math.abs(theta) > 1e150 ? 0.5 / theta : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        // Columns p and q: A ← A J.
        for (let k = 0; k < n; k++) {
          const akp = w[k * n + p]!;
          const akq = w[k * n + q]!;
          w[k * n + p] = c * akp - s * akq;
          w[k * n + q] = s * akp + c * akq;
        }
        // Rows p and q: A ← Jᵀ A.
        for (let k = 0; k < n; k++) {
          const apk = w[p * n + k]!;
          const aqk = w[q * n + k]!;
          w[p * n + k] = c * apk - s * aqk;
          w[q * n + k] = s * apk + c * aqk;
        }
        // Exact values of the rotated 2×2 block (more accurate than the updates above).
        w[p * n + p] = app - t * apq;
        w[q * n + q] = aqq + t * apq;
        w[p * n + q] = 0;
        w[q * n + p] = 0;
        // Eigenvectors: V ← V J.
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }

  // Sort descending (ties keep their index order, so the result is deterministic).
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((i, j) => w[j * n + j]! - w[i * n + i]! || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let jNew = 0; jNew < n; jNew++) {
    const jOld = order[jNew]!;
    values[jNew] = w[jOld * n + jOld]!;
    // Fix the sign so that the largest-magnitude component is positive (a deterministic convention).
    let big = 0;
    for (let k = 0; k < n; k++) if (Math.abs(v[k * n + jOld]!) > Math.abs(big)) big = v[k * n + jOld]!;
    const sign = big < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[k * n + jNew] = sign * v[k * n + jOld]!;
  }
  return { values, vectors, sweeps };
}

export interface CholeskyResult {
  /** Lower-triangular n×n factor, row-major: L Lᵀ = A + jitter·I. */
  l: Float64Array;
  /** The diagonal shift that made the factorisation succeed (0 when A itself was factorised). */
  jitter: number;
}

/**
 * Cholesky factorisation with adaptive jitter: try A, then A + εI with ε = initialJitter·mean(diag A),
 * multiplied by 10 after each failure, up to maxTries shifts. This is the usual remedy for nearly singular
 * kernel matrices (deepxde adds a fixed 1e-13); it distorts the covariance by ε, which the eigen
 * factorisation used by the GRF avoids. Throws when even the largest shift fails.
 */
export function cholesky(a: Float64Array, n: number, opts: { initialJitter?: number; maxTries?: number } = {}): CholeskyResult {
  checkLength(a, n * n, 'cholesky');
  const initial = opts.initialJitter ?? 1e-12;
  const maxTries = opts.maxTries ?? 10;
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += a[i * n + i]! / n;
  const scale = meanDiag > 0 ? meanDiag : 1;
  let jitter = 0;
  for (let attempt = 0; attempt <= maxTries; attempt++) {
    const l = tryCholesky(a, n, jitter);
    if (l) return { l, jitter };
    jitter = attempt === 0 ? initial * scale : jitter * 10;
  }
  throw new Error(`cholesky: matrix is not positive definite even with jitter ${jitter / 10}`);
}

/** L with L Lᵀ = A + shift·I (lower triangle of A read), or null when a pivot is not positive. */
function tryCholesky(a: Float64Array, n: number, shift: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    // l_jj² = a_jj + shift − Σ_{k<j} l_jk²
    let d = a[j * n + j]! + shift;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    // l_ij = (a_ij − Σ_{k<j} l_ik l_jk) / l_jj for i > j
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/**
 * Solves the tridiagonal system  lower[i]·x[i−1] + diag[i]·x[i] + upper[i]·x[i+1] = rhs[i]  (i = 0…n−1;
 * lower[0] and upper[n−1] are ignored) by the Thomas algorithm: forward elimination, then back
 * substitution. Stable without pivoting for diagonally dominant or symmetric positive definite
 * matrices, which is what the finite-difference generators produce. Inputs are not modified.
 */
export function solveTridiagonal(
  lower: Float64Array,
  diag: Float64Array,
  upper: Float64Array,
  rhs: Float64Array,
  out?: Float64Array,
): Float64Array {
  const n = diag.length;
  checkLength(lower, n, 'solveTridiagonal: lower');
  checkLength(upper, n, 'solveTridiagonal: upper');
  checkLength(rhs, n, 'solveTridiagonal: rhs');
  const x = out ?? new Float64Array(n);
  checkLength(x, n, 'solveTridiagonal: output');
  if (n === 0) return x;
  const cPrime = new Float64Array(n); // modified super-diagonal
  // Forward sweep: row i becomes x[i] + c'[i] x[i+1] = d'[i] (stored in x).
  let pivot = diag[0]!;
  if (pivot === 0) throw new Error('solveTridiagonal: zero pivot at row 0');
  cPrime[0] = upper[0]! / pivot;
  x[0] = rhs[0]! / pivot;
  for (let i = 1; i < n; i++) {
    pivot = diag[i]! - lower[i]! * cPrime[i - 1]!;
    if (pivot === 0 || !Number.isFinite(pivot)) throw new Error(`solveTridiagonal: zero or non-finite pivot at row ${i}`);
    cPrime[i] = i < n - 1 ? upper[i]! / pivot : 0;
    x[i] = (rhs[i]! - lower[i]! * x[i - 1]!) / pivot;
  }
  // Back substitution.
  for (let i = n - 2; i >= 0; i--) x[i] -= cPrime[i]! * x[i + 1]!;
  return x;
}

function checkLength(a: ArrayLike<number>, expected: number, what: string): void {
  if (a.length !== expected) throw new RangeError(`${what}: expected length ${expected}, got ${a.length}`);
}
