/**
 * The spiking MLP: its three passes, side by side, so that each can be checked against the others.
 *
 *   forward  y = f(θ, x)                                   (`forward`)
 *   tangent  (y, ∂y/∂θ · V + ∂y/∂x · Vx) for M tangents    (`jvp`, forward mode, O(M × width) state)
 *   adjoint  (∂y/∂θ)ᵀ ḡ, (∂y/∂x)ᵀ ḡ                        (`vjp`, back-propagation through time)
 *
 * All three run sample by sample with the time loop fused inside: a sample's membrane state stays in a few
 * small arrays (cache), nothing is allocated per step, and a layer's input sums only the columns of the
 * weight matrix whose presynaptic neuron spiked (binary spikes are mostly zero).
 *
 * Model (see src/neurons/if-neuron.ts for the neuron): layer 1 receives Z₁ = W₁x + B₁ at every step;
 * layer l > 1 receives Z_l[t] = W_l S_{l−1}[t] + B_l. Readout 'linear': y = W_out r_L + B_out with
 * r_L = (1/T) Σ_t S_L[t]. Readout 'spike-rate': y = r_last.
 *
 * Weights are kept transposed ([in][out]) inside a kernel so that adding a column is a contiguous loop.
 */
import type { Surrogate } from '../neurons/surrogates.js';
import { validateNeuron } from '../neurons/if-neuron.js';
import { type MlpConfig, type ParamLayout, mlpLayout } from './types.js';

export interface PassOptions {
  surrogate: Surrogate;
  /** Replace H by the surrogate's smooth primitive in the forward (gradient checks). Reset stays hard. */
  smooth?: boolean;
  /** Offset added to the sample index in the Stein counter (sub-networks of one model use distinct ranges). */
  noiseOffset?: number;
}

/** Per-sample record of a forward pass that the adjoint pass reads: spikes and surrogate slopes per layer. */
/** Per-sample record of a forward pass that the adjoint pass reads. Row (b, t) holds all layers' neurons. */
export interface Tape {
  batch: number;
  /** [batch][T][N] surrogate derivative ∂S/∂U_pre of every spiking neuron (N = all layers' widths). */
  sg: Float64Array;
  /** [batch][T][N] spikes (or smooth values). */
  s: Float64Array;
}

export class MlpKernel {
  readonly cfg: MlpConfig;
  readonly layout: ParamLayout;
  /** Number of spiking layers. */
  readonly nSpiking: number;
  /** Width of spiking layer l. */
  readonly width: number[];
  /** Input size of spiking layer l. */
  readonly fanIn: number[];
  /** Offset of spiking layer l in the flat per-neuron arrays; N = total spiking neurons. */
  readonly nOff: number[];
  readonly N: number;
  readonly dIn: number;
  readonly dOut: number;
  /** Widest spiking layer: the stride of the Stein-sample counter, so every (sample, layer, t, neuron) is distinct. */
  readonly nMax: number;
  /** Offsets of W_l (row-major [out][in]) and B_l in the flat parameter vector. */
  readonly wOff: number[];
  readonly bOff: number[];
  readonly rwOff: number;
  readonly rbOff: number;
  /** Offset of W_l transposed ([in][out]) in `wt`. */
  readonly wtOff: number[];
  /** Parameter ranges [start, end) of each layer (spiking layers, then the readout), for layer-wise RFG. */
  readonly layerRanges: Array<[number, number]>;

  private wt: Float64Array;
  private params: Float64Array = new Float64Array(0);

  constructor(cfg: MlpConfig) {
    validateMlpConfig(cfg);
    this.cfg = cfg;
    this.layout = mlpLayout(cfg);
    const s = cfg.sizes;
    this.dIn = s[0]!;
    this.dOut = s[s.length - 1]!;
    this.nSpiking = cfg.readout === 'linear' ? s.length - 2 : s.length - 1;
    this.width = [];
    this.fanIn = [];
    this.wOff = [];
    this.bOff = [];
    this.nOff = [];
    this.wtOff = [];
    this.layerRanges = [];
    const t = this.layout.tensors;
    let n = 0;
    let w = 0;
    for (let l = 0; l < this.nSpiking; l++) {
      this.width.push(s[l + 1]!);
      this.fanIn.push(s[l]!);
      this.wOff.push(t[2 * l]!.offset);
      this.bOff.push(t[2 * l + 1]!.offset);
      this.nOff.push(n);
      this.wtOff.push(w);
      n += s[l + 1]!;
      w += s[l + 1]! * s[l]!;
      this.layerRanges.push([t[2 * l]!.offset, t[2 * l + 1]!.offset + t[2 * l + 1]!.size]);
    }
    this.N = n;
    this.wt = new Float64Array(w);
    this.nMax = Math.max(...this.width);
    if (cfg.readout === 'linear') {
      this.rwOff = t[2 * this.nSpiking]!.offset;
      this.rbOff = t[2 * this.nSpiking + 1]!.offset;
      this.layerRanges.push([this.rwOff, this.layout.size]);
    } else {
      this.rwOff = -1;
      this.rbOff = -1;
    }
  }

  get nParams(): number {
    return this.layout.size;
  }

  /** Load parameters (transposes the weights into the kernel's layout). Call again after every update. */
  setParams(params: Float64Array): void {
    if (params.length !== this.layout.size) {
      throw new Error(`parameter vector has ${params.length} entries, the network needs ${this.layout.size}`);
    }
    this.params = params;
    for (let l = 0; l < this.nSpiking; l++) transposeInto(params, this.wOff[l]!, this.width[l]!, this.fanIn[l]!, this.wt, this.wtOff[l]!);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Forward
  // ---------------------------------------------------------------------------------------------------------

  /**
   * y = f(θ, x) for a batch x [batch][d_in] → y [batch][d_out]. With a tape, also records spikes and
   * surrogate slopes for the adjoint pass. `rates`, if given, receives Σ_samples of each layer's mean
   * firing rate (|spikes| per neuron per step). `hidden`, if given ([batch][N]), receives every spiking
   * neuron's time-averaged spikes r = (1/T) Σ_t S[t] (what local-loss heads read).
   */
  forward(x: Float64Array, batch: number, opts: PassOptions, tape?: Tape, rates?: Float64Array, hidden?: Float64Array): Float64Array {
    this.checkInput(x, batch);
    const T = this.cfg.T;
    const { threshold: th, leak, signed } = this.cfg.neuron;
    const smooth = opts.smooth ? requireSmooth(opts.surrogate) : null;
    const sur = opts.surrogate;
    const L = this.nSpiking;
    const N = this.N;
    const nMax = this.nMax;
    const u = new Float64Array(N);
    const z = new Float64Array(N);
    const s = new Float64Array(N);
    const cnt = new Float64Array(N);
    const y = new Float64Array(batch * this.dOut);
    const noise0 = opts.noiseOffset ?? 0;
    const tS = tape ? tape.s : null;
    const tG = tape ? tape.sg : null;
    for (let b = 0; b < batch; b++) {
      this.inputCurrent(x, b, z);
      u.fill(0);
      cnt.fill(0);
      for (let t = 0; t < T; t++) {
        const row = (b * T + t) * N;
        for (let l = 0; l < L; l++) {
          if (l > 0) this.synapticInput(l, s, z);
          const off = this.nOff[l]!;
          const end = off + this.width[l]!;
          const noiseBase = (((noise0 + b) * L + l) * T + t) * nMax - off;
          for (let j = off; j < end; j++) {
            const uPre = leak * u[j]! + z[j]!;
            const sHard = uPre >= th ? 1 : signed && uPre <= -th ? -1 : 0;
            const sOut = smooth === null ? sHard : signed ? smooth(uPre - th) - smooth(-uPre - th) : smooth(uPre - th);
            u[j] = uPre - th * sHard;
            s[j] = sOut;
            cnt[j] += sOut;
            if (tS !== null) {
              tS[row + j] = sOut;
              const idx = noiseBase + j;
              tG![row + j] = signed ? sur.d(uPre - th, 2 * idx) + sur.d(-uPre - th, 2 * idx + 1) : sur.d(uPre - th, idx);
            }
          }
        }
      }
      this.readout(cnt, y, b);
      if (hidden) for (let j = 0; j < N; j++) hidden[b * N + j] = cnt[j]! / T;
      if (rates) {
        for (let l = 0; l < L; l++) {
          let a = 0;
          for (let j = this.nOff[l]!; j < this.nOff[l]! + this.width[l]!; j++) a += Math.abs(cnt[j]!);
          rates[l] += a / (T * this.width[l]!);
        }
      }
    }
    return y;
  }

  /** Layer 1's constant current z[0..n0) = B₁ + W₁ x_b. */
  private inputCurrent(x: Float64Array, b: number, z: Float64Array): void {
    const p = this.params;
    const dIn = this.dIn;
    const n0 = this.width[0]!;
    const bo = this.bOff[0]!;
    const wo = this.wOff[0]!;
    const xo = b * dIn;
    for (let o = 0; o < n0; o++) {
      let acc = p[bo + o]!;
      const row = wo + o * dIn;
      for (let i = 0; i < dIn; i++) acc += p[row + i]! * x[xo + i]!;
      z[o] = acc;
    }
  }

  /** z_l = B_l + W_l s_{l−1} (zero spikes skipped), in the flat neuron arrays. */
  private synapticInput(l: number, s: Float64Array, z: Float64Array): void {
    const n = this.width[l]!;
    const nIn = this.fanIn[l]!;
    const p = this.params;
    const wt = this.wt;
    const bo = this.bOff[l]!;
    const off = this.nOff[l]!;
    const inOff = this.nOff[l - 1]!;
    const w0 = this.wtOff[l]!;
    for (let o = 0; o < n; o++) z[off + o] = p[bo + o]!;
    for (let i = 0; i < nIn; i++) {
      const si = s[inOff + i]!;
      if (si === 0) continue;
      const col = w0 + i * n;
      if (si === 1) for (let o = 0; o < n; o++) z[off + o] += wt[col + o]!;
      else for (let o = 0; o < n; o++) z[off + o] += si * wt[col + o]!;
    }
  }

  /** y_b from the spike counts of the last layer. */
  private readout(cnt: Float64Array, y: Float64Array, b: number): void {
    const T = this.cfg.T;
    const dOut = this.dOut;
    const lastOff = this.nOff[this.nSpiking - 1]!;
    if (this.cfg.readout === 'spike-rate') {
      for (let o = 0; o < dOut; o++) y[b * dOut + o] = cnt[lastOff + o]! / T;
      return;
    }
    const p = this.params;
    const h = this.width[this.nSpiking - 1]!;
    for (let o = 0; o < dOut; o++) {
      let acc = 0;
      const row = this.rwOff + o * h;
      for (let i = 0; i < h; i++) acc += p[row + i]! * cnt[lastOff + i]!;
      y[b * dOut + o] = acc / T + p[this.rbOff + o]!;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Tangent (forward mode)
  // ---------------------------------------------------------------------------------------------------------

  /**
   * Forward mode along M tangents at once. `dParams` [M][P] holds the parameter tangents, `dx` (optional)
   * [M][batch][d_in] the input tangents. `firstLayer[m]` (optional) is the lowest layer whose parameters
   * channel m perturbs (layer-wise RFG): below it the channel's tangent is zero and is not computed.
   * Returns y [batch][d_out] and dy [M][batch][d_out]. Memory: O(M × width), independent of T and batch.
   *
   *   dZ_l[t] = dB_l + dW_l S_{l−1}[t] + W_l dS_{l−1}[t]     (layer 1: dB₁ + dW₁ x + W₁ dx, constant)
   *   dU_l[t] = λ dU_l[t−1] + dZ_l[t]                         (the reset carries no tangent)
   *   dS_l[t] = s'(U_pre − θ) dU_l[t]
   *   dy      = dW_out r_L + W_out dr_L + dB_out,  dr_L = (1/T) Σ_t dS_L[t]
   */
  jvp(
    x: Float64Array,
    batch: number,
    dParams: Float64Array,
    M: number,
    opts: PassOptions,
    dx?: Float64Array,
    firstLayer?: Int32Array,
    hidden?: { r: Float64Array; dr: Float64Array },
  ): { y: Float64Array; dy: Float64Array } {
    this.checkInput(x, batch);
    const P = this.layout.size;
    if (dParams.length !== M * P) throw new Error(`jvp: dParams has ${dParams.length} entries, expected ${M}×${P}`);
    if (dx && dx.length !== M * batch * this.dIn) throw new Error('jvp: dx has the wrong size');
    const T = this.cfg.T;
    const { threshold: th, leak, signed } = this.cfg.neuron;
    const smooth = opts.smooth ? requireSmooth(opts.surrogate) : null;
    const sur = opts.surrogate;
    const p = this.params;
    const wt = this.wt;
    const L = this.nSpiking;
    const N = this.N;
    const nMax = this.nMax;
    const dIn = this.dIn;
    const noise0 = opts.noiseOffset ?? 0;
    const start = new Int32Array(M);
    for (let m = 0; m < M; m++) start[m] = dx ? 0 : firstLayer ? firstLayer[m]! : 0;
    // Transposed weight tangents, channel-major: dwt[m*W + wtOff[l] + i*n + o].
    const W = wt.length;
    const dwt = new Float64Array(M * W);
    for (let m = 0; m < M; m++) {
      for (let l = 0; l < L; l++) {
        if (start[m]! > l) continue;
        transposeInto(dParams, m * P + this.wOff[l]!, this.width[l]!, this.fanIn[l]!, dwt, m * W + this.wtOff[l]!);
      }
    }
    const u = new Float64Array(N);
    const z = new Float64Array(N);
    const s = new Float64Array(N);
    const g = new Float64Array(N);
    const cnt = new Float64Array(N);
    const du = new Float64Array(M * N);
    const dz = new Float64Array(M * N);
    const ds = new Float64Array(M * N);
    const dcnt = new Float64Array(M * N);
    const y = new Float64Array(batch * this.dOut);
    const dy = new Float64Array(M * batch * this.dOut);
    const n0 = this.width[0]!;
    const b0 = this.bOff[0]!;
    const w0 = this.wOff[0]!;
    // Layer 0's current tangent dz is constant in time and the reset carries no gradient, so its potential
    // tangent is dU_t = a_t dz with a_t = λ a_{t−1} + 1 (a_0 = 1): with ĝ_t = a_t g_t (g: surrogate slopes),
    // dS_t = ĝ_t dz and its count Σ_t dS_t = (Σ_t ĝ_t) dz. Per channel that is one product per neuron (and T
    // for dS when a layer above needs it) instead of a recurrence over T; ĝ and Σ_t ĝ_t are per sample.
    const aT = new Float64Array(T);
    for (let t = 0, a = 0; t < T; t++) aT[t] = a = leak * a + 1;
    const gh0 = new Float64Array(n0);
    const wsum0 = new Float64Array(n0);
    for (let b = 0; b < batch; b++) {
      const xo = b * dIn;
      this.inputCurrent(x, b, z);
      // Tangent of the constant current: dB + dW x + W dx.
      for (let m = 0; m < M; m++) {
        if (start[m]! > 0) continue;
        const pm = m * P;
        for (let o = 0; o < n0; o++) {
          let acc = dParams[pm + b0 + o]!;
          const row = w0 + o * dIn;
          for (let i = 0; i < dIn; i++) acc += dParams[pm + row + i]! * x[xo + i]!;
          if (dx) {
            const dxo = (m * batch + b) * dIn;
            for (let i = 0; i < dIn; i++) acc += p[row + i]! * dx[dxo + i]!;
          }
          dz[m * N + o] = acc;
        }
      }
      u.fill(0);
      cnt.fill(0);
      du.fill(0);
      ds.fill(0);
      dcnt.fill(0);
      wsum0.fill(0);
      for (let t = 0; t < T; t++) {
        for (let l = 0; l < L; l++) {
          const n = this.width[l]!;
          const off = this.nOff[l]!;
          const end = off + n;
          if (l > 0) {
            this.synapticInput(l, s, z);
            const nIn = this.fanIn[l]!;
            const inOff = this.nOff[l - 1]!;
            const bo = this.bOff[l]!;
            const wl = this.wtOff[l]!;
            for (let m = 0; m < M; m++) {
              if (start[m]! > l) continue;
              const mo = m * N + off;
              const pm = m * P + bo;
              for (let o = 0; o < n; o++) dz[mo + o] = dParams[pm + o]!;
              const dwm = m * W + wl;
              for (let i = 0; i < nIn; i++) {
                const si = s[inOff + i]!;
                if (si === 0) continue;
                const col = dwm + i * n;
                for (let o = 0; o < n; o++) dz[mo + o] += si * dwt[col + o]!;
              }
              if (start[m]! < l) {
                const dsm = m * N + inOff;
                for (let i = 0; i < nIn; i++) {
                  const dsi = ds[dsm + i]!;
                  if (dsi === 0) continue;
                  const col = wl + i * n;
                  for (let o = 0; o < n; o++) dz[mo + o] += dsi * wt[col + o]!;
                }
              }
            }
          }
          const noiseBase = (((noise0 + b) * L + l) * T + t) * nMax - off;
          for (let j = off; j < end; j++) {
            const uPre = leak * u[j]! + z[j]!;
            const sHard = uPre >= th ? 1 : signed && uPre <= -th ? -1 : 0;
            const sOut = smooth === null ? sHard : signed ? smooth(uPre - th) - smooth(-uPre - th) : smooth(uPre - th);
            u[j] = uPre - th * sHard;
            s[j] = sOut;
            cnt[j] += sOut;
            const idx = noiseBase + j;
            g[j] = signed ? sur.d(uPre - th, 2 * idx) + sur.d(-uPre - th, 2 * idx + 1) : sur.d(uPre - th, idx);
          }
          if (l === 0) {
            const at = aT[t]!;
            for (let j = 0; j < n0; j++) {
              const gh = at * g[j]!;
              gh0[j] = gh;
              wsum0[j] += gh;
            }
            if (L > 1) {
              for (let m = 0; m < M; m++) {
                if (start[m]! > 0) continue;
                const mo = m * N;
                for (let j = 0; j < n0; j++) ds[mo + j] = gh0[j]! * dz[mo + j]!;
              }
            }
            continue;
          }
          for (let m = 0; m < M; m++) {
            if (start[m]! > l) continue;
            const mo = m * N;
            for (let j = off; j < end; j++) {
              const d = leak * du[mo + j]! + dz[mo + j]!;
              du[mo + j] = d;
              const dsj = g[j]! * d;
              ds[mo + j] = dsj;
              dcnt[mo + j] += dsj;
            }
          }
        }
      }
      for (let m = 0; m < M; m++) {
        if (start[m]! > 0) continue;
        const mo = m * N;
        for (let j = 0; j < n0; j++) dcnt[mo + j] = dz[mo + j]! * wsum0[j]!;
      }
      this.readout(cnt, y, b);
      if (hidden) {
        // Time-averaged spikes [batch][N] and their tangents [M][batch][N] (local-loss heads).
        for (let j = 0; j < N; j++) hidden.r[b * N + j] = cnt[j]! / T;
        for (let m = 0; m < M; m++) for (let j = 0; j < N; j++) hidden.dr[(m * batch + b) * N + j] = dcnt[m * N + j]! / T;
      }
      this.readoutTangent(cnt, dcnt, dParams, M, start, dy, b, batch);
    }
    return { y, dy };
  }

  private readoutTangent(
    cnt: Float64Array,
    dcnt: Float64Array,
    dParams: Float64Array,
    M: number,
    start: Int32Array,
    dy: Float64Array,
    b: number,
    batch: number,
  ): void {
    const T = this.cfg.T;
    const dOut = this.dOut;
    const Lm = this.nSpiking - 1;
    const lastOff = this.nOff[Lm]!;
    const h = this.width[Lm]!;
    const N = this.N;
    const P = this.layout.size;
    const p = this.params;
    for (let m = 0; m < M; m++) {
      const out = (m * batch + b) * dOut;
      const dl = m * N + lastOff;
      if (this.cfg.readout === 'spike-rate') {
        for (let o = 0; o < dOut; o++) dy[out + o] = start[m]! <= Lm ? dcnt[dl + o]! / T : 0;
        continue;
      }
      const pm = m * P;
      for (let o = 0; o < dOut; o++) {
        const row = this.rwOff + o * h;
        let acc = 0;
        for (let i = 0; i < h; i++) acc += dParams[pm + row + i]! * cnt[lastOff + i]!;
        if (start[m]! <= Lm) for (let i = 0; i < h; i++) acc += p[row + i]! * dcnt[dl + i]!;
        dy[out + o] = acc / T + dParams[pm + this.rbOff + o]!;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Adjoint (back-propagation through time)
  // ---------------------------------------------------------------------------------------------------------

  /** A tape for `forward` to fill: O(batch × T × N) memory, the price of reverse mode. */
  newTape(batch: number): Tape {
    const n = batch * this.cfg.T * this.N;
    return { batch, sg: new Float64Array(n), s: new Float64Array(n) };
  }

  /**
   * Given a tape of `forward(x)` and gy = ∂L/∂y [batch][d_out], accumulates ∂L/∂θ into `grad` (length P)
   * and returns ∂L/∂x [batch][d_in]. With a_l[t] = ∂L/∂Z_l[t] (reset detached):
   *   a_l[t] = s'_l[t] · ḡS_l[t] + λ a_l[t+1]
   *   ∂L/∂W_l += Σ_t a_l[t] S_{l−1}[t]ᵀ,  ∂L/∂B_l += Σ_t a_l[t],  ḡS_{l−1}[t] = W_lᵀ a_l[t]
   *   readout: ∂L/∂W_out = ḡy r_Lᵀ, ∂L/∂B_out = ḡy, ḡS_L[t] = W_outᵀ ḡy / T
   * `gHidden` ([batch][N], optional) is ∂L/∂r for every neuron's time-averaged spikes (local losses).
   */
  vjp(x: Float64Array, tape: Tape, gy: Float64Array, grad: Float64Array, gHidden?: Float64Array, inputGrad = true): Float64Array {
    const batch = tape.batch;
    this.checkInput(x, batch);
    if (gy.length !== batch * this.dOut) throw new Error('vjp: gy has the wrong size');
    if (grad.length !== this.layout.size) throw new Error('vjp: grad has the wrong size');
    const T = this.cfg.T;
    const leak = this.cfg.neuron.leak;
    const p = this.params;
    const wt = this.wt;
    const L = this.nSpiking;
    const N = this.N;
    const dIn = this.dIn;
    const dOut = this.dOut;
    const tS = tape.s;
    const tG = tape.sg;
    const gx = new Float64Array(inputGrad ? batch * dIn : 0);
    const gS = new Float64Array(T * N); // ∂L/∂S for the current sample
    const a = new Float64Array(N);
    const a0sum = new Float64Array(this.width[0]!);
    const gwt = new Float64Array(wt.length);
    const last = L - 1;
    const lastOff = this.nOff[last]!;
    const hLast = this.width[last]!;
    const rate = new Float64Array(hLast);
    const cOut = new Float64Array(hLast);
    for (let b = 0; b < batch; b++) {
      const gyo = b * dOut;
      if (this.cfg.readout === 'linear') {
        rate.fill(0);
        for (let t = 0; t < T; t++) {
          const row = (b * T + t) * N + lastOff;
          for (let i = 0; i < hLast; i++) rate[i] += tS[row + i]!;
        }
        cOut.fill(0);
        for (let o = 0; o < dOut; o++) {
          const gv = gy[gyo + o]!;
          if (gv === 0) continue;
          const row = this.rwOff + o * hLast;
          for (let i = 0; i < hLast; i++) {
            grad[row + i] += (gv * rate[i]!) / T;
            cOut[i] += (p[row + i]! * gv) / T;
          }
          grad[this.rbOff + o] += gv;
        }
      } else {
        for (let i = 0; i < hLast; i++) cOut[i] = gy[gyo + i]! / T;
      }
      gS.fill(0);
      for (let t = 0; t < T; t++) gS.set(cOut, t * N + lastOff);
      if (gHidden) {
        // ∂L/∂r_j for the time-averaged spikes (local-loss heads) reaches every step as ∂L/∂S_j[t] += ∂L/∂r_j / T.
        for (let t = 0; t < T; t++) for (let j = 0; j < N; j++) gS[t * N + j] += gHidden[b * N + j]! / T;
      }
      for (let l = last; l >= 0; l--) {
        const n = this.width[l]!;
        const nIn = this.fanIn[l]!;
        const off = this.nOff[l]!;
        const end = off + n;
        const bo = this.bOff[l]! - off;
        const inOff = l > 0 ? this.nOff[l - 1]! : 0;
        const wl = this.wtOff[l]!;
        a.fill(0, off, end);
        if (l === 0) a0sum.fill(0);
        for (let t = T - 1; t >= 0; t--) {
          const row = (b * T + t) * N;
          const gRow = t * N;
          for (let j = off; j < end; j++) {
            const v = gS[gRow + j]! * tG[row + j]! + leak * a[j]!;
            a[j] = v;
            grad[bo + j] += v;
          }
          if (l === 0) {
            for (let o = 0; o < n; o++) a0sum[o] += a[o]!;
            continue;
          }
          for (let i = 0; i < nIn; i++) {
            // ∂L/∂W_l[o,i] += a[o] s_prev[i];  ∂L/∂s_prev[i] = Σ_o W_l[o,i] a[o].
            const si = tS[row + inOff + i]!;
            const col = wl + i * n;
            let acc = 0;
            if (si !== 0) {
              for (let o = 0; o < n; o++) {
                const ao = a[off + o]!;
                gwt[col + o] += si * ao;
                acc += wt[col + o]! * ao;
              }
            } else {
              for (let o = 0; o < n; o++) acc += wt[col + o]! * a[off + o]!;
            }
            gS[gRow + inOff + i] += acc;
          }
        }
        if (l === 0) {
          const xo = b * dIn;
          const wo = this.wOff[0]!;
          for (let o = 0; o < n; o++) {
            const ao = a0sum[o]!;
            const row = wo + o * dIn;
            for (let i = 0; i < dIn; i++) grad[row + i] += ao * x[xo + i]!;
            if (inputGrad) for (let i = 0; i < dIn; i++) gx[xo + i] += p[row + i]! * ao;
          }
        }
      }
    }
    for (let l = 1; l < L; l++) addTransposed(gwt, this.wtOff[l]!, this.width[l]!, this.fanIn[l]!, grad, this.wOff[l]!);
    return gx;
  }

  private checkInput(x: Float64Array, batch: number): void {
    if (!Number.isInteger(batch) || batch < 0) throw new Error(`batch must be a non-negative integer, got ${batch}`);
    if (x.length !== batch * this.dIn) throw new Error(`input has ${x.length} values, expected batch ${batch} × ${this.dIn}`);
    if (this.params.length !== this.layout.size) throw new Error('setParams must be called before running the network');
  }
}

export function validateMlpConfig(cfg: MlpConfig): void {
  const s = cfg.sizes;
  if (!Array.isArray(s) || s.length < (cfg.readout === 'linear' ? 3 : 2)) {
    throw new Error(`sizes must list input, hidden layers and output, got ${JSON.stringify(s)}`);
  }
  for (const n of s) if (!Number.isInteger(n) || n < 1) throw new Error(`layer sizes must be positive integers, got ${JSON.stringify(s)}`);
  if (!Number.isInteger(cfg.T) || cfg.T < 1) throw new Error(`T must be a positive integer, got ${cfg.T}`);
  if (cfg.readout !== 'linear' && cfg.readout !== 'spike-rate') throw new Error(`unknown readout '${String(cfg.readout)}'`);
  validateNeuron(cfg.neuron);
}

function requireSmooth(s: Surrogate): (x: number) => number {
  if (!s.smooth) throw new Error(`surrogate '${s.spec.name}' has no smooth primitive`);
  return s.smooth;
}

/** dst[dOff + i*nOut + o] = src[off + o*nIn + i]. */
function transposeInto(src: Float64Array, off: number, nOut: number, nIn: number, dst: Float64Array, dOff: number): void {
  for (let o = 0; o < nOut; o++) {
    const row = off + o * nIn;
    for (let i = 0; i < nIn; i++) dst[dOff + i * nOut + o] = src[row + i]!;
  }
}

/** grad[off + o*nIn + i] += src[sOff + i*nOut + o]. */
function addTransposed(src: Float64Array, sOff: number, nOut: number, nIn: number, grad: Float64Array, off: number): void {
  for (let o = 0; o < nOut; o++) {
    const row = off + o * nIn;
    for (let i = 0; i < nIn; i++) grad[row + i] += src[sOff + i * nOut + o]!;
  }
}

