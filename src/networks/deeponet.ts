/**
 * Spiking operator networks: DeepONet (this file) and SepONet (./seponet.ts) share one core, the
 * low-rank product of K "factor" networks (spiking MLPs with a linear readout to the latent size r):
 *
 *   y[i₀, i₁, …, i_d] = Σ_q Π_k F_k[i_k, q] + b₀,   F_k = net_k(inputs of factor k)  ([n_k][r])
 *
 * - DeepONet (K = 2): F₀ = branch(g) over the batch's functions, F₁ = trunk(x) over the query points:
 *   G(g)(x) = Σ_i b_i(g) t_i(x) + b₀. Each factor net runs once per step on its own input set (the trunk once
 *   on the grid, never per function); the combination is a matrix product.
 * - SepONet (K = 3): branch, trunk_t, trunk_x on the two coordinate grids: an outer product.
 *
 * Passes, given each factor's three passes (a spiking-MLP kernel: the TS reference or the wasm one, same bits):
 *   tangent:  dy = Σ_k Σ_q dF_k[i_k, q] Π_{j≠k} F_j[i_j, q] + db₀      (forward mode; dF_k from net_k's jvp)
 *             and ∇L·v = Σ_idx ḡy dy = db₀ Σ ḡy + Σ_k ⟨dF_k, G_k⟩ (G_k below; see `tangentMode`)
 *   adjoint:  G_k[i, q] = ∂L/∂F_k[i, q] = Σ_{idx: i_k = i} ḡy[idx] Π_{j≠k} F_j[i_j, q],  ∂L/∂b₀ = Σ ḡy,
 *             then net_k's vjp with ḡ = G_k.
 *
 * Local losses (LL; paper, section 4 remark): L = L_global + (1/N) Σ_n L_n over the N hidden spiking layers
 * of all factor nets. Hidden layer l of factor k gets a head, an affine map of its time-averaged spikes
 * r_l [n_k][width_l] to the latent size: F̃_{k,l} = r_l A_{k,l}ᵀ + c_{k,l} ([n_k][r]). Its local prediction
 * is the network's output with F_k replaced by F̃_{k,l} and every other factor (and b₀) unchanged:
 *   ŷ_{k,l}[idx] = Σ_q F̃_{k,l}[i_k, q] Π_{j≠k} F_j[i_j, q] + b₀,   L_{k,l} = mse(ŷ_{k,l}, target).
 * So the branch's hidden-layer head is combined with the real trunk output exactly like the real branch
 * output, and the trunk's head with the real branch output. L is one scalar function of all parameters; BP
 * and RFG both differentiate all of it (no stop-gradient: a local loss also reaches the other factors).
 * See docs/local-losses.md.
 *
 * Parameters: one flat vector, tensors `${factor}.layers.0.weight`, …, `${factor}.readout.bias` for each
 * factor in order, then `bias0` [1], then (with LL) `heads.${factor}.${l}.weight` [r, width_l] and `.bias` [r].
 * layerRanges (groups for layer-wise perturbation): every layer of every factor net, then bias0, then each
 * head (weight and bias together).
 *
 * Stein samples: factor k uses noiseOffset = base + k·2²⁴, so sub-networks draw independent samples.
 */
import type { Objective } from '../gradients/objective.js';
import type { Rng } from '../util/rng.js';
import { initUniformFanIn } from './init.js';
import { mse } from './loss.js';
import { createMlpKernel, type KernelOptions, type SpikingMlpKernel } from './kernel.js';
import type { PassOptions, Tape } from './mlp.js';
import { layoutFrom, mlpShapes, type MlpConfig, type ParamLayout } from './types.js';
import { type Contraction, tsContraction } from './contraction.js';
import { WasmContraction } from './wasm-contraction.js';
import { WasmMlpKernel, wasmModule } from './wasm-kernel.js';
import { WasmThreadPool } from './parallel-kernel.js';

export const NOISE_STRIDE = 2 ** 24;

/** One factor network: a spiking MLP with a linear readout to the latent size. */
export interface FactorSpec {
  name: string;
  mlp: MlpConfig;
}

export interface OperatorNetConfig {
  kind: 'deeponet' | 'seponet';
  /** Factor nets in the order of the output's axes (factor 0: the branch, over functions). */
  factors: FactorSpec[];
  /** Latent size r (DeepONet's p). */
  latent: number;
  /** Add one projection head per hidden spiking layer (local losses). */
  localLosses: boolean;
}

export type GroupInfo = { kind: 'factor'; factor: number; layer: number } | { kind: 'bias' } | { kind: 'head'; head: number };

/** A local-loss head on hidden layer `layer` of factor `factor`. */
export interface Head {
  factor: number;
  layer: number;
  /** Offsets of A [r][width] and c [r] in the flat vector. */
  wOff: number;
  bOff: number;
  width: number;
  /** Offset of the layer's neurons in the factor's hidden arrays [n][N]. */
  nOff: number;
  N: number;
}

export class OperatorNet {
  readonly kernels: SpikingMlpKernel[];
  /** Offset of factor k's parameters in the flat vector. */
  readonly pOff: number[];
  readonly b0Off: number;
  readonly heads: Head[];
  readonly layout: ParamLayout;
  readonly layerRanges: Array<[number, number]>;
  readonly groups: GroupInfo[];
  readonly r: number;
  /** The combination of the factor outputs: wasm SIMD with the wasm backend, else the reference (same bits). */
  readonly contraction: Contraction;
  private params: Float64Array = new Float64Array(0);

  /** `engine` picks the sub-networks' kernel (default: the TS reference; results are identical). */
  constructor(readonly cfg: OperatorNetConfig, engine: KernelOptions = {}) {
    const r = cfg.latent;
    if (!Number.isInteger(r) || r < 1) throw new Error(`latent size must be a positive integer, got ${r}`);
    if (cfg.factors.length < 2) throw new Error('an operator net needs a branch and at least one trunk');
    this.r = r;
    // With threads, one pool of workers serves every sub-network and the combination (they run one after
    // another within a step).
    const pooled = engine.backend === 'wasm' && (engine.threads ?? 1) > 1;
    const wc = engine.backend === 'wasm' ? new WasmContraction(pooled) : null;
    this.contraction = wc ?? tsContraction;
    const shapes: Array<[string, number[]]> = [];
    this.kernels = [];
    this.pOff = [];
    for (const f of cfg.factors) {
      if (f.mlp.readout !== 'linear') throw new Error(`factor ${f.name}: operator nets need the linear readout`);
      if (f.mlp.sizes[f.mlp.sizes.length - 1] !== r) throw new Error(`factor ${f.name}: output size must be the latent size ${r}`);
      const k = createMlpKernel(f.mlp, { ...engine, sharedPool: pooled });
      this.pOff.push(shapes.reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0));
      shapes.push(...mlpShapes(f.mlp, `${f.name}.`));
      this.kernels.push(k);
    }
    if (pooled) {
      const wk = this.kernels as WasmMlpKernel[];
      const pool = new WasmThreadPool(wasmModule(true), [...wk.map((k) => k.sharedMemory), wc!.sharedMemory], engine.threads!);
      wk.forEach((k, i) => k.attachPool(pool, i));
      wc!.attachPool(pool, wk.length);
    }
    shapes.push(['bias0', [1]]);
    this.heads = [];
    if (cfg.localLosses) {
      cfg.factors.forEach((f, k) => {
        const ker = this.kernels[k]!;
        for (let l = 0; l < ker.nSpiking; l++) {
          shapes.push([`heads.${f.name}.${l}.weight`, [r, ker.width[l]!]]);
          shapes.push([`heads.${f.name}.${l}.bias`, [r]]);
          const nOff = ker.width.slice(0, l).reduce((a, b) => a + b, 0);
          this.heads.push({ factor: k, layer: l, wOff: 0, bOff: 0, width: ker.width[l]!, nOff, N: ker.N });
        }
      });
    }
    this.layout = layoutFrom(shapes);
    const t = this.layout.tensors;
    this.b0Off = t.find((x) => x.name === 'bias0')!.offset;
    for (const h of this.heads) {
      const name = `heads.${cfg.factors[h.factor]!.name}.${h.layer}`;
      h.wOff = t.find((x) => x.name === `${name}.weight`)!.offset;
      h.bOff = t.find((x) => x.name === `${name}.bias`)!.offset;
    }
    this.layerRanges = [];
    this.groups = [];
    this.kernels.forEach((k, f) =>
      k.layerRanges.forEach(([a, b], layer) => {
        this.layerRanges.push([a + this.pOff[f]!, b + this.pOff[f]!]);
        this.groups.push({ kind: 'factor', factor: f, layer });
      }),
    );
    this.layerRanges.push([this.b0Off, this.b0Off + 1]);
    this.groups.push({ kind: 'bias' });
    this.heads.forEach((h, head) => {
      this.layerRanges.push([h.wOff, h.bOff + r]);
      this.groups.push({ kind: 'head', head });
    });
  }

  get nParams(): number {
    return this.layout.size;
  }

  get nFactors(): number {
    return this.kernels.length;
  }

  /** U(±1/√fan_in) for every weight and bias (factor nets and heads); b₀ = 0. */
  init(rng: Rng): Float64Array {
    const p = initUniformFanIn(this.layout, rng);
    p[this.b0Off] = 0;
    return p;
  }

  setParams(params: Float64Array): void {
    if (params.length !== this.layout.size) throw new Error(`parameter vector has ${params.length} entries, the network needs ${this.layout.size}`);
    this.params = params;
    this.kernels.forEach((k, f) => k.setParams(this.factorParams(params, f)));
  }

  factorParams(v: Float64Array, f: number): Float64Array {
    return v.subarray(this.pOff[f]!, this.pOff[f]! + this.kernels[f]!.nParams);
  }

  get b0(): number {
    return this.params[this.b0Off]!;
  }

  /** Pass options of factor f: its own range of Stein samples. */
  factorOpts(opts: PassOptions, f: number): PassOptions {
    return { ...opts, noiseOffset: (opts.noiseOffset ?? 0) + f * NOISE_STRIDE };
  }

  /** Whether factor f carries a head (then its passes must expose the hidden rates). */
  hasHead(f: number): boolean {
    return this.heads.some((h) => h.factor === f);
  }

  /** The full output [n₀][n₁]…[n_d] for factor inputs x_k [n_k][d_in,k] (forward pass only). */
  predict(params: Float64Array, inputs: Float64Array[], counts: number[], opts: PassOptions): Float64Array {
    this.setParams(params);
    const F = this.kernels.map((k, f) => k.forward(inputs[f]!, counts[f]!, this.factorOpts(opts, f)));
    const y = new Float64Array(counts.reduce((a, b) => a * b, 1));
    this.contraction.contract(F, counts, this.r, this.b0, y);
    return y;
  }

  /** Head h's projection F̃ [n][r] = r_l Aᵀ + c of the factor's hidden rates `hidden` [n][N]. */
  headForward(h: Head, hidden: Float64Array, n: number): Float64Array {
    const p = this.params;
    const r = this.r;
    const out = new Float64Array(n * r);
    for (let i = 0; i < n; i++) {
      const hr = i * h.N + h.nOff;
      for (let q = 0; q < r; q++) {
        let acc = p[h.bOff + q]!;
        const row = h.wOff + q * h.width;
        for (let j = 0; j < h.width; j++) acc += p[row + j]! * hidden[hr + j]!;
        out[i * r + q] = acc;
      }
    }
    return out;
  }

  /**
   * Adjoint of a head: with G = ∂L/∂F̃ [n][r], adds ∂L/∂A = Gᵀ r_l, ∂L/∂c = Σ_i G[i] into `grad` (full vector)
   * and ∂L/∂r_l = G A into `gHidden` [n][N].
   */
  headBackward(h: Head, hidden: Float64Array, n: number, G: Float64Array, grad: Float64Array, gHidden: Float64Array): void {
    const p = this.params;
    const r = this.r;
    for (let i = 0; i < n; i++) {
      const hr = i * h.N + h.nOff;
      for (let q = 0; q < r; q++) {
        const g = G[i * r + q]!;
        if (g === 0) continue;
        grad[h.bOff + q] += g;
        const row = h.wOff + q * h.width;
        for (let j = 0; j < h.width; j++) {
          grad[row + j] += g * hidden[hr + j]!;
          gHidden[hr + j] += g * p[row + j]!;
        }
      }
    }
  }

  /**
   * Tangent of a head along channel row `v` (full-vector tangent, or null: its parameters are not perturbed)
   * and hidden tangent `dr` [n][N] (or null):
   * dF̃ = r_l dAᵀ + dc + dr_l Aᵀ.
   */
  headTangent(h: Head, hidden: Float64Array, dr: Float64Array | null, v: Float64Array | null, n: number): Float64Array {
    const p = this.params;
    const r = this.r;
    const out = new Float64Array(n * r);
    for (let i = 0; i < n; i++) {
      const hr = i * h.N + h.nOff;
      for (let q = 0; q < r; q++) {
        let acc = 0;
        const row = h.wOff + q * h.width;
        if (v) {
          acc = v[h.bOff + q]!;
          for (let j = 0; j < h.width; j++) acc += v[row + j]! * hidden[hr + j]!;
        }
        if (dr) for (let j = 0; j < h.width; j++) acc += p[row + j]! * dr[hr + j]!;
        out[i * r + q] = acc;
      }
    }
    return out;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

function replaced(F: Float64Array[], k: number, v: Float64Array): Float64Array[] {
  const c = F.slice();
  c[k] = v;
  return c;
}

// -------------------------------------------------------------------------------------------------------------
// The regression objective
// -------------------------------------------------------------------------------------------------------------

/** L = mse(y, target) (+ (1/N) Σ_n mse(ŷ_n, target) with local losses), on one batch. */
export class OperatorRegression implements Objective {
  readonly nParams: number;
  readonly layerRanges: ReadonlyArray<readonly [number, number]>;
  protected inputs: Float64Array[] = [];
  protected counts: number[] = [];
  protected target: Float64Array = new Float64Array(0);

  /**
   * How lossAndJvp turns factor tangents dF_k into Σ_idx ḡy·dy: 'contracted' (default) as ⟨dF_k, G_k⟩ with
   * G_k = ∂L/∂F_k from one adjoint of the (non-spiking, multilinear) combination, O(|y|·r) once and
   * O(n_k·r) per tangent; 'explicit' forms each dy (O(|y|·r) per tangent). Same numbers; the spiking
   * sub-networks run in forward mode either way (no back-propagation through time).
   */
  tangentMode: 'contracted' | 'explicit' = 'contracted';

  constructor(readonly net: OperatorNet, readonly opts: PassOptions) {
    this.nParams = net.nParams;
    this.layerRanges = net.layerRanges;
  }

  /**
   * (k, dF_k) ↦ Σ_idx gy[idx] · (the combination of F with F_k replaced by dF_k), and in 'contracted' mode
   * the adjoints G_k it uses.
   */
  private directional(F: Float64Array[], gy: Float64Array): { along: (k: number, dFk: Float64Array) => number; G: Float64Array[] | null } {
    const { counts } = this;
    const r = this.net.r;
    if (this.tangentMode === 'explicit') return { along: (k, dFk) => this.net.contraction.contractDot(replaced(F, k, dFk), counts, r, gy), G: null };
    const G = F.map((a) => new Float64Array(a.length));
    this.net.contraction.contractAdjoint(F, counts, r, gy, G);
    return { along: (k, dFk) => dot(dFk, G[k]!), G };
  }

  /** Bind a batch: factor k's inputs x_k [n_k][d_in,k]; target [n₀][n₁]…, row-major. */
  setInputs(inputs: Float64Array[], counts: number[], target: Float64Array): this {
    const net = this.net;
    if (inputs.length !== net.nFactors || counts.length !== net.nFactors) throw new Error(`expected inputs for ${net.nFactors} factor nets`);
    net.kernels.forEach((k, f) => {
      if (inputs[f]!.length !== counts[f]! * k.dIn) throw new Error(`factor ${net.cfg.factors[f]!.name}: input has ${inputs[f]!.length} values, expected ${counts[f]} × ${k.dIn}`);
    });
    if (target.length !== counts.reduce((a, b) => a * b, 1)) throw new Error(`target has ${target.length} values, expected ${counts.join(' × ')}`);
    this.inputs = inputs;
    this.counts = counts;
    this.target = target;
    return this;
  }

  get outputSize(): number {
    return this.target.length;
  }

  private localWeight(): number {
    return this.net.heads.length > 0 ? 1 / this.net.heads.length : 0;
  }

  loss(params: Float64Array): number {
    const net = this.net;
    net.setParams(params);
    const hid: Array<Float64Array | undefined> = [];
    const F = net.kernels.map((k, f) => {
      const n = this.counts[f]!;
      const hidden = net.hasHead(f) ? new Float64Array(n * k.N) : undefined;
      hid.push(hidden);
      return k.forward(this.inputs[f]!, n, net.factorOpts(this.opts, f), undefined, undefined, hidden);
    });
    const y = this.net.contraction.contract(F, this.counts, net.r, net.b0, new Float64Array(this.outputSize));
    let L = mse(y, this.target);
    const lam = this.localWeight();
    for (const h of net.heads) {
      const Ft = net.headForward(h, hid[h.factor]!, this.counts[h.factor]!);
      this.net.contraction.contract(replaced(F, h.factor, Ft), this.counts, net.r, net.b0, y);
      L += lam * mse(y, this.target);
    }
    return L;
  }

  lossAndGrad(params: Float64Array, grad: Float64Array): number {
    const net = this.net;
    const { counts, inputs } = this;
    net.setParams(params);
    grad.fill(0);
    const tapes: Tape[] = [];
    const hid: Array<Float64Array | undefined> = [];
    const F = net.kernels.map((k, f) => {
      const n = counts[f]!;
      const tape = k.newTape(n);
      tapes.push(tape);
      const hidden = net.hasHead(f) ? new Float64Array(n * k.N) : undefined;
      hid.push(hidden);
      return k.forward(inputs[f]!, n, net.factorOpts(this.opts, f), tape, undefined, hidden);
    });
    const y = this.net.contraction.contract(F, counts, net.r, net.b0, new Float64Array(this.outputSize));
    const gy = new Float64Array(y.length);
    let L = mse(y, this.target, gy);
    const G = F.map((a) => new Float64Array(a.length));
    this.net.contraction.contractAdjoint(F, counts, net.r, gy, G);
    let gb0 = sum(gy);
    const gHidden = hid.map((h) => (h ? new Float64Array(h.length) : undefined));
    const lam = this.localWeight();
    for (const h of net.heads) {
      const n = counts[h.factor]!;
      const Ft = net.headForward(h, hid[h.factor]!, n);
      const Fh = replaced(F, h.factor, Ft);
      this.net.contraction.contract(Fh, counts, net.r, net.b0, y);
      L += lam * mse(y, this.target, gy);
      for (let i = 0; i < gy.length; i++) gy[i] *= lam;
      gb0 += sum(gy);
      const Gh = Fh.map((a) => new Float64Array(a.length));
      this.net.contraction.contractAdjoint(Fh, counts, net.r, gy, Gh);
      Gh.forEach((g, f) => {
        if (f === h.factor) return;
        const Gf = G[f]!;
        for (let i = 0; i < g.length; i++) Gf[i] += g[i]!;
      });
      net.headBackward(h, hid[h.factor]!, n, Gh[h.factor]!, grad, gHidden[h.factor]!);
    }
    net.kernels.forEach((k, f) => k.vjp(inputs[f]!, tapes[f]!, G[f]!, net.factorParams(grad, f), gHidden[f], false));
    grad[net.b0Off] = gb0;
    return L;
  }

  lossAndJvp(params: Float64Array, V: Float64Array, M: number, out: Float64Array, group?: Int32Array): number {
    const net = this.net;
    const { counts, inputs } = this;
    const P = net.nParams;
    const r = net.r;
    if (V.length !== M * P) throw new Error(`lossAndJvp: V has ${V.length} entries, expected ${M}×${P}`);
    net.setParams(params);
    const groupOf = (m: number): GroupInfo | null => (group && group[m]! >= 0 ? net.groups[group[m]!]! : null);
    // Factor tangents: dF[f][m] [n_f][r], or null where channel m does not perturb factor f.
    const F: Float64Array[] = [];
    const dF: Array<Array<Float64Array | null>> = [];
    const hid: Array<{ r: Float64Array; dr: Float64Array; slot: Int32Array; first: Int32Array } | undefined> = [];
    net.kernels.forEach((k, f) => {
      const n = counts[f]!;
      const Pf = k.nParams;
      const sel: number[] = [];
      const first: number[] = [];
      for (let m = 0; m < M; m++) {
        const g = groupOf(m);
        if (g === null) {
          sel.push(m);
          first.push(0);
        } else if (g.kind === 'factor' && g.factor === f) {
          sel.push(m);
          first.push(g.layer);
        }
      }
      const Ms = sel.length;
      const dP = new Float64Array(Ms * Pf);
      sel.forEach((m, j) => dP.set(V.subarray(m * P + net.pOff[f]!, m * P + net.pOff[f]! + Pf), j * Pf));
      const hidden = net.hasHead(f) ? { r: new Float64Array(n * k.N), dr: new Float64Array(Ms * n * k.N) } : undefined;
      const { y, dy } = k.jvp(inputs[f]!, n, dP, Ms, net.factorOpts(this.opts, f), undefined, Int32Array.from(first), hidden);
      F.push(y);
      const row: Array<Float64Array | null> = new Array<Float64Array | null>(M).fill(null);
      const slot = new Int32Array(M).fill(-1);
      sel.forEach((m, j) => {
        row[m] = dy.subarray(j * n * r, (j + 1) * n * r);
        slot[m] = j;
      });
      dF.push(row);
      hid.push(hidden ? { ...hidden, slot, first: Int32Array.from(first) } : undefined);
    });
    const y = this.net.contraction.contract(F, counts, r, net.b0, new Float64Array(this.outputSize));
    const gy = new Float64Array(y.length);
    let L = mse(y, this.target, gy);
    // ∇L·v_m = Σ_idx ḡy[idx] dy_m[idx], dy_m = Σ_f (F with F_f → dF_f[m]) + db₀[m].
    const sgy = sum(gy);
    const { along } = this.directional(F, gy);
    for (let m = 0; m < M; m++) {
      let d = V[m * P + net.b0Off]! * sgy;
      for (let f = 0; f < F.length; f++) {
        const t = dF[f]![m];
        if (t) d += along(f, t);
      }
      out[m] = d;
    }
    const lam = this.localWeight();
    net.heads.forEach((h, hi) => {
      const k = h.factor;
      const n = counts[k]!;
      const hk = hid[k]!;
      const Ft = net.headForward(h, hk.r, n);
      const Fh = replaced(F, k, Ft);
      this.net.contraction.contract(Fh, counts, r, net.b0, y);
      L += lam * mse(y, this.target, gy);
      const sg = sum(gy);
      const dir = this.directional(Fh, gy);
      const nN = n * net.kernels[k]!.N;
      // Contracted mode: ⟨dF̃, G̃⟩ = ⟨dc, Σ_i G̃_i⟩ + ⟨dA, G̃ᵀ r⟩ + ⟨dr, G̃ A⟩, the three summaries being exactly
      // what the head's adjoint accumulates (into a scratch gradient and hidden-rate adjoint).
      let hg: Float64Array | null = null;
      let hr: Float64Array | null = null;
      if (dir.G) {
        hg = new Float64Array(P);
        hr = new Float64Array(nN);
        net.headBackward(h, hk.r, n, dir.G[k]!, hg, hr);
      }
      const [wa, wb] = net.layerRanges[net.groups.findIndex((x) => x.kind === 'head' && x.head === hi)]!;
      for (let m = 0; m < M; m++) {
        const g = groupOf(m);
        let d = V[m * P + net.b0Off]! * sg;
        for (let f = 0; f < F.length; f++) {
          if (f === k) continue;
          const t = dF[f]![m];
          if (t) d += dir.along(f, t);
        }
        // The head's own tangent: its parameters (all-parameter channels and its group) and the hidden rates
        // (channels that perturb this sub-network at or below the head's layer).
        const ownParams = g === null || (g.kind === 'head' && g.head === hi);
        const j = hk.slot[m]!;
        const dr = j >= 0 && hk.first[j]! <= h.layer ? hk.dr.subarray(j * nN, (j + 1) * nN) : null;
        if (hg && hr) {
          if (ownParams) for (let i = wa; i < wb; i++) d += V[m * P + i]! * hg[i]!;
          if (dr) d += dot(dr, hr);
        } else if (ownParams || dr) {
          d += dir.along(k, net.headTangent(h, hk.r, dr, ownParams ? V.subarray(m * P, (m + 1) * P) : null, n));
        }
        out[m] += lam * d;
      }
    });
    return L;
  }
}

// -------------------------------------------------------------------------------------------------------------
// DeepONet
// -------------------------------------------------------------------------------------------------------------

export interface DeepONetOptions {
  /** Sensors of the input function (branch input size), e.g. 51. */
  sensors: number;
  /** Dimension of a query point (trunk input size), 1 for the Poisson problem. */
  coordDim: number;
  /** Hidden spiking layer widths of the branch and of the trunk, e.g. [32] each (paper). */
  branchHidden: number[];
  trunkHidden: number[];
  /** Latent size p (not published; default 32). */
  latent: number;
  T: number;
  neuron: MlpConfig['neuron'];
  localLosses: boolean;
}

export function deepONetConfig(o: DeepONetOptions): OperatorNetConfig {
  const mlp = (sizes: number[]): MlpConfig => ({ kind: 'mlp', sizes, T: o.T, neuron: { ...o.neuron }, readout: 'linear' });
  return {
    kind: 'deeponet',
    factors: [
      { name: 'branch', mlp: mlp([o.sensors, ...o.branchHidden, o.latent]) },
      { name: 'trunk', mlp: mlp([o.coordDim, ...o.trunkHidden, o.latent]) },
    ],
    latent: o.latent,
    localLosses: o.localLosses,
  };
}

/**
 * The DeepONet objective on a batch of (functions × points): the branch on the batch's B functions
 * (g at the sensors, [B][sensors]), the trunk once on the Q query points ([Q][coordDim]), target [B][Q].
 */
export class DeepONetRegression extends OperatorRegression {
  constructor(net: OperatorNet, opts: PassOptions) {
    if (net.cfg.kind !== 'deeponet' || net.nFactors !== 2) throw new Error('DeepONetRegression needs a DeepONet (branch and trunk)');
    super(net, opts);
  }

  setBatch(g: Float64Array, nFunctions: number, points: Float64Array, nPoints: number, target: Float64Array): this {
    return this.setInputs([g, points], [nFunctions, nPoints], target);
  }
}
