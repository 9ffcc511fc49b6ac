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
export interface Tape {
  batch: number;
  /** sg[l]: [batch][T][n_l] surrogate derivative ∂S/∂U_pre. */
  sg: Float64Array[];
  /** s[l]: [batch][T][n_l] spikes (or smooth values). */
  s: Float64Array[];
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
  readonly dIn: number;
  readonly dOut: number;
  /** Widest spiking layer: the stride of the Stein-sample counter, so every (sample, layer, t, neuron) is distinct. */
  readonly nMax: number;
  /** Offsets of W_l (row-major [out][in]) and B_l in the flat parameter vector. */
  readonly wOff: number[];
  readonly bOff: number[];
  readonly rwOff: number;
  readonly rbOff: number;
  /** Parameter ranges [start, end) of each layer (spiking layers, then the readout), for layer-wise RFG. */
  readonly layerRanges: Array<[number, number]>;

  private wt: Float64Array[] = [];
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
    this.layerRanges = [];
    const t = this.layout.tensors;
    for (let l = 0; l < this.nSpiking; l++) {
      this.width.push(s[l + 1]!);
      this.fanIn.push(s[l]!);
      this.wOff.push(t[2 * l]!.offset);
      this.bOff.push(t[2 * l + 1]!.offset);
      this.layerRanges.push([t[2 * l]!.offset, t[2 * l + 1]!.offset + t[2 * l + 1]!.size]);
    }
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
    if (this.wt.length !== this.nSpiking) this.wt = this.width.map((n, l) => new Float64Array(n * this.fanIn[l]!));
    for (let l = 0; l < this.nSpiking; l++) transposeInto(params, this.wOff[l]!, this.width[l]!, this.fanIn[l]!, this.wt[l]!);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Forward
  // ---------------------------------------------------------------------------------------------------------

  /**
   * y = f(θ, x) for a batch x [batch][d_in] → y [batch][d_out]. With a tape, also records spikes and
   * surrogate slopes for the adjoint pass. `rates`, if given, receives the summed firing rate per layer.
   */
  forward(x: Float64Array, batch: number, opts: PassOptions, tape?: Tape, rates?: Float64Array): Float64Array {
    this.checkInput(x, batch);
    const { T } = this.cfg;
    const { threshold: th, leak, signed } = this.cfg.neuron;
    const smooth = opts.smooth ? requireSmooth(opts.surrogate) : null;
    const sur = opts.surrogate;
    const p = this.params;
    const L = this.nSpiking;
    const u = this.width.map((n) => new Float64Array(n));
    const z = this.width.map((n) => new Float64Array(n));
    const sCur = this.width.map((n) => new Float64Array(n));
    const count = this.width.map((n) => new Float64Array(n));
    const y = new Float64Array(batch * this.dOut);
    const noise0 = opts.noiseOffset ?? 0;
    for (let b = 0; b < batch; b++) {
      // Constant input current of layer 1.
      const c0 = z[0]!;
      const n0 = this.width[0]!;
      const xo = b * this.dIn;
      for (let o = 0; o < n0; o++) {
        let acc = p[this.bOff[0]! + o]!;
        const row = this.wOff[0]! + o * this.dIn;
        for (let i = 0; i < this.dIn; i++) acc += p[row + i]! * x[xo + i]!;
        c0[o] = acc;
      }
      for (let l = 0; l < L; l++) {
        u[l]!.fill(0);
        count[l]!.fill(0);
      }
      for (let t = 0; t < T; t++) {
        for (let l = 0; l < L; l++) {
          const n = this.width[l]!;
          const ul = u[l]!;
          const sl = sCur[l]!;
          const zl = z[l]!;
          if (l > 0) this.synapticInput(l, sCur[l - 1]!, zl);
          const tapeOff = tape ? (b * T + t) * n : 0;
          const noiseBase = tape ? (((noise0 + b) * L + l) * T + t) * this.nMax : 0;
          for (let o = 0; o < n; o++) {
            const uPre = leak * ul[o]! + zl[o]!;
            let sHard: number;
            let sOut: number;
            if (uPre >= th) sHard = 1;
            else if (signed && uPre <= -th) sHard = -1;
            else sHard = 0;
            if (smooth) sOut = signed ? smooth(uPre - th) - smooth(-uPre - th) : smooth(uPre - th);
            else sOut = sHard;
            ul[o] = uPre - th * sHard;
            sl[o] = sOut;
            count[l]![o]! += sOut;
            if (tape) {
              tape.s[l]![tapeOff + o] = sOut;
              const idx = noiseBase + o;
              tape.sg[l]![tapeOff + o] = signed ? sur.d(uPre - th, 2 * idx) + sur.d(-uPre - th, 2 * idx + 1) : sur.d(uPre - th, idx);
            }
          }
        }
      }
      this.readout(count, T, y, b);
      if (rates) for (let l = 0; l < L; l++) rates[l]! += sumAbs(count[l]!) / (T * this.width[l]!);
    }
    return y;
  }

  /** z = B_l + W_l s (s the previous layer's spikes; zero entries skipped). */
  private synapticInput(l: number, s: Float64Array, z: Float64Array): void {
    const n = this.width[l]!;
    const nIn = this.fanIn[l]!;
    const p = this.params;
    const bo = this.bOff[l]!;
    for (let o = 0; o < n; o++) z[o] = p[bo + o]!;
    const wt = this.wt[l]!;
    for (let i = 0; i < nIn; i++) {
      const si = s[i]!;
      if (si === 0) continue;
      const col = i * n;
      if (si === 1) for (let o = 0; o < n; o++) z[o] += wt[col + o]!;
      else for (let o = 0; o < n; o++) z[o] += si * wt[col + o]!;
    }
  }

  private readout(count: Float64Array[], T: number, y: Float64Array, b: number): void {
    const dOut = this.dOut;
    const last = count[this.nSpiking - 1]!;
    if (this.cfg.readout === 'spike-rate') {
      for (let o = 0; o < dOut; o++) y[b * dOut + o] = last[o]! / T;
      return;
    }
    const p = this.params;
    const h = last.length;
    for (let o = 0; o < dOut; o++) {
      let acc = 0;
      const row = this.rwOff + o * h;
      for (let i = 0; i < h; i++) acc += p[row + i]! * last[i]!;
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
   */
  jvp(
    x: Float64Array,
    batch: number,
    dParams: Float64Array,
    M: number,
    opts: PassOptions,
    dx?: Float64Array,
    firstLayer?: Int32Array,
  ): { y: Float64Array; dy: Float64Array } {
    this.checkInput(x, batch);
    const P = this.layout.size;
    if (dParams.length !== M * P) throw new Error(`jvp: dParams has ${dParams.length} entries, expected ${M}×${P}`);
    if (dx && dx.length !== M * batch * this.dIn) throw new Error('jvp: dx has the wrong size');
    const { T } = this.cfg;
    const { threshold: th, leak, signed } = this.cfg.neuron;
    const smooth = opts.smooth ? requireSmooth(opts.surrogate) : null;
    const sur = opts.surrogate;
    const p = this.params;
    const L = this.nSpiking;
    const dIn = this.dIn;
    const noise0 = opts.noiseOffset ?? 0;
    // Channel start layers (dx perturbs layer 0 upwards).
    const start = new Int32Array(M);
    for (let m = 0; m < M; m++) start[m] = dx ? 0 : firstLayer ? firstLayer[m]! : 0;
    // Transposed weight tangents per channel and layer: dwt[l][m*n*nIn + i*n + o].
    const dwt = this.width.map((n, l) => {
      const nIn = this.fanIn[l]!;
      const a = new Float64Array(M * n * nIn);
      for (let m = 0; m < M; m++) {
        if (start[m]! > l) continue;
        const sub = a.subarray(m * n * nIn, (m + 1) * n * nIn);
        transposeInto(dParams, m * P + this.wOff[l]!, n, nIn, sub);
      }
      return a;
    });
    const u = this.width.map((n) => new Float64Array(n));
    const z = this.width.map((n) => new Float64Array(n));
    const sCur = this.width.map((n) => new Float64Array(n));
    const count = this.width.map((n) => new Float64Array(n));
    const du = this.width.map((n) => new Float64Array(M * n));
    const dz = this.width.map((n) => new Float64Array(M * n));
    const ds = this.width.map((n) => new Float64Array(M * n));
    const dcount = this.width.map((n) => new Float64Array(M * n));
    const gsl = this.width.map((n) => new Float64Array(n));
    const dc0 = new Float64Array(M * this.width[0]!);
    const y = new Float64Array(batch * this.dOut);
    const dy = new Float64Array(M * batch * this.dOut);
    const n0 = this.width[0]!;
    for (let b = 0; b < batch; b++) {
      const xo = b * dIn;
      const c0 = z[0]!;
      for (let o = 0; o < n0; o++) {
        let acc = p[this.bOff[0]! + o]!;
        const row = this.wOff[0]! + o * dIn;
        for (let i = 0; i < dIn; i++) acc += p[row + i]! * x[xo + i]!;
        c0[o] = acc;
      }
      // Tangent of the constant current: dB + dW x + W dx.
      for (let m = 0; m < M; m++) {
        if (start[m]! > 0) continue;
        const pm = m * P;
        for (let o = 0; o < n0; o++) {
          let acc = dParams[pm + this.bOff[0]! + o]!;
          const row = this.wOff[0]! + o * dIn;
          for (let i = 0; i < dIn; i++) acc += dParams[pm + row + i]! * x[xo + i]!;
          if (dx) {
            const dxo = (m * batch + b) * dIn;
            for (let i = 0; i < dIn; i++) acc += p[row + i]! * dx[dxo + i]!;
          }
          dc0[m * n0 + o] = acc;
        }
      }
      for (let l = 0; l < L; l++) {
        u[l]!.fill(0);
        count[l]!.fill(0);
        du[l]!.fill(0);
        dcount[l]!.fill(0);
        ds[l]!.fill(0);
      }
      for (let t = 0; t < T; t++) {
        for (let l = 0; l < L; l++) {
          const n = this.width[l]!;
          const nIn = this.fanIn[l]!;
          const ul = u[l]!;
          const zl = z[l]!;
          const sl = sCur[l]!;
          const dzl = l === 0 ? dc0 : dz[l]!;
          if (l > 0) {
            const sPrev = sCur[l - 1]!;
            const dsPrev = ds[l - 1]!;
            this.synapticInput(l, sPrev, zl);
            // dz = dB + dW s_prev + W ds_prev, per channel.
            const wt = this.wt[l]!;
            const dwtl = dwt[l]!;
            const bo = this.bOff[l]!;
            for (let m = 0; m < M; m++) {
              if (start[m]! > l) continue;
              const mo = m * n;
              const pm = m * P + bo;
              for (let o = 0; o < n; o++) dzl[mo + o] = dParams[pm + o]!;
              const dwm = m * n * nIn;
              for (let i = 0; i < nIn; i++) {
                const si = sPrev[i]!;
                if (si !== 0) {
                  const col = dwm + i * n;
                  for (let o = 0; o < n; o++) dzl[mo + o] += si * dwtl[col + o]!;
                }
              }
              if (start[m]! < l) {
                const dsm = m * nIn;
                for (let i = 0; i < nIn; i++) {
                  const dsi = dsPrev[dsm + i]!;
                  if (dsi === 0) continue;
                  const col = i * n;
                  for (let o = 0; o < n; o++) dzl[mo + o] += dsi * wt[col + o]!;
                }
              }
            }
          }
          const noiseBase = (((noise0 + b) * L + l) * T + t) * this.nMax;
          const dul = du[l]!;
          const dsl = ds[l]!;
          const dcl = dcount[l]!;
          const g = gsl[l]!;
          for (let o = 0; o < n; o++) {
            const uPre = leak * ul[o]! + zl[o]!;
            let sHard: number;
            if (uPre >= th) sHard = 1;
            else if (signed && uPre <= -th) sHard = -1;
            else sHard = 0;
            const sOut = smooth ? (signed ? smooth(uPre - th) - smooth(-uPre - th) : smooth(uPre - th)) : sHard;
            ul[o] = uPre - th * sHard;
            sl[o] = sOut;
            count[l]![o]! += sOut;
            const idx = noiseBase + o;
            g[o] = signed ? sur.d(uPre - th, 2 * idx) + sur.d(-uPre - th, 2 * idx + 1) : sur.d(uPre - th, idx);
          }
          for (let m = 0; m < M; m++) {
            if (start[m]! > l) continue;
            const mo = m * n;
            for (let o = 0; o < n; o++) {
              const d = leak * dul[mo + o]! + dzl[mo + o]!;
              dul[mo + o] = d;
              const dso = g[o]! * d;
              dsl[mo + o] = dso;
              dcl[mo + o] += dso;
            }
          }
        }
      }
      this.readout(count, T, y, b);
      this.readoutTangent(count, dcount, T, dParams, M, start, dy, b, batch);
    }
    return { y, dy };
  }

  private readoutTangent(
    count: Float64Array[],
    dcount: Float64Array[],
    T: number,
    dParams: Float64Array,
    M: number,
    start: Int32Array,
    dy: Float64Array,
    b: number,
    batch: number,
  ): void {
    const dOut = this.dOut;
    const Lm = this.nSpiking - 1;
    const last = count[Lm]!;
    const dlast = dcount[Lm]!;
    const h = last.length;
    const P = this.layout.size;
    const p = this.params;
    for (let m = 0; m < M; m++) {
      const out = (m * batch + b) * dOut;
      if (this.cfg.readout === 'spike-rate') {
        for (let o = 0; o < dOut; o++) dy[out + o] = start[m]! <= Lm ? dlast[m * h + o]! / T : 0;
        continue;
      }
      const pm = m * P;
      for (let o = 0; o < dOut; o++) {
        const row = this.rwOff + o * h;
        let acc = 0;
        for (let i = 0; i < h; i++) acc += dParams[pm + row + i]! * last[i]!;
        if (start[m]! <= Lm) for (let i = 0; i < h; i++) acc += p[row + i]! * dlast[m * h + i]!;
        dy[out + o] = acc / T + dParams[pm + this.rbOff + o]!;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Adjoint (back-propagation through time)
  // ---------------------------------------------------------------------------------------------------------

  /** A tape for `forward` to fill: O(batch × T × width) memory, the price of reverse mode. */
  newTape(batch: number): Tape {
    const T = this.cfg.T;
    return {
      batch,
      sg: this.width.map((n) => new Float64Array(batch * T * n)),
      s: this.width.map((n) => new Float64Array(batch * T * n)),
    };
  }

  /**
   * Given a tape of `forward(x)` and gy = ∂L/∂y [batch][d_out], accumulates ∂L/∂θ into `grad` (length P)
   * and returns ∂L/∂x [batch][d_in]. The reset carries no gradient: ∂U_pre[t+1]/∂U_pre[t] = λ.
   */
  vjp(x: Float64Array, tape: Tape, gy: Float64Array, grad: Float64Array): Float64Array {
    const batch = tape.batch;
    this.checkInput(x, batch);
    if (gy.length !== batch * this.dOut) throw new Error('vjp: gy has the wrong size');
    if (grad.length !== this.layout.size) throw new Error('vjp: grad has the wrong size');
    const { T } = this.cfg;
    const { leak } = this.cfg.neuron;
    const p = this.params;
    const L = this.nSpiking;
    const dIn = this.dIn;
    const dOut = this.dOut;
    const gx = new Float64Array(batch * dIn);
    // gS[l]: [T][n_l] gradient w.r.t. the spikes of layer l for the current sample.
    const gS = this.width.map((n) => new Float64Array(T * n));
    const a = this.width.map((n) => new Float64Array(n));
    const a0sum = new Float64Array(this.width[0]!);
    // Transposed weight gradients, transposed back at the end.
    const gwt = this.width.map((n, l) => new Float64Array(n * this.fanIn[l]!));
    const last = L - 1;
    const hLast = this.width[last]!;
    const rate = new Float64Array(hLast);
    const cOut = new Float64Array(hLast);
    for (let b = 0; b < batch; b++) {
      // Readout.
      const gyo = b * dOut;
      const sLast = tape.s[last]!;
      if (this.cfg.readout === 'linear') {
        rate.fill(0);
        for (let t = 0; t < T; t++) {
          const off = (b * T + t) * hLast;
          for (let i = 0; i < hLast; i++) rate[i] += sLast[off + i]!;
        }
        cOut.fill(0);
        for (let o = 0; o < dOut; o++) {
          const g = gy[gyo + o]!;
          if (g === 0) continue;
          const row = this.rwOff + o * hLast;
          for (let i = 0; i < hLast; i++) {
            grad[row + i] += (g * rate[i]!) / T;
            cOut[i] += (p[row + i]! * g) / T;
          }
          grad[this.rbOff + o] += g;
        }
      } else {
        for (let i = 0; i < hLast; i++) cOut[i] = gy[gyo + i]! / T;
      }
      const gl = gS[last]!;
      for (let t = 0; t < T; t++) gl.set(cOut, t * hLast);
      // Spiking layers, top to bottom, each in reverse time.
      for (let l = last; l >= 0; l--) {
        const n = this.width[l]!;
        const nIn = this.fanIn[l]!;
        const al = a[l]!;
        al.fill(0);
        const sg = tape.sg[l]!;
        const gSl = gS[l]!;
        const bo = this.bOff[l]!;
        const wt = this.wt[l]!;
        const gw = gwt[l]!;
        if (l === 0) a0sum.fill(0);
        const sPrev = l > 0 ? tape.s[l - 1]! : null;
        const gPrev = l > 0 ? gS[l - 1]! : null;
        for (let t = T - 1; t >= 0; t--) {
          const off = (b * T + t) * n;
          for (let o = 0; o < n; o++) {
            const v = gSl[t * n + o]! * sg[off + o]! + leak * al[o]!;
            al[o] = v;
            grad[bo + o] += v;
          }
          if (l === 0) {
            for (let o = 0; o < n; o++) a0sum[o] += al[o]!;
            continue;
          }
          const offPrev = (b * T + t) * nIn;
          for (let i = 0; i < nIn; i++) {
            // ∂L/∂W_l[o,i] += a[o] s_prev[i];  ∂L/∂s_prev[i] = Σ_o W_l[o,i] a[o].
            const si = sPrev![offPrev + i]!;
            const col = i * n;
            let acc = 0;
            if (si !== 0) {
              for (let o = 0; o < n; o++) {
                gw[col + o] += si * al[o]!;
                acc += wt[col + o]! * al[o]!;
              }
            } else {
              for (let o = 0; o < n; o++) acc += wt[col + o]! * al[o]!;
            }
            gPrev![t * nIn + i] = acc;
          }
        }
        if (l === 0) {
          const xo = b * dIn;
          const wo = this.wOff[0]!;
          for (let o = 0; o < n; o++) {
            const ao = a0sum[o]!;
            const row = wo + o * dIn;
            for (let i = 0; i < dIn; i++) {
              grad[row + i] += ao * x[xo + i]!;
              gx[xo + i] += p[row + i]! * ao;
            }
          }
        }
      }
    }
    for (let l = 1; l < L; l++) addTransposed(gwt[l]!, this.width[l]!, this.fanIn[l]!, grad, this.wOff[l]!);
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

/** dst[i*out + o] = src[off + o*nIn + i]. */
function transposeInto(src: Float64Array, off: number, nOut: number, nIn: number, dst: Float64Array): void {
  for (let o = 0; o < nOut; o++) {
    const row = off + o * nIn;
    for (let i = 0; i < nIn; i++) dst[i * nOut + o] = src[row + i]!;
  }
}

/** grad[off + o*nIn + i] += src[i*nOut + o]. */
function addTransposed(src: Float64Array, nOut: number, nIn: number, grad: Float64Array, off: number): void {
  for (let o = 0; o < nOut; o++) {
    const row = off + o * nIn;
    for (let i = 0; i < nIn; i++) grad[row + i] += src[i * nOut + o]!;
  }
}

function sumAbs(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]!);
  return s;
}
