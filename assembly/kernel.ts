/**
 * WebAssembly (128-bit SIMD) kernels of the spiking MLP: forward (with or without tape), tangent (M channels)
 * and adjoint passes, with the same floating-point operations in the same order as the TypeScript reference
 * (src/networks/mlp.ts), so that results are bit-identical in float64.
 *
 * Order of work: sample by sample, layer by layer, and inside a layer tile by tile (8 neurons = 4 f64x2
 * vectors) with the time loop innermost, so a tile's membrane potentials, counts and tangents stay in
 * registers for all T steps. This is legal because layer l at step t only needs layer l − 1 at step t. Spikes
 * travel between layers as bit masks per step ([T][words] u64, plus a mask of the −1 spikes when signed).
 *
 * Vectorisation never reassociates a sum: a sum over inputs into many outputs (z[o] += w[i][o]) is vectorised
 * across the outputs o, so each output keeps the reference's summation order; the adjoint's Wᵀa is
 * vectorised across the inputs with the untransposed weights. Layers are padded to an even width; padded
 * neurons have zero weights and bias, never spike and carry zero tangents and adjoints.
 *
 * Surrogate slopes: the deterministic surrogates vectorised (exp: a port of V8's, exp.ts; the Gaussian's in
 * blocks of 32 values with the exp cut into three stages, each run over the whole block, because one exp is a
 * ~100-cycle chain of dependent operations and the staging lets the core overlap many); the Stein (WSG)
 * surrogates scalar, per element, from the reference's counter-based samples (stein.ts).
 *
 * Latency, more than throughput, bounds most of these loops (no fused multiply-add, 3-4 cycles per dependent
 * f64x2 add or multiply): wherever the reference's order allows, independent sums are interleaved (tiles of 4
 * vectors, tile8 in tile.ts), and compile-time variants drop work a case does not need (λ = 1, layer 0).
 *
 * Memory is managed by the host (src/networks/wasm-kernel.ts): this module allocates nothing, keeps no state
 * in globals, and reads everything from two host-written records, the network descriptor `net` and a job
 * `job` (a sample range and pointers). Several instances may share one memory and run different sample
 * ranges of one job concurrently. The layouts below must match wasm-kernel.ts.
 */
import { K_BYTES, expCore, expNegCore, expNegOkMask, expNegStage1, expNegWideCore, expNegWideOkMask, expNegWideStage1, expNegWideStage3, expOkMask, expScalar, expStage2, expStage3 } from './exp';
import { cos2pi, detLog, kernelCos, kernelSin, steinD, steinKeep4 } from './stein';
import { copy8, fill8, tile8 } from './tile';

export { expScalar, writeExpConstants } from './exp';

// ---- network descriptor (bytes from `net`) -------------------------------------------------------------
const D_L: usize = 0; // spiking layers
const D_T: usize = 4;
const D_DIN: usize = 8;
const D_DOUT: usize = 12;
const D_NP: usize = 16; // padded neurons over all spiking layers
const D_LINEAR: usize = 20; // 1: linear readout, 0: spike-rate
const D_SIGNED: usize = 24;
const D_SUR: usize = 28; // surrogate: 0 none, 1 gaussian, 2 atan, 3 fast-sigmoid, 4 sigmoid, 5 stein, 6 stein-antithetic
const D_P: usize = 32; // parameters
const D_PARAMS: usize = 36; // ptr f64[P], the parameter vector
const D_BIAS: usize = 40; // ptr f64[Np], padded biases
const D_RW: usize = 44; // parameter index of the readout weight [dOut][h]
const D_RB: usize = 48; // parameter index of the readout bias
const D_WTSIZE: usize = 52; // f64 count of the transposed padded weights (all layers)
const D_WT: usize = 56; // ptr: transposed padded weights, layer l at wtIdx: [nIn][np]
const D_WP: usize = 60; // ptr: row-padded weights, layer l at wpIdx: [n][nInPad]
const D_LEAK: usize = 64; // f64
const D_TH: usize = 72; // f64
const D_SA: usize = 80; // f64 surrogate constants (stein: σ, 1/(σ²K(2 if antithetic)))
const D_SB: usize = 88;
const D_SC: usize = 96;
const D_N: usize = 104; // unpadded neurons over all spiking layers
const D_MW: usize = 108; // u64 words of one step's spike masks (all layers; ×2 when signed)
const D_WFIN: usize = 112; // 1 if every weight of layers l > 0 is finite
const D_SKEY: usize = 116; // u32 key of the Stein samples (this pass)
const D_SSAMP: usize = 120; // Stein samples K
const D_SNMAX: usize = 124; // widest layer: the stride of the Stein counter (MlpKernel.nMax)
const D_KTAB: usize = 128; // exp constant table (exp.ts, K_BYTES bytes)
const D_SNOISE: usize = 544; // f64: the pass's noiseOffset (added to the sample index in the Stein counter)
const D_RWT: usize = 552; // ptr: linear readout weight transposed, [h][dOutP] (dOut padded to even, zero column)
const D_LAYERS: usize = 640;
const LS: usize = 64;
// per layer (bytes from net + D_LAYERS + l*LS)
const L_N: usize = 0;
const L_NP: usize = 4;
const L_NIN: usize = 8;
const L_NINP: usize = 12; // padded width of the layer below (d_in for layer 0)
const L_OFF: usize = 16; // padded neuron offset
const L_INOFF: usize = 20; // padded neuron offset of the layer below (0 for layer 0)
const L_WT: usize = 24; // f64 index of the layer in the transposed weights
const L_WP: usize = 28; // f64 index of the layer in the row-padded weights
const L_WOFF: usize = 32; // parameter index of W_l
const L_BOFF: usize = 36; // parameter index of B_l
const L_UOFF: usize = 40; // unpadded neuron offset (hidden-rate arrays [batch][N])
const L_MW: usize = 44; // word offset of the layer's spike mask in a step's mask row (−1 mask at + L_NW)
const L_NW: usize = 48; // u64 words of the layer's mask

// ---- job (bytes from `job`) ----------------------------------------------------------------------------
const J_B0: usize = 0;
const J_B1: usize = 4;
const J_BATCH: usize = 8;
const J_X: usize = 12; // f64[batch][dIn]
const J_Y: usize = 16; // f64[batch][dOut]
const J_TS: usize = 20; // tape spike masks u64[batch][T][MW], or 0
const J_TG: usize = 24; // tape surrogate slopes f64[batch][T][Np]
const J_RATES: usize = 28; // f64[batch][L] per-sample mean rates, or 0
const J_SCR: usize = 32; // this thread's scratch
const J_M: usize = 36;
const J_DWT: usize = 40; // f64[M][wtSize] transposed padded weight tangents
const J_DB: usize = 44; // f64[M][Np] padded bias tangents
const J_DX: usize = 48; // f64[M][batch][dIn] or 0
const J_START: usize = 52; // i32[M] first layer of each channel
const J_DY: usize = 56; // f64[M][batch][dOut]
const J_DP: usize = 60; // f64[M][P] parameter tangents
const J_GY: usize = 64; // f64[batch][dOut]
const J_GRAD: usize = 68; // f64[P] this thread's gradient
const J_GWT: usize = 72; // f64[wtSize] this thread's transposed weight gradient
const J_GX: usize = 76; // f64[batch][dIn]
const J_GB: usize = 80; // f64[Np] this thread's padded bias gradient
const J_HID: usize = 84; // f64[batch][N] time-averaged spikes of every neuron, or 0
const J_HIDD: usize = 88; // f64[M][batch][N] their tangents, or 0
const J_GH: usize = 92; // f64[batch][N] ∂L/∂(time-averaged spikes), or 0
const J_TC: usize = 96; // tape spike counts f64[batch][Np] (with J_TS)
const J_DRWT: usize = 100; // f64[M][h][dOutP] readout weight tangents, transposed like D_RWT (linear readout)
const J_CTR: usize = 104; // i32 chunk counter shared by the threads of a jvp (shared memory), or 0: own range
const J_CSZ: usize = 108; // samples per chunk taken from J_CTR (1 … CHUNK)
const J_LZERO: usize = 112; // i32[M][L]: 1 where channel m's layer-l weight and bias tangents are all +0 (prepareTangents)

const ZERO = f64x2(0.0, 0.0);
const ONE = f64x2(1.0, 1.0);
const MONE = f64x2(-1.0, -1.0);
const NEGZERO = i64x2(0x8000000000000000, 0x8000000000000000);

/** 1 if the descriptor's regions do not overlap (checked by the host at start-up). */
export function layoutOk(): i32 {
  return D_KTAB + K_BYTES <= D_SNOISE && D_SNOISE + 8 <= D_RWT && D_RWT + 4 <= D_LAYERS ? 1 : 0;
}

// @ts-ignore: decorator
@inline function li(p: usize, off: usize): i32 {
  return load<i32>(p + off);
}
// @ts-ignore: decorator
@inline function lp(p: usize, off: usize): usize {
  return <usize>load<u32>(p + off);
}
// @ts-ignore: decorator
@inline function layer(net: usize, l: i32): usize {
  return net + D_LAYERS + <usize>l * LS;
}

/**
 * Per-thread scratch (bytes from J_SCR), per sample: spike masks [T][MW] (when there is no tape), U_pre and
 * slopes [T][Np], counts and the input current [Np]; tangents: dS [M][T][Np], dcnt and dZ₁ [M][Np]; adjoint:
 * a and ∂L/∂S [T][Np] and six [Np] vectors. Region r starts at base + scratchOffset(net, M, r).
 */
const R_MASK = 0;
const R_PRE = 1;
const R_G = 2;
const R_C = 3;
const R_Z0 = 4;
const R_DS = 5;
const R_DC = 6;
const R_DZ0 = 7;
const R_A = 8;
const R_GS = 9;
const R_V = 10;
const R_DZ = 11;
const R_XB = 12;
const R_END = 13;
/** The staged exp's state for one block of GAUSS_BLOCK values (16 vectors × 80 bytes). */
const XB_BYTES: usize = 1280;
/**
 * Samples whose first-layer current tangents dB + dW x (+ W dx) the tangent pass computes together, channel
 * by channel: each channel's dW (dIn × width) is then read once per chunk instead of once per sample (with
 * many channels, all of them do not fit in cache).
 */
const CHUNK = 8;

function scratchOffset(net: usize, M: i32, region: i32): usize {
  const T = <usize>li(net, D_T);
  const NpB = <usize>li(net, D_NP) << 3;
  const TNpB = T * NpB;
  const MB = <usize>M;
  let o: usize = 0;
  if (region == R_MASK) return o;
  o += (T * <usize>li(net, D_MW)) << 3;
  if (region == R_PRE) return o;
  o += TNpB;
  if (region == R_G) return o;
  o += TNpB;
  if (region == R_C) return o;
  o += NpB;
  if (region == R_Z0) return o;
  o += NpB;
  if (region == R_DS) return o;
  o += MB * TNpB;
  if (region == R_DC) return o;
  o += MB * NpB;
  if (region == R_DZ0) return o;
  o += MB * <usize>CHUNK * NpB;
  if (region == R_A) return o;
  o += TNpB;
  if (region == R_GS) return o;
  o += TNpB;
  if (region == R_V) return o;
  o += 6 * NpB;
  if (region == R_DZ) return o;
  o += TNpB;
  if (region == R_XB) return o;
  return o + XB_BYTES;
}

/** Scratch bytes one thread needs for M tangent channels (M = 0 for forward and vjp). */
export function scratchBytes(net: usize, M: i32): i32 {
  return <i32>scratchOffset(net, M, R_END) + 64;
}

// ---------------------------------------------------------------------------------------------------------
// Surrogate slopes
// ---------------------------------------------------------------------------------------------------------

/** Surrogate derivative d(x), x = U_pre − θ (kind: 1 gaussian, 2 atan, 3 fast sigmoid, 4 sigmoid), scalar. */
function surrScalar(x: f64, kind: i32, sa: f64, sb: f64): f64 {
  if (kind == 1) return sa * expScalar(sb * x * x);
  if (kind == 2) {
    const cx = sb * x;
    return sa / (1 + cx * cx);
  }
  if (kind == 3) {
    const q = 1 + sa * abs<f64>(x);
    return 1 / (q * q);
  }
  const s = 1 / (1 + expScalar(sb * x));
  return sa * s * (1 - s);
}

/**
 * Scalar slopes of n values (the vector path's fallback when an exp argument leaves fdlibm's common path).
 * A separate function that stores its results, so that the compiler cannot run it speculatively.
 */
function slopesScalar(net: usize, pre: usize, dst: usize, n: i32): void {
  const signed = li(net, D_SIGNED) != 0;
  const kind = li(net, D_SUR);
  const th = load<f64>(net + D_TH);
  const sa = load<f64>(net + D_SA);
  const sb = load<f64>(net + D_SB);
  for (let i = 0; i < n; i++) {
    const up = load<f64>(pre + (<usize>i << 3));
    let g = surrScalar(up - th, kind, sa, sb);
    if (signed) g += surrScalar(-up - th, kind, sa, sb);
    store<f64>(dst + (<usize>i << 3), g);
  }
}

/** The exp argument of the surrogate at x (gaussian: b·x·x; sigmoid: −slope·x). */
// @ts-ignore: decorator
@inline function expArg(kind: i32, x: v128, sb: v128): v128 {
  return kind == 1 ? f64x2.mul(f64x2.mul(sb, x), x) : f64x2.mul(sb, x);
}

/** Whether the exp arguments are on the vector path (all-ones lanes). */
// @ts-ignore: decorator
@inline function expArgOk(kind: i32, e: v128, K: usize): v128 {
  return kind == 1 ? expNegOkMask(e, K) : expOkMask(e, K);
}

/** The surrogate from x and, for gaussian/sigmoid, its exp argument e (vector path). */
// @ts-ignore: decorator
@inline function surrVec(kind: i32, x: v128, e: v128, sa: v128, sb: v128, K: usize): v128 {
  if (kind == 1) return f64x2.mul(sa, expNegCore(e, K));
  if (kind == 2) {
    const cx = f64x2.mul(sb, x);
    return f64x2.div(sa, f64x2.add(ONE, f64x2.mul(cx, cx)));
  }
  if (kind == 3) {
    const q = f64x2.add(ONE, f64x2.mul(sa, f64x2.abs(x)));
    return f64x2.div(ONE, f64x2.mul(q, q));
  }
  const s = f64x2.div(ONE, f64x2.add(ONE, expCore(e, K)));
  return f64x2.mul(f64x2.mul(sa, s), f64x2.sub(ONE, s));
}

/**
 * Slopes of two vectors (4 values) from p: s'(U_pre − θ) (+ s'(−U_pre − θ) when signed). Two vectors per
 * step give the out-of-order core two independent exp chains; any argument off the vector path sends all
 * four values to slopesScalar.
 */
// @ts-ignore: decorator
@inline function slopePair(kind: i32, signed: bool, net: usize, p: usize, d: usize, thV: v128, sa: v128, sb: v128, K: usize): void {
  const u0 = v128.load(p, 0);
  const u1 = v128.load(p, 16);
  const x0 = f64x2.sub(u0, thV);
  const x1 = f64x2.sub(u1, thV);
  const e0 = expArg(kind, x0, sb);
  const e1 = expArg(kind, x1, sb);
  let y0 = ZERO;
  let y1 = ZERO;
  let f0 = ZERO;
  let f1 = ZERO;
  if (signed) {
    y0 = f64x2.sub(f64x2.neg(u0), thV);
    y1 = f64x2.sub(f64x2.neg(u1), thV);
    f0 = expArg(kind, y0, sb);
    f1 = expArg(kind, y1, sb);
  }
  if (kind == 1 || kind == 4) {
    let ok = v128.and(expArgOk(kind, e0, K), expArgOk(kind, e1, K));
    if (signed) ok = v128.and(ok, v128.and(expArgOk(kind, f0, K), expArgOk(kind, f1, K)));
    if (!i64x2.all_true(ok)) {
      // Gaussian arguments below −708 (membrane potentials far below the threshold): the wide vector path.
      if (kind == 1) {
        let wide = v128.and(expNegWideOkMask(e0, K), expNegWideOkMask(e1, K));
        if (signed) wide = v128.and(wide, v128.and(expNegWideOkMask(f0, K), expNegWideOkMask(f1, K)));
        if (i64x2.all_true(wide)) {
          let h0 = f64x2.mul(sa, expNegWideCore(e0, K));
          let h1 = f64x2.mul(sa, expNegWideCore(e1, K));
          if (signed) {
            h0 = f64x2.add(h0, f64x2.mul(sa, expNegWideCore(f0, K)));
            h1 = f64x2.add(h1, f64x2.mul(sa, expNegWideCore(f1, K)));
          }
          v128.store(d, h0, 0);
          v128.store(d, h1, 16);
          return;
        }
      }
      slopesScalar(net, p, d, 4);
      return;
    }
  }
  let g0 = surrVec(kind, x0, e0, sa, sb, K);
  let g1 = surrVec(kind, x1, e1, sa, sb, K);
  if (signed) {
    g0 = f64x2.add(g0, surrVec(kind, y0, f0, sa, sb, K));
    g1 = f64x2.add(g1, surrVec(kind, y1, f1, sa, sb, K));
  }
  v128.store(d, g0, 0);
  v128.store(d, g1, 16);
}

// @ts-ignore: decorator
@inline function slopeLoop(kind: i32, signed: bool, net: usize, pre: usize, dst: usize, n: i32, thV: v128, sa: v128, sb: v128, K: usize): void {
  const pairs = <usize>(n >> 2) << 5;
  for (let jb: usize = 0; jb < pairs; jb += 32) slopePair(kind, signed, net, pre + jb, dst + jb, thV, sa, sb, K);
  if (n & 2) slopesScalar(net, pre + pairs, dst + pairs, 2);
}

/**
 * The Gaussian slopes s'(x) = a·exp(b·x²), x = U_pre − θ, in blocks of 32 values: the exp arguments first (into
 * dst), then the exp in three stages, each over the whole block (expNegStage1 …): the same operations as
 * slopePair, so the same bits, but many exps in flight at once. A block with arguments below −708 takes the
 * wide path's stages; one with an argument the wide path does not cover (NaN, or above −2^-28: a potential within
 * ~10⁻⁴σ of θ) goes through slopePair, as does the tail.
 */
function gaussianSlopes(net: usize, pre: usize, dst: usize, n: i32, xb: usize, thV: v128, sa: v128, sb: v128, K: usize): void {
  const blocksB = <usize>(n >> 5) << 8;
  for (let ib: usize = 0; ib < blocksB; ib += 256) {
    const p = pre + ib;
    const d = dst + ib;
    let ok = i64x2.splat(-1);
    for (let k: usize = 0; k < 256; k += 16) {
      const e = expArg(1, f64x2.sub(v128.load(p + k), thV), sb);
      v128.store(d + k, e);
      ok = v128.and(ok, expNegOkMask(e, K));
    }
    if (i64x2.all_true(ok)) {
      for (let k: usize = 0; k < 256; k += 16) expNegStage1(v128.load(d + k), K, xb + k * 5);
      for (let k: usize = 0; k < 256; k += 16) expStage2(K, xb + k * 5);
      for (let k: usize = 0; k < 256; k += 16) v128.store(d + k, f64x2.mul(sa, expStage3(K, xb + k * 5)));
      continue;
    }
    // Arguments below −708 (potentials far below the threshold): the wide path, in stages too.
    let wide = i64x2.splat(-1);
    for (let k: usize = 0; k < 256; k += 16) wide = v128.and(wide, expNegWideOkMask(v128.load(d + k), K));
    if (i64x2.all_true(wide)) {
      for (let k: usize = 0; k < 256; k += 16) expNegWideStage1(v128.load(d + k), K, xb + k * 5);
      for (let k: usize = 0; k < 256; k += 16) expStage2(K, xb + k * 5);
      for (let k: usize = 0; k < 256; k += 16) v128.store(d + k, f64x2.mul(sa, expNegWideStage3(v128.load(d + k), K, xb + k * 5)));
      continue;
    }
    for (let k: usize = 0; k < 256; k += 32) slopePair(1, false, net, p + k, d + k, thV, sa, sb, K);
  }
  slopeLoop(1, false, net, pre + blocksB, dst + blocksB, n - (n >> 5 << 5), thV, sa, sb, K);
}

/** dst[0..n) = surrogate slopes at U_pre values pre[0..n) (n even; one loop per surrogate kind); xb: XB_BYTES of scratch. */
function slopes(net: usize, pre: usize, dst: usize, n: i32, xb: usize): void {
  const signed = li(net, D_SIGNED) != 0;
  const kind = li(net, D_SUR);
  const thV = f64x2.splat(load<f64>(net + D_TH));
  const sa = f64x2.splat(load<f64>(net + D_SA));
  const sb = f64x2.splat(load<f64>(net + D_SB));
  const K = net + D_KTAB;
  if (signed) {
    if (kind == 1) slopeLoop(1, true, net, pre, dst, n, thV, sa, sb, K);
    else if (kind == 2) slopeLoop(2, true, net, pre, dst, n, thV, sa, sb, K);
    else if (kind == 3) slopeLoop(3, true, net, pre, dst, n, thV, sa, sb, K);
    else slopeLoop(4, true, net, pre, dst, n, thV, sa, sb, K);
  } else {
    if (kind == 1) gaussianSlopes(net, pre, dst, n, xb, thV, sa, sb, K);
    else if (kind == 2) slopeLoop(2, false, net, pre, dst, n, thV, sa, sb, K);
    else if (kind == 3) slopeLoop(3, false, net, pre, dst, n, thV, sa, sb, K);
    else slopeLoop(4, false, net, pre, dst, n, thV, sa, sb, K);
  }
}

/**
 * Stein (WSG) slopes of sample b (global index) from its U_pre rows [T][Np]: element (b, l, t, j) is the
 * reference's counter index (((noise + b)·L + l)·T + t)·nMax + j (signed: 2·index for the +θ side, 2·index + 1
 * for the −θ side). Padded neurons get 0. Scalar: each slope is a short loop over K hashed samples.
 */
function steinSlopes(net: usize, pre: usize, dst: usize, b: i32): void {
  const L = li(net, D_L);
  const T = li(net, D_T);
  const Np = li(net, D_NP);
  const signed = li(net, D_SIGNED) != 0;
  const anti = li(net, D_SUR) == 6;
  const th = load<f64>(net + D_TH);
  const sigma = load<f64>(net + D_SA);
  const inv = load<f64>(net + D_SB);
  const key = load<u32>(net + D_SKEY);
  const K = li(net, D_SSAMP);
  const nMax = <i64>li(net, D_SNMAX);
  const s0 = <i64>load<f64>(net + D_SNOISE) + <i64>b;
  // Four-lane test (unsigned): the lanes' counters are 2K apart; steinD's cut divides by σ·σ.
  const thV = f64x2.splat(th);
  const sig2 = f64x2.splat(sigma * sigma);
  const lane = i32x4(0, 2 * K, 4 * K, 6 * K);
  for (let t = 0; t < T; t++) {
    for (let l = 0; l < L; l++) {
      const ly = layer(net, l);
      const n = li(ly, L_N);
      const np = li(ly, L_NP);
      const o = <usize>(t * Np + li(ly, L_OFF)) << 3;
      const p = pre + o;
      const d = dst + o;
      const base = ((s0 * <i64>L + <i64>l) * <i64>T + <i64>t) * nMax;
      let j = 0;
      if (!signed) {
        // Four elements at once through the first, cheap test of every sample (steinKeep4); the elements no
        // sample passes get the reference's 0·inv, the others the scalar steinD (which repeats the test).
        for (; j + 4 <= n; j += 4) {
          const idx0 = base + <i64>j;
          const i10 = 2 * (idx0 * <i64>K);
          const lo0 = <u32>i10;
          // The four lanes' indices must share their high 32 bits (else the rest of the row goes scalar).
          if (<u64>lo0 + <u64>(8 * K - 2) > 0xffffffff) break;
          const hi = <u32>(i10 >> 32);
          const x01 = f64x2.sub(v128.load(p + (<usize>j << 3)), thV);
          const x23 = f64x2.sub(v128.load(p + (<usize>j << 3), 16), thV);
          const cut01 = f64x2.div(f64x2.mul(x01, x01), sig2);
          const cut23 = f64x2.div(f64x2.mul(x23, x23), sig2);
          let keep = 0;
          for (let k = 0; k < K && keep != 15; k++) keep |= steinKeep4(key, i32x4.add(i32x4.splat(<i32>lo0 + 2 * k), lane), hi, cut01, cut23);
          for (let q = 0; q < 4; q++) {
            const jq = j + q;
            const g = ((keep >> q) & 1) != 0 ? steinD(load<f64>(p + (<usize>jq << 3)) - th, idx0 + <i64>q, key, sigma, K, anti, inv) : 0.0 * inv;
            store<f64>(d + (<usize>jq << 3), g);
          }
        }
      }
      for (; j < n; j++) {
        const up = load<f64>(p + (<usize>j << 3));
        const idx = base + <i64>j;
        let g: f64;
        if (signed) g = steinD(up - th, 2 * idx, key, sigma, K, anti, inv) + steinD(-up - th, 2 * idx + 1, key, sigma, K, anti, inv);
        else g = steinD(up - th, idx, key, sigma, K, anti, inv);
        store<f64>(d + (<usize>j << 3), g);
      }
      for (let j = n; j < np; j++) store<f64>(d + (<usize>j << 3), 0.0);
    }
  }
}

/** The slopes of sample b, [T][Np] from its U_pre rows: the deterministic surrogates vectorised, Stein scalar. */
function sampleSlopes(net: usize, pre: usize, dst: usize, TNp: i32, b: i32, xb: usize): void {
  if (li(net, D_SUR) >= 5) steinSlopes(net, pre, dst, b);
  else slopes(net, pre, dst, TNp, xb);
}

// ---------------------------------------------------------------------------------------------------------
// Primal
// ---------------------------------------------------------------------------------------------------------

/** Adds column `wr` (s_i = ±1 when SIGNED) to the tile's accumulators. */
// @ts-ignore: decorator
@inline function spikeSign(ng: u64, bit: u64): v128 {
  return f64x2.splat(((ng >> bit) & 1) != 0 ? -1.0 : 1.0);
}

/**
 * V vectors (2V neurons from j0) of one layer, all T steps, membrane potentials and counts in registers:
 *   Z[t] = B + Σ_{spiking i at t, ascending} s_i W[:, i]   (layer 0: the constant current Z₁)
 *   U_pre = λU + Z, S = H(U_pre − θ) (±), U = U_pre − θS, cnt += S
 * Spikes go to the layer's mask rows (OR into word j0 / 64), U_pre to `pre` rows when pre != 0.
 */
// @ts-ignore: decorator
@inline function primalTile(
  V: i32,
  SIGNED: bool,
  INPUT: bool,
  LEAK1: bool,
  T: i32,
  j0: i32,
  zsrc: usize,
  wt: usize,
  rowB: usize,
  inMask: usize,
  inNW: i32,
  inNegB: usize,
  maskRowB: usize,
  outMask: usize,
  outNegB: usize,
  pre: usize,
  preRowB: usize,
  C: usize,
  leakV: v128,
  thV: v128,
  nthV: v128,
): void {
  const jb = <usize>j0 << 3;
  const shift = <u64>(j0 & 63);
  const om = outMask + ((<usize>j0 >> 6) << 3);
  let u0 = ZERO;
  let u1 = ZERO;
  let u2 = ZERO;
  let u3 = ZERO;
  let c0 = ZERO;
  let c1 = ZERO;
  let c2 = ZERO;
  let c3 = ZERO;
  let z0 = ZERO;
  let z1 = ZERO;
  let z2 = ZERO;
  let z3 = ZERO;
  const zs = zsrc + jb;
  if (INPUT) {
    z0 = v128.load(zs, 0);
    if (V > 1) z1 = v128.load(zs, 16);
    if (V > 2) {
      z2 = v128.load(zs, 32);
      z3 = v128.load(zs, 48);
    }
  }
  const wj = wt + jb;
  const pj = pre + jb;
  for (let t = 0; t < T; t++) {
    let a0 = z0;
    let a1 = z1;
    let a2 = z2;
    let a3 = z3;
    if (!INPUT) {
      a0 = v128.load(zs, 0);
      if (V > 1) a1 = v128.load(zs, 16);
      if (V > 2) {
        a2 = v128.load(zs, 32);
        a3 = v128.load(zs, 48);
      }
      const mrow = inMask + <usize>t * maskRowB;
      for (let w = 0; w < inNW; w++) {
        let m = load<u64>(mrow + (<usize>w << 3));
        let ng: u64 = 0;
        if (SIGNED) {
          // Both signs, in ascending input order.
          ng = load<u64>(mrow + inNegB + (<usize>w << 3));
          m |= ng;
        }
        const base = wj + (<usize>w << 6) * rowB;
        while (m != 0) {
          const bit = ctz<u64>(m);
          m &= m - 1;
          const wr = base + <usize>bit * rowB;
          if (SIGNED) {
            const sv = spikeSign(ng, bit);
            a0 = f64x2.add(a0, f64x2.mul(sv, v128.load(wr, 0)));
            if (V > 1) a1 = f64x2.add(a1, f64x2.mul(sv, v128.load(wr, 16)));
            if (V > 2) {
              a2 = f64x2.add(a2, f64x2.mul(sv, v128.load(wr, 32)));
              a3 = f64x2.add(a3, f64x2.mul(sv, v128.load(wr, 48)));
            }
          } else {
            // s_i = 1: z += w (the reference's `si === 1` branch).
            a0 = f64x2.add(a0, v128.load(wr, 0));
            if (V > 1) a1 = f64x2.add(a1, v128.load(wr, 16));
            if (V > 2) {
              a2 = f64x2.add(a2, v128.load(wr, 32));
              a3 = f64x2.add(a3, v128.load(wr, 48));
            }
          }
        }
      }
    }
    // Neuron step (λ = 1: 1·U = U exactly, so the product is left out).
    const p0 = f64x2.add(LEAK1 ? u0 : f64x2.mul(leakV, u0), a0);
    const p1 = f64x2.add(LEAK1 ? u1 : f64x2.mul(leakV, u1), a1);
    const p2 = f64x2.add(LEAK1 ? u2 : f64x2.mul(leakV, u2), a2);
    const p3 = f64x2.add(LEAK1 ? u3 : f64x2.mul(leakV, u3), a3);
    const on0 = f64x2.ge(p0, thV);
    const on1 = f64x2.ge(p1, thV);
    const on2 = f64x2.ge(p2, thV);
    const on3 = f64x2.ge(p3, thV);
    let s0 = v128.and(on0, ONE);
    let s1 = v128.and(on1, ONE);
    let s2 = v128.and(on2, ONE);
    let s3 = v128.and(on3, ONE);
    let bits = i64x2.bitmask(on0);
    if (V > 1) bits |= i64x2.bitmask(on1) << 2;
    if (V > 2) bits |= (i64x2.bitmask(on2) << 4) | (i64x2.bitmask(on3) << 6);
    const mq = om + <usize>t * maskRowB;
    store<u64>(mq, load<u64>(mq) | (<u64>bits << shift));
    if (SIGNED) {
      const n0 = f64x2.le(p0, nthV);
      const n1 = f64x2.le(p1, nthV);
      const n2 = f64x2.le(p2, nthV);
      const n3 = f64x2.le(p3, nthV);
      s0 = v128.or(s0, v128.and(n0, MONE));
      s1 = v128.or(s1, v128.and(n1, MONE));
      s2 = v128.or(s2, v128.and(n2, MONE));
      s3 = v128.or(s3, v128.and(n3, MONE));
      let nb = i64x2.bitmask(n0);
      if (V > 1) nb |= i64x2.bitmask(n1) << 2;
      if (V > 2) nb |= (i64x2.bitmask(n2) << 4) | (i64x2.bitmask(n3) << 6);
      const nq = mq + outNegB;
      store<u64>(nq, load<u64>(nq) | (<u64>nb << shift));
    }
    // U = U_pre − θS; unsigned, θS is θ or +0 (θ > 0), i.e. θ masked by the spike (shorter than a product).
    u0 = f64x2.sub(p0, SIGNED ? f64x2.mul(thV, s0) : v128.and(on0, thV));
    c0 = f64x2.add(c0, s0);
    if (V > 1) {
      u1 = f64x2.sub(p1, SIGNED ? f64x2.mul(thV, s1) : v128.and(on1, thV));
      c1 = f64x2.add(c1, s1);
    }
    if (V > 2) {
      u2 = f64x2.sub(p2, SIGNED ? f64x2.mul(thV, s2) : v128.and(on2, thV));
      u3 = f64x2.sub(p3, SIGNED ? f64x2.mul(thV, s3) : v128.and(on3, thV));
      c2 = f64x2.add(c2, s2);
      c3 = f64x2.add(c3, s3);
    }
    if (pre != 0) {
      const pr = pj + <usize>t * preRowB;
      v128.store(pr, p0, 0);
      if (V > 1) v128.store(pr, p1, 16);
      if (V > 2) {
        v128.store(pr, p2, 32);
        v128.store(pr, p3, 48);
      }
    }
  }
  const cj = C + jb;
  v128.store(cj, c0, 0);
  if (V > 1) v128.store(cj, c1, 16);
  if (V > 2) {
    v128.store(cj, c2, 32);
    v128.store(cj, c3, 48);
  }
}

// @ts-ignore: decorator
@inline function primalLayerT(SIGNED: bool, INPUT: bool, LEAK1: bool, net: usize, l: i32, Z0: usize, mask: usize, pre: usize, C: usize): void {
  const ly = layer(net, l);
  const T = li(net, D_T);
  const np = li(ly, L_NP);
  const Np = li(net, D_NP);
  const offB = <usize>li(ly, L_OFF) << 3;
  const th = load<f64>(net + D_TH);
  const leakV = f64x2.splat(load<f64>(net + D_LEAK));
  const thV = f64x2.splat(th);
  const nthV = f64x2.splat(-th);
  const maskRowB = <usize>li(net, D_MW) << 3;
  const nw = li(ly, L_NW);
  const outMask = mask + (<usize>li(ly, L_MW) << 3);
  const outNegB = <usize>nw << 3;
  let inMask: usize = 0;
  let inNW = 0;
  let inNegB: usize = 0;
  let zsrc = Z0;
  if (!INPUT) {
    const lb = layer(net, l - 1);
    inNW = li(lb, L_NW);
    inMask = mask + (<usize>li(lb, L_MW) << 3);
    inNegB = <usize>inNW << 3;
    zsrc = lp(net, D_BIAS) + offB;
  }
  const wt = lp(net, D_WT) + (<usize>li(ly, L_WT) << 3);
  const rowB = <usize>np << 3;
  const preL = pre != 0 ? pre + offB : 0;
  const preRowB = <usize>Np << 3;
  const Cl = C + offB;
  let j = 0;
  for (; j + 8 <= np; j += 8) {
    primalTile(4, SIGNED, INPUT, LEAK1, T, j, zsrc, wt, rowB, inMask, inNW, inNegB, maskRowB, outMask, outNegB, preL, preRowB, Cl, leakV, thV, nthV);
  }
  if (j + 4 <= np) {
    primalTile(2, SIGNED, INPUT, LEAK1, T, j, zsrc, wt, rowB, inMask, inNW, inNegB, maskRowB, outMask, outNegB, preL, preRowB, Cl, leakV, thV, nthV);
    j += 4;
  }
  if (j < np) {
    primalTile(1, SIGNED, INPUT, LEAK1, T, j, zsrc, wt, rowB, inMask, inNW, inNegB, maskRowB, outMask, outNegB, preL, preRowB, Cl, leakV, thV, nthV);
  }
}

/** All T steps of layer l: spike masks (cleared by the caller), U_pre (if pre != 0) and counts. */
function primalLayer(net: usize, l: i32, Z0: usize, mask: usize, pre: usize, C: usize): void {
  const leak1 = load<f64>(net + D_LEAK) == 1.0;
  if (li(net, D_SIGNED) != 0) {
    if (leak1) {
      if (l == 0) primalLayerT(true, true, true, net, l, Z0, mask, pre, C);
      else primalLayerT(true, false, true, net, l, Z0, mask, pre, C);
    } else {
      if (l == 0) primalLayerT(true, true, false, net, l, Z0, mask, pre, C);
      else primalLayerT(true, false, false, net, l, Z0, mask, pre, C);
    }
  } else {
    if (leak1) {
      if (l == 0) primalLayerT(false, true, true, net, l, Z0, mask, pre, C);
      else primalLayerT(false, false, true, net, l, Z0, mask, pre, C);
    } else {
      if (l == 0) primalLayerT(false, true, false, net, l, Z0, mask, pre, C);
      else primalLayerT(false, false, false, net, l, Z0, mask, pre, C);
    }
  }
}

/** Layer 0's constant current Z[0..np0) = B₁ + W₁ x_b (summed over inputs in order, vectorised over outputs). */
function inputCurrent(net: usize, xb: usize, Z: usize): void {
  const ly = layer(net, 0);
  const np = li(ly, L_NP);
  const dIn = li(net, D_DIN);
  const bias = lp(net, D_BIAS);
  const wt = lp(net, D_WT);
  const rowB = <usize>np << 3;
  let j = 0;
  // Eight neurons at a time (four independent sums, each bias + Σ_i in order), then pairs.
  for (; j + 8 <= np; j += 8) {
    const jb = <usize>j << 3;
    copy8(Z + jb, bias + jb);
    tile8(Z + jb, wt + jb, rowB, xb, 8, dIn);
  }
  for (; j < np; j += 2) {
    const jb = <usize>j << 3;
    let acc = v128.load(bias + jb);
    for (let i = 0; i < dIn; i++) {
      acc = f64x2.add(acc, f64x2.mul(v128.load(wt + <usize>i * rowB + jb), v128.load64_splat(xb + (<usize>i << 3))));
    }
    v128.store(Z + jb, acc);
  }
}

/** The primal pass of one sample: masks [T][MW] (zeroed here), U_pre [T][Np] (if pre != 0), counts C. */
function primalSample(net: usize, xb: usize, Z0: usize, mask: usize, pre: usize, C: usize): void {
  const L = li(net, D_L);
  memory.fill(mask, 0, <usize>(li(net, D_T) * li(net, D_MW)) << 3);
  inputCurrent(net, xb, Z0);
  for (let l = 0; l < L; l++) primalLayer(net, l, Z0, mask, pre, C);
}

/** dst[uoff_l + j] = cnt[off_l + j] / T for every layer (time-averaged spikes, unpadded [N]). */
function hiddenRates(net: usize, C: usize, dst: usize): void {
  const L = li(net, D_L);
  const T = <f64>li(net, D_T);
  for (let l = 0; l < L; l++) {
    const ly = layer(net, l);
    const n = li(ly, L_N);
    const src = C + (<usize>li(ly, L_OFF) << 3);
    const d = dst + (<usize>li(ly, L_UOFF) << 3);
    for (let j = 0; j < n; j++) store<f64>(d + (<usize>j << 3), load<f64>(src + (<usize>j << 3)) / T);
  }
}

/** y_b from the spike counts of the last layer (scalar, the reference's order). */
function readout(net: usize, C: usize, yb: usize): void {
  const L = li(net, D_L);
  const T = <f64>li(net, D_T);
  const dOut = li(net, D_DOUT);
  const ly = layer(net, L - 1);
  const last = C + (<usize>li(ly, L_OFF) << 3);
  if (li(net, D_LINEAR) == 0) {
    for (let o = 0; o < dOut; o++) store<f64>(yb + (<usize>o << 3), load<f64>(last + (<usize>o << 3)) / T);
    return;
  }
  const h = li(ly, L_N);
  const rb = lp(net, D_PARAMS) + (<usize>li(net, D_RB) << 3);
  readoutProducts(lp(net, D_RWT), 0, last, 0, false, h, dOut, T, rb, yb);
}

/**
 * out[o] = (Σ_i Wt[i][o]·v[i] + Σ_i Wt2[i][o]·v2[i] (if two)) / T + c[o], o < dOut: the linear readout and its
 * tangent, vectorised across the outputs o (the reference's per-output sums over i, first v then v2, in
 * order from 0). Wt, Wt2: [h][dOutP] transposed weights (dOutP = dOut padded to even, zero column).
 */
function readoutProducts(Wt: usize, Wt2: usize, v: usize, v2: usize, two: bool, h: i32, dOut: i32, T: f64, c: usize, out: usize): void {
  const dOutP = dOut + (dOut & 1);
  const rowB = <usize>dOutP << 3;
  const TV = f64x2.splat(T);
  let o = 0;
  for (; o + 8 <= dOut; o += 8) {
    const ob = <usize>o << 3;
    const t = out + ob;
    fill8(t, ZERO);
    tile8(t, Wt + ob, rowB, v, 8, h);
    if (two) tile8(t, Wt2 + ob, rowB, v2, 8, h);
    for (let k: usize = 0; k < 64; k += 16) v128.store(t + k, f64x2.add(f64x2.div(v128.load(t + k), TV), v128.load(c + ob + k)));
  }
  for (; o < dOut; o += 2) {
    const ob = <usize>o << 3;
    let a0 = ZERO;
    for (let i = 0; i < h; i++) a0 = f64x2.add(a0, f64x2.mul(v128.load(Wt + <usize>i * rowB + ob), v128.load64_splat(v + (<usize>i << 3))));
    if (two) for (let i = 0; i < h; i++) a0 = f64x2.add(a0, f64x2.mul(v128.load(Wt2 + <usize>i * rowB + ob), v128.load64_splat(v2 + (<usize>i << 3))));
    store<f64>(out + ob, f64x2.extract_lane(a0, 0) / T + load<f64>(c + ob));
    if (o + 1 < dOut) store<f64>(out + ob, f64x2.extract_lane(a0, 1) / T + load<f64>(c + ob, 8), 8);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Forward
// ---------------------------------------------------------------------------------------------------------

/** Samples [b0, b1) of y = f(θ, x), with the tape (J_TS != 0) and per-sample rates (J_RATES != 0). */
export function forward(net: usize, job: usize): void {
  const L = li(net, D_L);
  const T = li(net, D_T);
  const dIn = li(net, D_DIN);
  const dOut = li(net, D_DOUT);
  const Np = li(net, D_NP);
  const x = lp(job, J_X);
  const y = lp(job, J_Y);
  const tS = lp(job, J_TS);
  const tG = lp(job, J_TG);
  const rates = lp(job, J_RATES);
  const hid = lp(job, J_HID);
  const scr = lp(job, J_SCR);
  const sMask = scr + scratchOffset(net, 0, R_MASK);
  const sPre = scr + scratchOffset(net, 0, R_PRE);
  const sXB = scr + scratchOffset(net, 0, R_XB);
  const sC = scr + scratchOffset(net, 0, R_C);
  const sZ0 = scr + scratchOffset(net, 0, R_Z0);
  const maskB = <usize>(T * li(net, D_MW)) << 3;
  const TNp = T * Np;
  const b1 = li(job, J_B1);
  const ctr = lp(job, J_CTR);
  let b = li(job, J_B0);
  let end = b;
  for (;;) {
    // The job's range in order, or (threads, J_CTR set) chunks of J_CSZ samples from the shared counter: every
    // output is per sample, so the assignment changes no result.
    if (b >= end) {
      if (ASC_FEATURE_THREADS && ctr != 0) {
        const csz = li(job, J_CSZ);
        b = atomic.add<i32>(ctr, csz);
        if (b >= li(job, J_BATCH)) break;
        end = min(b + csz, li(job, J_BATCH));
      } else {
        if (b >= b1) break;
        end = b1;
      }
    }
    const mask = tS != 0 ? tS + <usize>b * maskB : sMask;
    primalSample(net, x + (<usize>(b * dIn) << 3), sZ0, mask, tS != 0 ? sPre : 0, sC);
    if (tS != 0) {
      sampleSlopes(net, sPre, tG + (<usize>(b * TNp) << 3), TNp, b, sXB);
      memory.copy(lp(job, J_TC) + <usize>b * (<usize>Np << 3), sC, <usize>Np << 3);
    }
    readout(net, sC, y + (<usize>(b * dOut) << 3));
    if (hid != 0) hiddenRates(net, sC, hid + (<usize>(b * li(net, D_N)) << 3));
    if (rates != 0) {
      for (let l = 0; l < L; l++) {
        const ly = layer(net, l);
        const n = li(ly, L_N);
        const cl = sC + (<usize>li(ly, L_OFF) << 3);
        let a: f64 = 0;
        for (let j = 0; j < n; j++) a += abs<f64>(load<f64>(cl + (<usize>j << 3)));
        store<f64>(rates + (<usize>(b * L + l) << 3), a / <f64>(T * n));
      }
    }
    b++;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Tangent
// ---------------------------------------------------------------------------------------------------------

/** Tangent of a layer l > 0, phase 1: DZ[t] = dB + Σ_{spiking i at t, ascending} s_i dW[:, i], V vectors from j0. */
// @ts-ignore: decorator
@inline function spikeTangentTile(
  V: i32,
  SIGNED: bool,
  T: i32,
  j0: i32,
  dB: usize,
  dwt: usize,
  rowB: usize,
  inMask: usize,
  inNW: i32,
  inNegB: usize,
  maskRowB: usize,
  DZ: usize,
  rowNpB: usize,
): void {
  const jb = <usize>j0 << 3;
  const bp = dB + jb;
  const b0 = v128.load(bp, 0);
  let b1 = ZERO;
  let b2 = ZERO;
  let b3 = ZERO;
  if (V > 1) b1 = v128.load(bp, 16);
  if (V > 2) {
    b2 = v128.load(bp, 32);
    b3 = v128.load(bp, 48);
  }
  const dj = dwt + jb;
  const zj = DZ + jb;
  for (let t = 0; t < T; t++) {
    let a0 = b0;
    let a1 = b1;
    let a2 = b2;
    let a3 = b3;
    const mrow = inMask + <usize>t * maskRowB;
    for (let w = 0; w < inNW; w++) {
      let m = load<u64>(mrow + (<usize>w << 3));
      let ng: u64 = 0;
      if (SIGNED) {
        ng = load<u64>(mrow + inNegB + (<usize>w << 3));
        m |= ng;
      }
      const base = dj + (<usize>w << 6) * rowB;
      while (m != 0) {
        const bit = ctz<u64>(m);
        m &= m - 1;
        const wr = base + <usize>bit * rowB;
        if (SIGNED) {
          const sv = spikeSign(ng, bit);
          a0 = f64x2.add(a0, f64x2.mul(sv, v128.load(wr, 0)));
          if (V > 1) a1 = f64x2.add(a1, f64x2.mul(sv, v128.load(wr, 16)));
          if (V > 2) {
            a2 = f64x2.add(a2, f64x2.mul(sv, v128.load(wr, 32)));
            a3 = f64x2.add(a3, f64x2.mul(sv, v128.load(wr, 48)));
          }
        } else {
          // s_i = 1 and 1 · dW = dW exactly.
          a0 = f64x2.add(a0, v128.load(wr, 0));
          if (V > 1) a1 = f64x2.add(a1, v128.load(wr, 16));
          if (V > 2) {
            a2 = f64x2.add(a2, v128.load(wr, 32));
            a3 = f64x2.add(a3, v128.load(wr, 48));
          }
        }
      }
    }
    const zr = zj + <usize>t * rowNpB;
    v128.store(zr, a0, 0);
    if (V > 1) v128.store(zr, a1, 16);
    if (V > 2) {
      v128.store(zr, a2, 32);
      v128.store(zr, a3, 48);
    }
  }
}

/**
 * Phase 2 (layer l > 0, channel starting below l): DZ[t] += Σ_{i ascending} dS_{l−1}[t][i] W[:, i] for TB
 * steps from t0 and V vectors from j0 — a register-blocked small matrix product; each element still sums its
 * terms in the reference's order. SKIP: skip the terms with dS = 0, as the reference does (used when a zero
 * occurs; adding 0·w could turn a −0 sum into +0 or 0·inf into NaN).
 */
// @ts-ignore: decorator
@inline function denseTangentBlock(
  TB: i32,
  V: i32,
  SKIP: bool,
  t0: i32,
  j0: i32,
  dsPrev: usize,
  nIn: i32,
  wt: usize,
  rowB: usize,
  DZ: usize,
  rowNpB: usize,
): void {
  const jb = <usize>j0 << 3;
  const z0 = DZ + <usize>t0 * rowNpB + jb;
  const z1 = z0 + rowNpB;
  let a0 = v128.load(z0, 0);
  let a1 = ZERO;
  let a2 = ZERO;
  let a3 = ZERO;
  let e0 = ZERO;
  let e1 = ZERO;
  let e2 = ZERO;
  let e3 = ZERO;
  if (V > 1) a1 = v128.load(z0, 16);
  if (V > 2) {
    a2 = v128.load(z0, 32);
    a3 = v128.load(z0, 48);
  }
  if (TB > 1) {
    e0 = v128.load(z1, 0);
    if (V > 1) e1 = v128.load(z1, 16);
    if (V > 2) {
      e2 = v128.load(z1, 32);
      e3 = v128.load(z1, 48);
    }
  }
  let d0p = dsPrev + <usize>t0 * rowNpB;
  let wr = wt + jb;
  for (let i = 0; i < nIn; i++) {
    const w0 = v128.load(wr, 0);
    let w1 = ZERO;
    let w2 = ZERO;
    let w3 = ZERO;
    if (V > 1) w1 = v128.load(wr, 16);
    if (V > 2) {
      w2 = v128.load(wr, 32);
      w3 = v128.load(wr, 48);
    }
    const d0 = load<f64>(d0p);
    if (!SKIP || d0 != 0) {
      const dv = f64x2.splat(d0);
      a0 = f64x2.add(a0, f64x2.mul(dv, w0));
      if (V > 1) a1 = f64x2.add(a1, f64x2.mul(dv, w1));
      if (V > 2) {
        a2 = f64x2.add(a2, f64x2.mul(dv, w2));
        a3 = f64x2.add(a3, f64x2.mul(dv, w3));
      }
    }
    if (TB > 1) {
      const d1 = load<f64>(d0p + rowNpB);
      if (!SKIP || d1 != 0) {
        const dv = f64x2.splat(d1);
        e0 = f64x2.add(e0, f64x2.mul(dv, w0));
        if (V > 1) e1 = f64x2.add(e1, f64x2.mul(dv, w1));
        if (V > 2) {
          e2 = f64x2.add(e2, f64x2.mul(dv, w2));
          e3 = f64x2.add(e3, f64x2.mul(dv, w3));
        }
      }
    }
    d0p += 8;
    wr += rowB;
  }
  v128.store(z0, a0, 0);
  if (V > 1) v128.store(z0, a1, 16);
  if (V > 2) {
    v128.store(z0, a2, 32);
    v128.store(z0, a3, 48);
  }
  if (TB > 1) {
    v128.store(z1, e0, 0);
    if (V > 1) v128.store(z1, e1, 16);
    if (V > 2) {
      v128.store(z1, e2, 32);
      v128.store(z1, e3, 48);
    }
  }
}

/**
 * Phase 3: dU = λ dU + dZ[t], dS = g dU (to the DS rows), dcnt += dS for V vectors from j0, dU and dcnt in
 * registers over t; dZ from its rows (layers ≥ 1: layer 0 has the closed form, firstLayerTangent).
 */
// @ts-ignore: decorator
@inline function recurrenceTile(V: i32, STORE: bool, ONE: bool, T: i32, j0: i32, DZ: usize, rowNpB: usize, G: usize, DS: usize, DC: usize, leakV: v128): void {
  const jb = <usize>j0 << 3;
  let d0 = ZERO;
  let d1 = ZERO;
  let d2 = ZERO;
  let d3 = ZERO;
  let c0 = ZERO;
  let c1 = ZERO;
  let c2 = ZERO;
  let c3 = ZERO;
  let z1 = ZERO;
  let z2 = ZERO;
  let z3 = ZERO;
  const zj = DZ + jb;
  const gj = G + jb;
  const sj = DS + jb;
  for (let t = 0; t < T; t++) {
    const row = <usize>t * rowNpB;
    const zr = zj + row;
    const z0 = v128.load(zr, 0);
    if (V > 1) z1 = v128.load(zr, 16);
    if (V > 2) {
      z2 = v128.load(zr, 32);
      z3 = v128.load(zr, 48);
    }
    const gr = gj + row;
    const sr = sj + row;
    d0 = ONE ? f64x2.add(d0, z0) : f64x2.add(f64x2.mul(leakV, d0), z0);
    const s0 = f64x2.mul(v128.load(gr, 0), d0);
    if (STORE) v128.store(sr, s0, 0);
    c0 = f64x2.add(c0, s0);
    if (V > 1) {
      d1 = ONE ? f64x2.add(d1, z1) : f64x2.add(f64x2.mul(leakV, d1), z1);
      const s1 = f64x2.mul(v128.load(gr, 16), d1);
      if (STORE) v128.store(sr, s1, 16);
      c1 = f64x2.add(c1, s1);
    }
    if (V > 2) {
      d2 = ONE ? f64x2.add(d2, z2) : f64x2.add(f64x2.mul(leakV, d2), z2);
      d3 = ONE ? f64x2.add(d3, z3) : f64x2.add(f64x2.mul(leakV, d3), z3);
      const s2 = f64x2.mul(v128.load(gr, 32), d2);
      const s3 = f64x2.mul(v128.load(gr, 48), d3);
      if (STORE) {
        v128.store(sr, s2, 32);
        v128.store(sr, s3, 48);
      }
      c2 = f64x2.add(c2, s2);
      c3 = f64x2.add(c3, s3);
    }
  }
  const cj = DC + jb;
  v128.store(cj, c0, 0);
  if (V > 1) v128.store(cj, c1, 16);
  if (V > 2) {
    v128.store(cj, c2, 32);
    v128.store(cj, c3, 48);
  }
}

// @ts-ignore: decorator
@inline function denseTangent(SKIP: bool, T: i32, np: i32, dsPrev: usize, nIn: i32, wt: usize, rowB: usize, DZ: usize, rowNpB: usize): void {
  let t = 0;
  if (!SKIP) {
    for (; t + 2 <= T; t += 2) {
      let j = 0;
      for (; j + 8 <= np; j += 8) denseTangentBlock(2, 4, false, t, j, dsPrev, nIn, wt, rowB, DZ, rowNpB);
      if (j + 4 <= np) {
        denseTangentBlock(2, 2, false, t, j, dsPrev, nIn, wt, rowB, DZ, rowNpB);
        j += 4;
      }
      if (j < np) denseTangentBlock(2, 1, false, t, j, dsPrev, nIn, wt, rowB, DZ, rowNpB);
    }
  }
  for (; t < T; t++) {
    let j = 0;
    for (; j + 8 <= np; j += 8) denseTangentBlock(1, 4, SKIP, t, j, dsPrev, nIn, wt, rowB, DZ, rowNpB);
    if (j + 4 <= np) {
      denseTangentBlock(1, 2, SKIP, t, j, dsPrev, nIn, wt, rowB, DZ, rowNpB);
      j += 4;
    }
    if (j < np) denseTangentBlock(1, 1, SKIP, t, j, dsPrev, nIn, wt, rowB, DZ, rowNpB);
  }
}

// @ts-ignore: decorator
@inline function spikeTangent(SIGNED: bool, T: i32, np: i32, dB: usize, dwt: usize, rowB: usize, inMask: usize, inNW: i32, inNegB: usize, maskRowB: usize, DZ: usize, rowNpB: usize): void {
  let j = 0;
  for (; j + 8 <= np; j += 8) spikeTangentTile(4, SIGNED, T, j, dB, dwt, rowB, inMask, inNW, inNegB, maskRowB, DZ, rowNpB);
  if (j + 4 <= np) {
    spikeTangentTile(2, SIGNED, T, j, dB, dwt, rowB, inMask, inNW, inNegB, maskRowB, DZ, rowNpB);
    j += 4;
  }
  if (j < np) spikeTangentTile(1, SIGNED, T, j, dB, dwt, rowB, inMask, inNW, inNegB, maskRowB, DZ, rowNpB);
}

// @ts-ignore: decorator
@inline function recurrenceOf(STORE: bool, ONE: bool, T: i32, np: i32, DZ: usize, rowNpB: usize, G: usize, DS: usize, DC: usize, leakV: v128): void {
  let j = 0;
  for (; j + 8 <= np; j += 8) recurrenceTile(4, STORE, ONE, T, j, DZ, rowNpB, G, DS, DC, leakV);
  if (j + 4 <= np) {
    recurrenceTile(2, STORE, ONE, T, j, DZ, rowNpB, G, DS, DC, leakV);
    j += 4;
  }
  if (j < np) recurrenceTile(1, STORE, ONE, T, j, DZ, rowNpB, G, DS, DC, leakV);
}

/**
 * The tangent recurrence of one layer and channel, in a variant specialised for whether dS must be stored
 * (not for the last layer: only the layer above reads it) and whether λ = 1 (IF: λ·dU = dU exactly, so the
 * multiply is skipped with the same bits).
 */
// @ts-ignore: decorator
@inline function recurrence(store: bool, one: bool, T: i32, np: i32, DZ: usize, rowNpB: usize, G: usize, DS: usize, DC: usize, leakV: v128): void {
  if (store) {
    if (one) recurrenceOf(true, true, T, np, DZ, rowNpB, G, DS, DC, leakV);
    else recurrenceOf(true, false, T, np, DZ, rowNpB, G, DS, DC, leakV);
  } else {
    if (one) recurrenceOf(false, true, T, np, DZ, rowNpB, G, DS, DC, leakV);
    else recurrenceOf(false, false, T, np, DZ, rowNpB, G, DS, DC, leakV);
  }
}

/**
 * One channel's tangent of layer l ≥ 1 for all T steps (layer 0: firstLayerTangent): dsrc is the channel's
 * padded dB of the layer; `dense` when the channel starts below l (adds W dS_{l−1}). DZ is a [T][Np] work area.
 */
function tangentLayer(net: usize, l: i32, dsrc: usize, dwtM: usize, zeroParams: bool, dense: bool, mask: usize, G: usize, DS: usize, DC: usize, DZ: usize): void {
  const ly = layer(net, l);
  const T = li(net, D_T);
  const np = li(ly, L_NP);
  const rowNpB = <usize>li(net, D_NP) << 3;
  const offB = <usize>li(ly, L_OFF) << 3;
  const leak = load<f64>(net + D_LEAK);
  const leakV = f64x2.splat(leak);
  const store = l < li(net, D_L) - 1;
  const one = leak == 1.0;
  const Gl = G + offB;
  const DSl = DS + offB;
  const DCl = DC + offB;
  const lb = layer(net, l - 1);
  const inNW = li(lb, L_NW);
  const inMask = mask + (<usize>li(lb, L_MW) << 3);
  const inNegB = <usize>inNW << 3;
  const maskRowB = <usize>li(net, D_MW) << 3;
  const nIn = li(ly, L_NIN);
  const wtIdx = <usize>li(ly, L_WT) << 3;
  const rowB = <usize>np << 3;
  const DZl = DZ + offB;
  // The channel does not perturb this layer's parameters (a layer-wise direction for a layer below): every sum
  // dB + Σ ±dW the spike term forms is +0 + (±0) … = +0, so the rows are +0 without forming them.
  if (zeroParams) for (let t = 0; t < T; t++) memory.fill(DZl + <usize>t * rowNpB, 0, rowB);
  else if (li(net, D_SIGNED) != 0) spikeTangent(true, T, np, dsrc, dwtM + wtIdx, rowB, inMask, inNW, inNegB, maskRowB, DZl, rowNpB);
  else spikeTangent(false, T, np, dsrc, dwtM + wtIdx, rowB, inMask, inNW, inNegB, maskRowB, DZl, rowNpB);
  if (dense) {
    const dsPrev = DS + (<usize>li(ly, L_INOFF) << 3);
    const wt = lp(net, D_WT) + wtIdx;
    // The reference skips the terms with dS = 0. Adding them instead changes nothing when the weights are
    // finite (0·w = ±0) and no accumulator is −0 when they come (in round-to-nearest a sum is −0 only if both
    // terms are, so dZ = dB + Σ s dW is −0 only where dB is; and x + ±0 = x for every other x). So the fast
    // product needs no skipping unless a weight is not finite or dB has a −0; then skip where dS = 0 occurs.
    if (li(net, D_WFIN) != 0) {
      let nz = ZERO;
      const npB = <usize>np << 3;
      for (let jb: usize = 0; jb < npB; jb += 16) nz = v128.or(nz, i64x2.eq(v128.load(dsrc + jb), NEGZERO));
      if (!v128.any_true(nz)) {
        denseTangent(false, T, np, dsPrev, nIn, wt, rowB, DZl, rowNpB);
        recurrence(store, one, T, np, DZl, rowNpB, Gl, DSl, DCl, leakV);
        return;
      }
    }
    let zm = ZERO;
    const pairsB = <usize>(nIn >> 1) << 4;
    for (let t = 0; t < T; t++) {
      const r = dsPrev + <usize>t * rowNpB;
      for (let ib: usize = 0; ib < pairsB; ib += 16) zm = v128.or(zm, f64x2.eq(v128.load(r + ib), ZERO));
      // An odd last input: lane 0 only (lane 1 of the zero-extended load is not an input).
      if (nIn & 1) zm = v128.or(zm, v128.and(f64x2.eq(v128.load64_zero(r + pairsB), ZERO), i64x2(-1, 0)));
    }
    const zero = v128.any_true(zm);
    if (zero) denseTangent(true, T, np, dsPrev, nIn, wt, rowB, DZl, rowNpB);
    else denseTangent(false, T, np, dsPrev, nIn, wt, rowB, DZl, rowNpB);
  }
  recurrence(store, one, T, np, DZl, rowNpB, Gl, DSl, DCl, leakV);
}

/** Prepare the tangent inputs shared by all threads: dwt [M][wtSize] (transposed, padded) and dB [M][Np]. */
export function prepareTangents(net: usize, job: usize): void {
  const L = li(net, D_L);
  const P = li(net, D_P);
  const Np = li(net, D_NP);
  const wtSize = li(net, D_WTSIZE);
  const M = li(job, J_M);
  const dP = lp(job, J_DP);
  const dwt = lp(job, J_DWT);
  const dB = lp(job, J_DB);
  const start = lp(job, J_START);
  memory.fill(dB, 0, <usize>(M * Np) << 3);
  const linear = li(net, D_LINEAR) != 0;
  const dOut = li(net, D_DOUT);
  const dOutP = dOut + (dOut & 1);
  const h = li(layer(net, L - 1), L_N);
  const rw = li(net, D_RW);
  const drwt = lp(job, J_DRWT);
  const lzero = lp(job, J_LZERO);
  for (let m = 0; m < M; m++) {
    const pm = dP + (<usize>(m * P) << 3);
    if (linear) {
      // Readout weight tangent [dOut][h] → [h][dOutP], zero-padded column.
      const dst = drwt + (<usize>(m * h * dOutP) << 3);
      for (let i = 0; i < h; i++) {
        for (let o = 0; o < dOutP; o++) {
          store<f64>(dst + (<usize>(i * dOutP + o) << 3), o < dOut ? load<f64>(pm + (<usize>(rw + o * h + i) << 3)) : 0.0);
        }
      }
    }
    const st = load<i32>(start + (<usize>m << 2));
    for (let l = 0; l < L; l++) {
      if (st > l) continue;
      const ly = layer(net, l);
      const n = li(ly, L_N);
      const np = li(ly, L_NP);
      const nIn = li(ly, L_NIN);
      const src = pm + (<usize>li(ly, L_WOFF) << 3);
      const dst = dwt + (<usize>(m * wtSize + li(ly, L_WT)) << 3);
      for (let o = 0; o < np; o++) {
        for (let i = 0; i < nIn; i++) {
          store<f64>(dst + (<usize>(i * np + o) << 3), o < n ? load<f64>(src + (<usize>(o * nIn + i) << 3)) : 0.0);
        }
      }
      const bsrc = pm + (<usize>li(ly, L_BOFF) << 3);
      const bdst = dB + (<usize>(m * Np + li(ly, L_OFF)) << 3);
      for (let o = 0; o < n; o++) store<f64>(bdst + (<usize>o << 3), load<f64>(bsrc + (<usize>o << 3)));
      // Whether every weight and bias tangent of the layer is +0 (bit pattern 0; −0 does not count).
      let bits: u64 = 0;
      for (let i = 0; i < n * nIn; i++) bits |= load<u64>(src + (<usize>i << 3));
      for (let o = 0; o < n; o++) bits |= load<u64>(bsrc + (<usize>o << 3));
      store<i32>(lzero + (<usize>(m * L + l) << 2), bits == 0 ? 1 : 0);
    }
  }
}

/**
 * Layer 0's slopes scaled for the closed-form tangent (MlpKernel.jvp): ĝ_t = a_t g_t in place (a_0 = 1,
 * a_t = λ a_{t−1} + 1), and W[j] = Σ_t ĝ_t[j] (from 0, t in order), vectorised across the neurons.
 */
function scaleFirstSlopes(net: usize, G: usize, W: usize, aTab: usize): void {
  const T = li(net, D_T);
  const np0 = li(layer(net, 0), L_NP);
  const rowNpB = <usize>li(net, D_NP) << 3;
  // Eight neurons at a time: four independent sums in registers (one per lane pair, each in t order), so the
  // adds' latency overlaps instead of chaining over t for one pair after another.
  let j = 0;
  for (; j + 8 <= np0; j += 8) {
    const gj = G + (<usize>j << 3);
    let w0 = ZERO;
    let w1 = ZERO;
    let w2 = ZERO;
    let w3 = ZERO;
    for (let t = 0; t < T; t++) {
      const a = v128.load64_splat(aTab + (<usize>t << 3));
      const p = gj + <usize>t * rowNpB;
      const h0 = f64x2.mul(a, v128.load(p, 0));
      const h1 = f64x2.mul(a, v128.load(p, 16));
      const h2 = f64x2.mul(a, v128.load(p, 32));
      const h3 = f64x2.mul(a, v128.load(p, 48));
      v128.store(p, h0, 0);
      v128.store(p, h1, 16);
      v128.store(p, h2, 32);
      v128.store(p, h3, 48);
      w0 = f64x2.add(w0, h0);
      w1 = f64x2.add(w1, h1);
      w2 = f64x2.add(w2, h2);
      w3 = f64x2.add(w3, h3);
    }
    const wj = W + (<usize>j << 3);
    v128.store(wj, w0, 0);
    v128.store(wj, w1, 16);
    v128.store(wj, w2, 32);
    v128.store(wj, w3, 48);
  }
  for (; j < np0; j += 2) {
    const jb = <usize>j << 3;
    let w = ZERO;
    for (let t = 0; t < T; t++) {
      const p = G + <usize>t * rowNpB + jb;
      const gh = f64x2.mul(v128.load64_splat(aTab + (<usize>t << 3)), v128.load(p));
      v128.store(p, gh);
      w = f64x2.add(w, gh);
    }
    v128.store(W + jb, w);
  }
}

/** aTab[t] = a_t of the closed-form layer-0 tangent: a_0 = 1, a_t = λ a_{t−1} + 1 (the reference's scalar chain). */
function firstLayerFactors(net: usize, aTab: usize): void {
  const T = li(net, D_T);
  const leak = load<f64>(net + D_LEAK);
  let a: f64 = 0;
  for (let t = 0; t < T; t++) {
    a = leak * a + 1.0;
    store<f64>(aTab + (<usize>t << 3), a);
  }
}

/**
 * One channel's layer-0 tangent in closed form: DC = dz ⊙ W, and (when a layer above reads it) DS_t = ĝ_t ⊙ dz
 * for every step; dz: the channel's constant current tangent [np0].
 */
function firstLayerTangent(net: usize, dz: usize, G: usize, W: usize, DS: usize, DC: usize, store: bool): void {
  const T = li(net, D_T);
  const np0 = li(layer(net, 0), L_NP);
  const rowNpB = <usize>li(net, D_NP) << 3;
  for (let j = 0; j < np0; j += 2) {
    const jb = <usize>j << 3;
    const d = v128.load(dz + jb);
    v128.store(DC + jb, f64x2.mul(d, v128.load(W + jb)));
    if (store) {
      for (let t = 0; t < T; t++) {
        const row = <usize>t * rowNpB + jb;
        v128.store(DS + row, f64x2.mul(v128.load(G + row), d));
      }
    }
  }
}

/**
 * First-layer current tangents of samples [s0, s1) (at most CHUNK): dz[m][s − s0] = dB_m + Σ_i dW_m[i]·x_s[i]
 * (+ Σ_i W[i]·dx_{m,s}[i]) for every channel m that perturbs layer 0, each sum over i in order (the
 * reference's), vectorised across the neurons; rows of np0 values at DZ0 + ((m·CHUNK + s − s0)·np0)·8.
 */
function inputTangents(net: usize, job: usize, s0: i32, s1: i32, DZ0: usize): void {
  const dIn = li(net, D_DIN);
  const Np = li(net, D_NP);
  const wtSize = li(net, D_WTSIZE);
  const wtBase = lp(net, D_WT);
  const x = lp(job, J_X);
  const batch = li(job, J_BATCH);
  const M = li(job, J_M);
  const dwtBase = lp(job, J_DWT);
  const dBBase = lp(job, J_DB);
  const dx = lp(job, J_DX);
  const start = lp(job, J_START);
  const np0 = li(layer(net, 0), L_NP);
  const rowB0 = <usize>np0 << 3;
  for (let m = 0; m < M; m++) {
    if (load<i32>(start + (<usize>m << 2)) > 0) continue;
    const dB = dBBase + (<usize>(m * Np) << 3);
    const dwt = dwtBase + (<usize>(m * wtSize) << 3);
    let j = 0;
    for (; j + 8 <= np0; j += 8) {
      const jb = <usize>j << 3;
      for (let s = s0; s < s1; s++) {
        const dz = DZ0 + (<usize>((m * CHUNK + s - s0) * np0) << 3) + jb;
        copy8(dz, dB + jb);
        tile8(dz, dwt + jb, rowB0, x + (<usize>(s * dIn) << 3), 8, dIn);
        if (dx != 0) tile8(dz, wtBase + jb, rowB0, dx + (<usize>((m * batch + s) * dIn) << 3), 8, dIn);
      }
    }
    for (; j < np0; j += 2) {
      const jb = <usize>j << 3;
      for (let s = s0; s < s1; s++) {
        const xs = x + (<usize>(s * dIn) << 3);
        let acc = v128.load(dB + jb);
        for (let i = 0; i < dIn; i++) acc = f64x2.add(acc, f64x2.mul(v128.load(dwt + <usize>i * rowB0 + jb), v128.load64_splat(xs + (<usize>i << 3))));
        if (dx != 0) {
          const dxs = dx + (<usize>((m * batch + s) * dIn) << 3);
          for (let i = 0; i < dIn; i++) acc = f64x2.add(acc, f64x2.mul(v128.load(wtBase + <usize>i * rowB0 + jb), v128.load64_splat(dxs + (<usize>i << 3))));
        }
        v128.store(DZ0 + (<usize>((m * CHUNK + s - s0) * np0) << 3) + jb, acc);
      }
    }
  }
}

/** Samples [b0, b1) of the forward mode pass along M channels (see MlpKernel.jvp). */
export function jvp(net: usize, job: usize): void {
  const M = li(job, J_M);
  const batch = li(job, J_BATCH);
  const scr = lp(job, J_SCR);
  const sMask = scr + scratchOffset(net, M, R_MASK);
  const sPre = scr + scratchOffset(net, M, R_PRE);
  const sXB = scr + scratchOffset(net, M, R_XB);
  const sG = scr + scratchOffset(net, M, R_G);
  const sC = scr + scratchOffset(net, M, R_C);
  const sZ0 = scr + scratchOffset(net, M, R_Z0);
  const sDS = scr + scratchOffset(net, M, R_DS);
  const sDC = scr + scratchOffset(net, M, R_DC);
  const sDZ0 = scr + scratchOffset(net, M, R_DZ0);
  const sDZ = scr + scratchOffset(net, M, R_DZ);
  const sW0 = scr + scratchOffset(net, M, R_V); // Σ_t ĝ_t of layer 0 (the adjoint's region, unused here)
  const sAT = scr + scratchOffset(net, M, R_A); // a_t of layer 0's closed form (another adjoint region)
  firstLayerFactors(net, sAT);
  const b1 = li(job, J_B1);
  const ctr = lp(job, J_CTR);
  // Chunks of CHUNK samples: this job's range in order, or (threads, J_CTR set) whichever chunk of J_CSZ is next,
  // taken from a shared counter, so no thread idles while another still has samples. Every output is per sample (the
  // Stein counter uses the global sample index), so the assignment does not change any result.
  let next = li(job, J_B0);
  for (;;) {
    let cs = next;
    let ce = 0;
    if (ASC_FEATURE_THREADS && ctr != 0) {
      const csz = li(job, J_CSZ);
      cs = atomic.add<i32>(ctr, csz);
      if (cs >= batch) break;
      ce = min(cs + csz, batch);
    } else {
      if (cs >= b1) break;
      ce = min(cs + CHUNK, b1);
      next = ce;
    }
    inputTangents(net, job, cs, ce, sDZ0);
    for (let b = cs; b < ce; b++) jvpSample(net, job, b, b - cs, sMask, sPre, sG, sC, sZ0, sDS, sDC, sDZ0, sDZ, sW0, sAT, sXB);
  }
}

/** Sample b (index c in its chunk) of the tangent pass: primal, slopes, every channel's tangent, readouts. */
function jvpSample(net: usize, job: usize, b: i32, c: i32, sMask: usize, sPre: usize, sG: usize, sC: usize, sZ0: usize, sDS: usize, sDC: usize, sDZ0: usize, sDZ: usize, sW0: usize, sAT: usize, sXB: usize): void {
  const L = li(net, D_L);
  const T = li(net, D_T);
  const dIn = li(net, D_DIN);
  const dOut = li(net, D_DOUT);
  const Np = li(net, D_NP);
  const P = li(net, D_P);
  const wtSize = li(net, D_WTSIZE);
  const x = lp(job, J_X);
  const y = lp(job, J_Y);
  const batch = li(job, J_BATCH);
  const M = li(job, J_M);
  const dwtBase = lp(job, J_DWT);
  const dBBase = lp(job, J_DB);
  const start = lp(job, J_START);
  const dy = lp(job, J_DY);
  const dP = lp(job, J_DP);
  const hid = lp(job, J_HID);
  const hidd = lp(job, J_HIDD);
  const lzero = lp(job, J_LZERO);
  const NpB = <usize>Np << 3;
  const TNp = T * Np;
  const TNpB = <usize>TNp << 3;
  const np0 = li(layer(net, 0), L_NP);
  {
    const xb = x + (<usize>(b * dIn) << 3);
    primalSample(net, xb, sZ0, sMask, sPre, sC);
    sampleSlopes(net, sPre, sG, TNp, b, sXB);
    scaleFirstSlopes(net, sG, sW0, sAT);
    memory.fill(sDC, 0, <usize>M * NpB);
    for (let l = 0; l < L; l++) {
      const offB = <usize>li(layer(net, l), L_OFF) << 3;
      for (let m = 0; m < M; m++) {
        const st = load<i32>(start + (<usize>m << 2));
        if (st > l) continue;
        if (l == 0) {
          firstLayerTangent(net, sDZ0 + (<usize>((m * CHUNK + c) * np0) << 3), sG, sW0, sDS + <usize>m * TNpB, sDC + <usize>m * NpB, L > 1);
          continue;
        }
        const zeroParams = load<i32>(lzero + (<usize>(m * L + l) << 2)) != 0;
        tangentLayer(net, l, dBBase + <usize>m * NpB + offB, dwtBase + (<usize>(m * wtSize) << 3), zeroParams, st < l, sMask, sG, sDS + <usize>m * TNpB, sDC + <usize>m * NpB, sDZ);
      }
    }
    readout(net, sC, y + (<usize>(b * dOut) << 3));
    if (hid != 0) {
      const N = li(net, D_N);
      hiddenRates(net, sC, hid + (<usize>(b * N) << 3));
      for (let m = 0; m < M; m++) hiddenRates(net, sDC + <usize>m * NpB, hidd + (<usize>((m * batch + b) * N) << 3));
    }
    readoutTangent(net, sC, sDC, dP, M, start, dy, b, batch, Np, P, lp(job, J_DRWT));
  }
}

function readoutTangent(net: usize, C: usize, DC: usize, dP: usize, M: i32, start: usize, dy: usize, b: i32, batch: i32, Np: i32, P: i32, drwt: usize): void {
  const L = li(net, D_L);
  const Lm = L - 1;
  const T = <f64>li(net, D_T);
  const dOut = li(net, D_DOUT);
  const ly = layer(net, Lm);
  const lastOff = li(ly, L_OFF);
  const h = li(ly, L_N);
  const linear = li(net, D_LINEAR) != 0;
  const rbOff = li(net, D_RB);
  const last = C + (<usize>lastOff << 3);
  const dOutP = dOut + (dOut & 1);
  for (let m = 0; m < M; m++) {
    const out = dy + (<usize>((m * batch + b) * dOut) << 3);
    const dl = DC + (<usize>(m * Np + lastOff) << 3);
    const live = load<i32>(start + (<usize>m << 2)) <= Lm;
    if (!linear) {
      for (let o = 0; o < dOut; o++) store<f64>(out + (<usize>o << 3), live ? load<f64>(dl + (<usize>o << 3)) / T : 0.0);
      continue;
    }
    // (Σ_i dW[o][i]·c[i] + Σ_i W[o][i]·dc[i] (live channels)) / T + db[o].
    const dW = drwt + (<usize>(m * h * dOutP) << 3);
    readoutProducts(dW, lp(net, D_RWT), last, dl, live, h, dOut, T, dP + (<usize>(m * P + rbOff) << 3), out);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Adjoint
// ---------------------------------------------------------------------------------------------------------

/**
 * V vectors (from j0) of a_l for all steps, t = T−1 … 0, in registers: a = ∂L/∂S · g + λ a, the padded bias
 * gradient gB += a, and either (FIRST, layer 0) Σ_t a into A0 or (layers above) the a rows into A. GS: ∂L/∂S is
 * the same for every step (the last layer's, from the readout). LEAK1: λ = 1, and 1·a = a exactly, so the
 * product is left out of the chain.
 */
// @ts-ignore: decorator
@inline function adjointTile(
  V: i32,
  GS: bool,
  FIRST: bool,
  LEAK1: bool,
  T: i32,
  j0: i32,
  gsrc: usize,
  G: usize,
  A: usize,
  rowNpB: usize,
  gB: usize,
  A0: usize,
  leakV: v128,
): void {
  const jb = <usize>j0 << 3;
  let a0 = ZERO;
  let a1 = ZERO;
  let a2 = ZERO;
  let a3 = ZERO;
  const gbj = gB + jb;
  let b0 = v128.load(gbj, 0);
  let b1 = ZERO;
  let b2 = ZERO;
  let b3 = ZERO;
  if (V > 1) b1 = v128.load(gbj, 16);
  if (V > 2) {
    b2 = v128.load(gbj, 32);
    b3 = v128.load(gbj, 48);
  }
  let s0 = ZERO;
  let s1 = ZERO;
  let s2 = ZERO;
  let s3 = ZERO;
  let g0 = ZERO;
  let g1 = ZERO;
  let g2 = ZERO;
  let g3 = ZERO;
  const gsj = gsrc + jb;
  if (GS) {
    g0 = v128.load(gsj, 0);
    if (V > 1) g1 = v128.load(gsj, 16);
    if (V > 2) {
      g2 = v128.load(gsj, 32);
      g3 = v128.load(gsj, 48);
    }
  }
  const Gj = G + jb;
  const Aj = A + jb;
  for (let t = T - 1; t >= 0; t--) {
    const row = <usize>t * rowNpB;
    if (!GS) {
      const q = gsj + row;
      g0 = v128.load(q, 0);
      if (V > 1) g1 = v128.load(q, 16);
      if (V > 2) {
        g2 = v128.load(q, 32);
        g3 = v128.load(q, 48);
      }
    }
    const gr = Gj + row;
    a0 = f64x2.add(f64x2.mul(g0, v128.load(gr, 0)), LEAK1 ? a0 : f64x2.mul(leakV, a0));
    b0 = f64x2.add(b0, a0);
    if (FIRST) s0 = f64x2.add(s0, a0);
    if (V > 1) {
      a1 = f64x2.add(f64x2.mul(g1, v128.load(gr, 16)), LEAK1 ? a1 : f64x2.mul(leakV, a1));
      b1 = f64x2.add(b1, a1);
      if (FIRST) s1 = f64x2.add(s1, a1);
    }
    if (V > 2) {
      a2 = f64x2.add(f64x2.mul(g2, v128.load(gr, 32)), LEAK1 ? a2 : f64x2.mul(leakV, a2));
      a3 = f64x2.add(f64x2.mul(g3, v128.load(gr, 48)), LEAK1 ? a3 : f64x2.mul(leakV, a3));
      b2 = f64x2.add(b2, a2);
      b3 = f64x2.add(b3, a3);
      if (FIRST) {
        s2 = f64x2.add(s2, a2);
        s3 = f64x2.add(s3, a3);
      }
    }
    if (!FIRST) {
      const ar = Aj + row;
      v128.store(ar, a0, 0);
      if (V > 1) v128.store(ar, a1, 16);
      if (V > 2) {
        v128.store(ar, a2, 32);
        v128.store(ar, a3, 48);
      }
    }
  }
  v128.store(gbj, b0, 0);
  if (V > 1) v128.store(gbj, b1, 16);
  if (V > 2) {
    v128.store(gbj, b2, 32);
    v128.store(gbj, b3, 48);
  }
  if (FIRST) {
    const q = A0 + jb;
    v128.store(q, s0, 0);
    if (V > 1) v128.store(q, s1, 16);
    if (V > 2) {
      v128.store(q, s2, 32);
      v128.store(q, s3, 48);
    }
  }
}

/** adjointTile over a layer's np (padded) neurons: tiles of 8, then 4, then 2. */
// @ts-ignore: decorator
@inline function adjointLayer(GS: bool, FIRST: bool, LEAK1: bool, T: i32, np: i32, gsrc: usize, G: usize, A: usize, rowNpB: usize, gB: usize, A0: usize, leakV: v128): void {
  let j = 0;
  for (; j + 8 <= np; j += 8) adjointTile(4, GS, FIRST, LEAK1, T, j, gsrc, G, A, rowNpB, gB, A0, leakV);
  if (j + 4 <= np) {
    adjointTile(2, GS, FIRST, LEAK1, T, j, gsrc, G, A, rowNpB, gB, A0, leakV);
    j += 4;
  }
  if (j < np) adjointTile(1, GS, FIRST, LEAK1, T, j, gsrc, G, A, rowNpB, gB, A0, leakV);
}

/**
 * TB steps (from the A and GS row pointers, rows rowB apart) × V vectors (2V inputs from i0) of
 * ∂L/∂S_{l−1}[t] = W_lᵀ a_l[t] (+ ∂L/∂r_{l−1}/T): acc = 0; acc += W[o][i] a[o] for o ascending, vectorised
 * across inputs on the row-padded weights (each input keeps the reference's order), register-blocked over
 * two steps that share the weight loads.
 */
// @ts-ignore: decorator
@inline function backBlock(TB: i32, V: i32, i0: i32, wp: usize, rowWp: usize, A: usize, n: i32, out: usize, rowB: usize, gh: usize): void {
  const ib = <usize>i0 << 3;
  let a0 = ZERO;
  let a1 = ZERO;
  let a2 = ZERO;
  let a3 = ZERO;
  let e0 = ZERO;
  let e1 = ZERO;
  let e2 = ZERO;
  let e3 = ZERO;
  let w = wp + ib;
  let ap = A;
  for (let o = 0; o < n; o++) {
    const w0 = v128.load(w, 0);
    let w1 = ZERO;
    let w2 = ZERO;
    let w3 = ZERO;
    if (V > 1) w1 = v128.load(w, 16);
    if (V > 2) {
      w2 = v128.load(w, 32);
      w3 = v128.load(w, 48);
    }
    const av = v128.load64_splat(ap);
    a0 = f64x2.add(a0, f64x2.mul(w0, av));
    if (V > 1) a1 = f64x2.add(a1, f64x2.mul(w1, av));
    if (V > 2) {
      a2 = f64x2.add(a2, f64x2.mul(w2, av));
      a3 = f64x2.add(a3, f64x2.mul(w3, av));
    }
    if (TB > 1) {
      const bv = v128.load64_splat(ap + rowB);
      e0 = f64x2.add(e0, f64x2.mul(w0, bv));
      if (V > 1) e1 = f64x2.add(e1, f64x2.mul(w1, bv));
      if (V > 2) {
        e2 = f64x2.add(e2, f64x2.mul(w2, bv));
        e3 = f64x2.add(e3, f64x2.mul(w3, bv));
      }
    }
    w += rowWp;
    ap += 8;
  }
  if (gh != 0) {
    // The reference adds Wᵀa to ∂L/∂S already holding ∂L/∂r / T.
    const g = gh + ib;
    const g0 = v128.load(g, 0);
    let g1 = ZERO;
    let g2 = ZERO;
    let g3 = ZERO;
    if (V > 1) g1 = v128.load(g, 16);
    if (V > 2) {
      g2 = v128.load(g, 32);
      g3 = v128.load(g, 48);
    }
    a0 = f64x2.add(g0, a0);
    a1 = f64x2.add(g1, a1);
    a2 = f64x2.add(g2, a2);
    a3 = f64x2.add(g3, a3);
    if (TB > 1) {
      e0 = f64x2.add(g0, e0);
      e1 = f64x2.add(g1, e1);
      e2 = f64x2.add(g2, e2);
      e3 = f64x2.add(g3, e3);
    }
  }
  const ob = out + ib;
  v128.store(ob, a0, 0);
  if (V > 1) v128.store(ob, a1, 16);
  if (V > 2) {
    v128.store(ob, a2, 32);
    v128.store(ob, a3, 48);
  }
  if (TB > 1) {
    const oc = ob + rowB;
    v128.store(oc, e0, 0);
    if (V > 1) v128.store(oc, e1, 16);
    if (V > 2) {
      v128.store(oc, e2, 32);
      v128.store(oc, e3, 48);
    }
  }
}

// @ts-ignore: decorator
@inline function backRows(TB: i32, nInP: i32, wp: usize, rowWp: usize, A: usize, n: i32, out: usize, rowB: usize, gh: usize): void {
  let i = 0;
  for (; i + 8 <= nInP; i += 8) backBlock(TB, 4, i, wp, rowWp, A, n, out, rowB, gh);
  if (i + 4 <= nInP) {
    backBlock(TB, 2, i, wp, rowWp, A, n, out, rowB, gh);
    i += 4;
  }
  if (i < nInP) backBlock(TB, 1, i, wp, rowWp, A, n, out, rowB, gh);
}

/**
 * Samples [b0, b1) of the adjoint pass: accumulates into this thread's J_GRAD (parameters, with the bias
 * gradients kept padded in J_GB and the hidden weights transposed in J_GWT until `finishVjp`) and writes
 * ∂L/∂x of its samples to J_GX (none when J_GX is 0).
 */
export function vjp(net: usize, job: usize): void {
  const L = li(net, D_L);
  const T = li(net, D_T);
  const dIn = li(net, D_DIN);
  const dOut = li(net, D_DOUT);
  const Np = li(net, D_NP);
  const MW = li(net, D_MW);
  const signed = li(net, D_SIGNED) != 0;
  const linear = li(net, D_LINEAR) != 0;
  const leakV = f64x2.splat(load<f64>(net + D_LEAK));
  const leak1 = load<f64>(net + D_LEAK) == 1.0;
  const Tf = <f64>T;
  const TV = f64x2.splat(Tf);
  // x / T is x · (1/T) bit for bit when T is a power of two (1/T exact; both are x·2^−k correctly rounded).
  const pow2T = (T & (T - 1)) == 0;
  const invTV = f64x2.splat(1.0 / Tf);
  const p = lp(net, D_PARAMS);
  const wpBase = lp(net, D_WP);
  const x = lp(job, J_X);
  const tS = lp(job, J_TS);
  const tG = lp(job, J_TG);
  const gy = lp(job, J_GY);
  const grad = lp(job, J_GRAD);
  const gwtBase = lp(job, J_GWT);
  const gx = lp(job, J_GX);
  const gB = lp(job, J_GB);
  const gh = lp(job, J_GH);
  const Nu = li(net, D_N);
  const scr = lp(job, J_SCR);
  const sA = scr + scratchOffset(net, 0, R_A);
  const sGS = scr + scratchOffset(net, 0, R_GS);
  const NpB = <usize>Np << 3;
  const TNpB = <usize>T * NpB;
  const maskRowB = <usize>MW << 3;
  const A0 = scr + scratchOffset(net, 0, R_V);
  const COUT = A0 + 2 * NpB;
  const tC = lp(job, J_TC);
  const GHT = COUT + NpB; // ∂L/∂r / T of the sample, padded
  const CG = GHT + NpB; // the last layer's ∂L/∂S with it
  const last = L - 1;
  const lyLast = layer(net, last);
  const lastOffB = <usize>li(lyLast, L_OFF) << 3;
  const hLast = li(lyLast, L_N);
  const rwOff = li(net, D_RW);
  const rbOff = li(net, D_RB);
  const ly0 = layer(net, 0);
  const n0 = li(ly0, L_N);
  const w0 = li(ly0, L_WOFF);
  const b1 = li(job, J_B1);
  for (let b = li(job, J_B0); b < b1; b++) {
    const gyb = gy + (<usize>(b * dOut) << 3);
    const mask = tS + <usize>(b * T) * maskRowB;
    const G = tG + <usize>b * TNpB;
    memory.fill(COUT, 0, NpB);
    if (linear) {
      // rate_i = Σ_t s_i[t]: the forward pass's spike counts (the same sums of ±1 and 0 from 0, in t order).
      const RATE = tC + <usize>b * NpB + lastOffB;
      const h2B = <usize>(hLast & ~1) << 3;
      for (let o = 0; o < dOut; o++) {
        const gv = load<f64>(gyb + (<usize>o << 3));
        if (gv == 0) continue;
        const row = <usize>(rwOff + o * hLast) << 3;
        // Element-wise, two inputs per instruction: grad[o][i] += (gv·rate_i)/T, COUT[i] += (W[o][i]·gv)/T.
        const gvV = f64x2.splat(gv);
        let ib: usize = 0;
        for (; ib < h2B; ib += 16) {
          const gq = grad + row + ib;
          v128.store(gq, f64x2.add(v128.load(gq), divT(f64x2.mul(gvV, v128.load(RATE + ib)), TV, invTV, pow2T)));
          const cq = COUT + ib;
          v128.store(cq, f64x2.add(v128.load(cq), divT(f64x2.mul(v128.load(p + row + ib), gvV), TV, invTV, pow2T)));
        }
        if (hLast & 1) {
          const gq = grad + row + ib;
          store<f64>(gq, load<f64>(gq) + (gv * load<f64>(RATE + ib)) / Tf);
          const cq = COUT + ib;
          store<f64>(cq, load<f64>(cq) + (load<f64>(p + row + ib) * gv) / Tf);
        }
        const bq = grad + (<usize>(rbOff + o) << 3);
        store<f64>(bq, load<f64>(bq) + gv);
      }
    } else {
      for (let i = 0; i < hLast; i++) store<f64>(COUT + (<usize>i << 3), load<f64>(gyb + (<usize>i << 3)) / Tf);
    }
    let lastG = COUT;
    if (gh != 0) {
      memory.fill(GHT, 0, NpB);
      const ghb = gh + (<usize>(b * Nu) << 3);
      for (let l = 0; l < L; l++) {
        const ly = layer(net, l);
        const n = li(ly, L_N);
        const d = GHT + (<usize>li(ly, L_OFF) << 3);
        const src = ghb + (<usize>li(ly, L_UOFF) << 3);
        for (let j = 0; j < n; j++) store<f64>(d + (<usize>j << 3), load<f64>(src + (<usize>j << 3)) / Tf);
      }
      const npLastB = <usize>li(lyLast, L_NP) << 3;
      for (let jb: usize = 0; jb < npLastB; jb += 16) v128.store(CG + jb, f64x2.add(v128.load(COUT + jb), v128.load(GHT + lastOffB + jb)));
      lastG = CG;
    }
    for (let l = last; l >= 0; l--) {
      const ly = layer(net, l);
      const n = li(ly, L_N);
      const np = li(ly, L_NP);
      const offB = <usize>li(ly, L_OFF) << 3;
      // a_l[t] for all t (descending), bias gradient, Σ_t a for layer 0.
      const gsConst = l == last;
      const gsrc = gsConst ? lastG : sGS + offB;
      const Gl = G + offB;
      const Al = l > 0 ? sA + offB : 0;
      const gBl = gB + offB;
      const A0l = l == 0 ? A0 : 0;
      if (gsConst) {
        if (l == 0) {
          if (leak1) adjointLayer(true, true, true, T, np, gsrc, Gl, Al, NpB, gBl, A0l, leakV);
          else adjointLayer(true, true, false, T, np, gsrc, Gl, Al, NpB, gBl, A0l, leakV);
        } else if (leak1) adjointLayer(true, false, true, T, np, gsrc, Gl, Al, NpB, gBl, A0l, leakV);
        else adjointLayer(true, false, false, T, np, gsrc, Gl, Al, NpB, gBl, A0l, leakV);
      } else if (l == 0) {
        if (leak1) adjointLayer(false, true, true, T, np, gsrc, Gl, Al, NpB, gBl, A0l, leakV);
        else adjointLayer(false, true, false, T, np, gsrc, Gl, Al, NpB, gBl, A0l, leakV);
      } else if (leak1) adjointLayer(false, false, true, T, np, gsrc, Gl, Al, NpB, gBl, A0l, leakV);
      else adjointLayer(false, false, false, T, np, gsrc, Gl, Al, NpB, gBl, A0l, leakV);
      if (l == 0) {
        const xb = x + (<usize>(b * dIn) << 3);
        const gxb = gx + (<usize>(b * dIn) << 3);
        const d2B = <usize>(dIn & ~1) << 3;
        for (let o = 0; o < n0; o++) {
          const ao = load<f64>(A0 + (<usize>o << 3));
          const aoV = f64x2.splat(ao);
          const row = <usize>(w0 + o * dIn) << 3;
          // Element-wise, two inputs per instruction: ∂L/∂W0[o][i] += a_o·x_i, ∂L/∂x_i += W0[o][i]·a_o.
          let ib: usize = 0;
          for (; ib < d2B; ib += 16) {
            const gq = grad + row + ib;
            v128.store(gq, f64x2.add(v128.load(gq), f64x2.mul(aoV, v128.load(xb + ib))));
          }
          if (gx != 0) for (let jb: usize = 0; jb < d2B; jb += 16) v128.store(gxb + jb, f64x2.add(v128.load(gxb + jb), f64x2.mul(v128.load(p + row + jb), aoV)));
          if (dIn & 1) {
            const gq = grad + row + ib;
            store<f64>(gq, load<f64>(gq) + ao * load<f64>(xb + ib));
            if (gx != 0) store<f64>(gxb + ib, load<f64>(gxb + ib) + load<f64>(p + row + ib) * ao);
          }
        }
        continue;
      }
      const lb = layer(net, l - 1);
      const nInP = li(ly, L_NINP);
      const inOffB = <usize>li(ly, L_INOFF) << 3;
      const wp = wpBase + (<usize>li(ly, L_WP) << 3);
      const rowWp = <usize>nInP << 3;
      const gwt = gwtBase + (<usize>li(ly, L_WT) << 3);
      const rowGwt = <usize>np << 3;
      const inMw = <usize>li(lb, L_MW) << 3;
      const inNw = li(lb, L_NW);
      const ghIn = gh != 0 ? GHT + inOffB : 0;
      for (let t = T - 1; t >= 0; t--) {
        const at = sA + <usize>t * NpB + offB;
        // ∂L/∂W_l[o, i] += a[o] s_{l−1}[i] for the spiking inputs (transposed, vectorised over o).
        const mrow = mask + <usize>t * maskRowB + inMw;
        for (let w = 0; w < inNw; w++) {
          let m = load<u64>(mrow + (<usize>w << 3));
          const ng: u64 = signed ? load<u64>(mrow + (<usize>(inNw + w) << 3)) : 0;
          while (m != 0) {
            const bit = ctz<u64>(m);
            m &= m - 1;
            const col = gwt + (<usize>(w << 6) + <usize>bit) * rowGwt;
            for (let jb: usize = 0; jb < rowGwt; jb += 16) v128.store(col + jb, f64x2.add(v128.load(col + jb), v128.load(at + jb)));
          }
          let q = ng;
          while (q != 0) {
            const bit = ctz<u64>(q);
            q &= q - 1;
            const col = gwt + (<usize>(w << 6) + <usize>bit) * rowGwt;
            // s = −1: gwt + (−1)·a = gwt − a exactly.
            for (let jb: usize = 0; jb < rowGwt; jb += 16) v128.store(col + jb, f64x2.sub(v128.load(col + jb), v128.load(at + jb)));
          }
        }
      }
      // ∂L/∂S_{l−1}[t] = W_lᵀ a[t] (+ ∂L/∂r_{l−1} / T) for all t, two steps at a time.
      let t = 0;
      for (; t + 2 <= T; t += 2) backRows(2, nInP, wp, rowWp, sA + <usize>t * NpB + offB, n, sGS + <usize>t * NpB + inOffB, NpB, ghIn);
      if (t < T) backRows(1, nInP, wp, rowWp, sA + <usize>t * NpB + offB, n, sGS + <usize>t * NpB + inOffB, NpB, ghIn);
    }
  }
}

/** v / T lane by lane (as a multiplication by the exact 1/T when T is a power of two: the same bits). */
// @ts-ignore: decorator
@inline function divT(v: v128, TV: v128, invTV: v128, pow2: bool): v128 {
  return pow2 ? f64x2.mul(v, invTV) : f64x2.div(v, TV);
}

/**
 * Moves this thread's padded bias gradients and transposed hidden-weight gradients into its J_GRAD (the
 * reference's final addTransposed). The host then sums the threads' J_GRAD in thread order.
 */
export function finishVjp(net: usize, job: usize): void {
  const L = li(net, D_L);
  const p = lp(job, J_GRAD);
  const gB = lp(job, J_GB);
  const gwt = lp(job, J_GWT);
  for (let l = 0; l < L; l++) {
    const ly = layer(net, l);
    const n = li(ly, L_N);
    const np = li(ly, L_NP);
    const nIn = li(ly, L_NIN);
    const bq = p + (<usize>li(ly, L_BOFF) << 3);
    const gbl = gB + (<usize>li(ly, L_OFF) << 3);
    for (let o = 0; o < n; o++) store<f64>(bq + (<usize>o << 3), load<f64>(gbl + (<usize>o << 3)));
    if (l == 0) continue;
    const wq = p + (<usize>li(ly, L_WOFF) << 3);
    const src = gwt + (<usize>li(ly, L_WT) << 3);
    for (let o = 0; o < n; o++) {
      for (let i = 0; i < nIn; i++) {
        const q = wq + (<usize>(o * nIn + i) << 3);
        store<f64>(q, load<f64>(q) + load<f64>(src + (<usize>(i * np + o) << 3)));
      }
    }
  }
}

/** Initialise this thread's padded bias gradient from J_GRAD (thread 0) or zero, and clear J_GWT. */
export function startVjp(net: usize, job: usize, fromGrad: i32): void {
  const L = li(net, D_L);
  const Np = li(net, D_NP);
  const p = lp(job, J_GRAD);
  const gB = lp(job, J_GB);
  memory.fill(gB, 0, <usize>Np << 3);
  memory.fill(lp(job, J_GWT), 0, <usize>li(net, D_WTSIZE) << 3);
  if (fromGrad == 0) return;
  for (let l = 0; l < L; l++) {
    const ly = layer(net, l);
    const n = li(ly, L_N);
    const bq = p + (<usize>li(ly, L_BOFF) << 3);
    const gbl = gB + (<usize>li(ly, L_OFF) << 3);
    for (let o = 0; o < n; o++) store<f64>(gbl + (<usize>o << 3), load<f64>(bq + (<usize>o << 3)));
  }
}

/**
 * Test hook: dst[0..n) = exp(src[0..n)) (n even) through the kernels' vector path (neg != 0: the path for
 * arguments <= 0), with the same scalar fallback as the kernels.
 */
export function expArray(net: usize, src: usize, dst: usize, n: i32, neg: i32): void {
  const K = net + D_KTAB;
  for (let i = 0; i < n; i += 2) {
    const ib = <usize>i << 3;
    const x = v128.load(src + ib);
    if (i64x2.all_true(neg != 0 ? expNegOkMask(x, K) : expOkMask(x, K))) {
      v128.store(dst + ib, neg != 0 ? expNegCore(x, K) : expCore(x, K));
    } else if (neg != 0 && i64x2.all_true(expNegWideOkMask(x, K))) {
      v128.store(dst + ib, expNegWideCore(x, K));
    } else {
      expScalarPair(src + ib, dst + ib);
    }
  }
}

/** Test hook: dst[0..n) = the surrogate slopes (the pass's surrogate in the descriptor) at U_pre values src[0..n), n even. */
export function slopesArray(net: usize, src: usize, dst: usize, n: i32, xb: usize): void {
  slopes(net, src, dst, n, xb);
}

function expScalarPair(src: usize, dst: usize): void {
  store<f64>(dst, expScalar(load<f64>(src)));
  store<f64>(dst + 8, expScalar(load<f64>(src + 8)));
}

/** Test hook: dst[i] = f(src[i]) for i < n; f: 0 log, 1 cos2pi, 2 kernelCos, 3 kernelSin (assembly/stein.ts). */
export function detMathArray(src: usize, dst: usize, n: i32, which: i32): void {
  for (let i = 0; i < n; i++) {
    const x = load<f64>(src + (<usize>i << 3));
    const y = which == 0 ? detLog(x) : which == 1 ? cos2pi(x) : which == 2 ? kernelCos(x) : kernelSin(x);
    store<f64>(dst + (<usize>i << 3), y);
  }
}

/** The Stein slope d(x) for element `index` (an integer below 2^53) under the given constants (host checks). */
export function steinScalar(x: f64, index: f64, key: u32, sigma: f64, samples: i32, anti: i32, inv: f64): f64 {
  return steinD(x, <i64>index, key, sigma, samples, anti != 0, inv);
}

export { adjointLast, adjointPrefixRows, contractJob, contractRows, prefixAdjoint, prefixProduct, transposeRows } from './contract';
export { axpyRange, rademacherFill } from './vecops';
