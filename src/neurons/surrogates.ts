/**
 * Surrogates for the derivative of the spike S = H(x), x = U − θ.
 *
 * The forward pass always uses the Heaviside step H (H(0) = 1). The tangent and adjoint passes replace
 * dH/dx by one of these functions. Each surrogate also names its primitive `smooth(x)` where one exists in
 * closed form: d smooth/dx = d(x) exactly. Running the network with `smooth` in place of H gives a
 * differentiable stand-in whose true derivatives are what the tangent and adjoint passes compute; the tests
 * check them against central differences of that stand-in.
 *
 * `stein` is the weak-form surrogate (WSG) of the paper: a Monte-Carlo estimate, by Stein's lemma, of the
 * Gaussian surrogate, (1/K) Σ_k δ_k/σ² (H(x + δ_k) − H(x)), δ_k ~ N(0, σ²). Its samples come from the
 * counter-based generator: element `index` of the step whose key is `key` always sees the same δ_k, so the
 * forward, tangent and adjoint passes of one step agree without storing anything.
 */
import { hashUniform } from '../util/rng.js';
import { cos2pi, log } from '../util/detmath.js';

export type SurrogateName = 'gaussian' | 'stein' | 'stein-antithetic' | 'atan' | 'fast-sigmoid' | 'sigmoid';

export interface SurrogateSpec {
  name: SurrogateName;
  /** Width σ of the Gaussian (gaussian, stein*). */
  sigma?: number;
  /** Monte-Carlo samples K (stein*). */
  samples?: number;
  /** Slope/steepness α (atan, fast-sigmoid, sigmoid). */
  slope?: number;
}

export interface Surrogate {
  readonly spec: Required<SurrogateSpec>;
  /** Whether `d` depends on the random key (Stein surrogates). */
  readonly stochastic: boolean;
  /** The surrogate derivative at x for element `index` (index only matters when stochastic). */
  d(x: number, index: number): number;
  /** A smooth function whose derivative is `d` (deterministic surrogates only). */
  smooth?: (x: number) => number;
  /** Set the key of the Stein samples (a new key each training step). */
  setKey(key: number): void;
  /** The current key of the Stein samples (stochastic surrogates only). */
  readonly key?: number;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function gaussian(sigma = 0.5): Surrogate {
  checkPositive('sigma', sigma);
  const a = INV_SQRT_2PI / sigma;
  const b = -1 / (2 * sigma * sigma);
  return {
    spec: { name: 'gaussian', sigma, samples: 1, slope: 0 },
    stochastic: false,
    d: (x) => a * Math.exp(b * x * x),
    smooth: (x) => 0.5 * erfc(-x / (sigma * Math.SQRT2)),
    setKey: () => {},
  };
}

/**
 * Weak-form (Stein) surrogate. H(x+δ) − H(x) is non-zero only when |δ| ≥ |x|, so a sample whose
 * Box–Muller radius r = σ·sqrt(−2 ln u₁) is below |x| contributes nothing and its angle is never drawn;
 * far from the threshold the cost is one hash and one logarithm per sample.
 * With `antithetic`, the pair (δ, −δ) gives δ/(2σ²) (H(x+δ) − H(x−δ)) per sample: same mean, lower variance.
 *
 * The sample, exactly (element `index`, sample k < K, i = 2(index·K + k); all in double precision):
 *   u₁ = hashUniform(key, i), c = (x·x)/(σ·σ); skipped when 2·(1 − u₁) < c·u₁·(1 − 10⁻⁶) (a cheap sufficient
 *   test, from −ln u ≤ (1 − u)/u; it implies the next one since `log` errs by < 1 ulp), else r² = −2·log(u₁)
 *   and skipped when r² < c; u₂ = hashUniform(key, i + 1), δ = σ·sqrt(r²)·cos2pi(u₂)
 * with `log` and `cos2pi` the project's own functions (src/util/detmath.ts: fdlibm's log, and cos(2πu) with
 * an exact quadrant reduction on u), not Math.log/Math.cos, so that the samples are the same bits in every
 * JavaScript engine and in the WebAssembly kernel (assembly/stein.ts repeats these operations in this order).
 * δ is the Box–Muller N(0, σ²) sample up to rounding (relative error ~1e-16 in r and cos).
 */
/** Safety factor of the Stein samples' log-free rejection test (far above the test's and log's rounding). */
const SKIP_MARGIN = 0.999999;

export function stein(sigma = 0.5, samples = 1, antithetic = false): Surrogate {
  checkPositive('sigma', sigma);
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`stein samples must be an integer >= 1, got ${samples}`);
  const inv = 1 / (sigma * sigma * samples * (antithetic ? 2 : 1));
  let key = 0x2545f491;
  const d = (x: number, index: number): number => {
    // Largest |x| for which a sample can matter: u1 must satisfy −2 ln u1 ≥ x²/σ², i.e. u1 ≤ exp(−x²/(2σ²)).
    const cut = (x * x) / (sigma * sigma);
    let acc = 0;
    const base = index * samples;
    for (let k = 0; k < samples; k++) {
      const u1 = hashUniform(key, 2 * (base + k));
      // −ln u ≤ (1 − u)/u: most samples far from the threshold are rejected without the logarithm.
      if (2 * (1 - u1) < cut * u1 * SKIP_MARGIN) continue;
      const r2 = -2 * log(u1);
      if (r2 < cut) continue;
      const u2 = hashUniform(key, 2 * (base + k) + 1);
      const delta = sigma * Math.sqrt(r2) * cos2pi(u2);
      if (antithetic) {
        acc += delta * (step(x + delta) - step(x - delta));
      } else {
        acc += delta * (step(x + delta) - step(x));
      }
    }
    return acc * inv;
  };
  return {
    spec: { name: antithetic ? 'stein-antithetic' : 'stein', sigma, samples, slope: 0 },
    stochastic: true,
    d,
    setKey: (k: number) => {
      key = k >>> 0;
    },
    get key() {
      return key;
    },
  };
}

/** snnTorch's arctan surrogate: d = (α/2) / (1 + (π α x / 2)²); primitive (1/π) atan(π α x / 2) + 1/2. */
export function atan(slope = 2): Surrogate {
  checkPositive('slope', slope);
  const c = (Math.PI * slope) / 2;
  return {
    spec: { name: 'atan', sigma: 0, samples: 1, slope },
    stochastic: false,
    d: (x) => slope / 2 / (1 + (c * x) * (c * x)),
    smooth: (x) => Math.atan(c * x) / Math.PI + 0.5,
    setKey: () => {},
  };
}

/** snnTorch's fast sigmoid: d = 1 / (1 + k|x|)²; primitive x / (1 + k|x|). */
export function fastSigmoid(slope = 25): Surrogate {
  checkPositive('slope', slope);
  return {
    spec: { name: 'fast-sigmoid', sigma: 0, samples: 1, slope },
    stochastic: false,
    d: (x) => {
      const q = 1 + slope * Math.abs(x);
      return 1 / (q * q);
    },
    smooth: (x) => x / (1 + slope * Math.abs(x)),
    setKey: () => {},
  };
}

/** Logistic: d = k σ(kx)(1 − σ(kx)); primitive σ(kx). The steep-sigmoid stand-in for gradient checks. */
export function sigmoid(slope = 5): Surrogate {
  checkPositive('slope', slope);
  return {
    spec: { name: 'sigmoid', sigma: 0, samples: 1, slope },
    stochastic: false,
    d: (x) => {
      const s = 1 / (1 + Math.exp(-slope * x));
      return slope * s * (1 - s);
    },
    smooth: (x) => 1 / (1 + Math.exp(-slope * x)),
    setKey: () => {},
  };
}

export function makeSurrogate(spec: SurrogateSpec): Surrogate {
  switch (spec.name) {
    case 'gaussian':
      return gaussian(spec.sigma);
    case 'stein':
      return stein(spec.sigma, spec.samples);
    case 'stein-antithetic':
      return stein(spec.sigma, spec.samples, true);
    case 'atan':
      return atan(spec.slope);
    case 'fast-sigmoid':
      return fastSigmoid(spec.slope);
    case 'sigmoid':
      return sigmoid(spec.slope);
    default:
      throw new Error(`unknown surrogate '${(spec as SurrogateSpec).name}'`);
  }
}

function step(x: number): number {
  return x >= 0 ? 1 : 0;
}

function checkPositive(name: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`surrogate ${name} must be a positive number, got ${v}`);
}

/**
 * Complementary error function, double precision: Taylor series of erf for |x| < 2, Lentz's continued
 * fraction for erfc beyond (relative error ~1e-15 on both pieces).
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (x > 27) return 0;
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) evaluated by modified Lentz.
  const tiny = 1e-300;
  let f = x;
  let C = x;
  let D = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    D = x + a * D;
    D = D === 0 ? tiny : 1 / D;
    C = x + a / C;
    if (C === 0) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}
