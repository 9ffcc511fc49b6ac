/**
 * Counted multiply-accumulates (MACs) of one training step, from the shapes alone, and the machine's peak.
 *
 * What is counted: the synaptic matrix products, the readouts and the operator nets' combination, as a dense
 * implementation needs them (every presynaptic input counts, spiking or silent). Neuron updates, surrogate
 * evaluations, the loss and the estimator's g += d·v are not MACs and are not counted (the last is
 * M × P, under 0.1 % of any step here). The kernels skip silent presynaptic neurons (a binary spike is 0 or 1),
 * so they execute fewer multiplies than counted: GMAC/s is a dense-equivalent rate, the usual convention.
 *
 * Spiking MLP sizes [d₀, h₁, …, h_L, d_out], T steps, n samples (linear readout y = W_out r_L + b, r_L the
 * time-mean spikes; layer 1 gets the constant current W₁x + b₁, computed once per sample):
 *   forward    n · (d₀h₁ + T Σ_{l≥2} h_{l−1}h_l + h_L d_out)
 *   tangent    per global direction (all layers perturbed):
 *              n · (d₀h₁ [dW₁x] + 2T Σ_{l≥2} h_{l−1}h_l [dW_l S + W_l dS] + 2 h_L d_out [dW_out r + W_out dr])
 *              a layer-wise direction on layer s needs only dW_s·(its input) and W_l dS for the layers above
 *   adjoint    n · (d₀h₁ [∂W₁ = Σ_t a ⊗ x] + 2T Σ_{l≥2} h_{l−1}h_l [∂W_l += a Sᵀ, ḡS = W_lᵀ a] + 2 h_L d_out)
 *              (∂L/∂x is not needed and not counted)
 * so per hidden synapse a tangent direction costs two products and the adjoint two, against one forward.
 *
 * Operator nets (factor nets k with n_k samples, latent r; y[i₀, …] = Σ_q Π_k F_k[i_k, q] + b₀):
 *   combination forward   r · Σ_{k=1}^{K−1} Π_{j≤k} n_j   (DeepONet: n₀n₁r, a matrix product)
 *   combination adjoint   2 × that (G_k = ∂L/∂F_k for every factor)
 *   forward = Σ_k forward_k + combination forward
 *   tangent pass = forward + combination adjoint (spikegrad's 'contracted' tangent mode: ∇L·v = Σ_k ⟨dF_k, G_k⟩)
 *                  + per direction Σ_k (tangent_k + n_k r)
 *   adjoint = combination adjoint + Σ_k adjoint_k
 * For the MLP the loss gradient's dot with dy (n·d_out per direction) takes the place of ⟨dF_k, G_k⟩.
 *
 * Steps: forward = forward; bp = forward + adjoint; rfg-* = tangent pass with 1 (rfg-g), 8 (rfg-k8) global
 * directions or one direction per layer group (rfg-l).
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** One spiking MLP (a factor net or the whole model) evaluated on n samples. */
export interface NetShape {
  /** [d_in, hidden…, d_out], linear readout. */
  sizes: number[];
  /** Samples this net runs on per step. */
  n: number;
}

export interface PassMacs {
  forward: number;
  /** Fixed part of the tangent pass besides the forward (operator nets: the combination's adjoint). */
  tangentBase: number;
  /** Per global direction. */
  tangentGlobal: number;
  /** Per layer-wise direction, one entry per layer group (layerRanges order). */
  tangentLayer: number[];
  adjoint: number;
}

/** MACs of one MLP on n samples: forward, a tangent direction starting at layer s (s = 0: global), adjoint. */
function mlpMacs(net: NetShape, T: number): { forward: number; tangentFrom: (s: number) => number; adjoint: number; nGroups: number } {
  const z = net.sizes;
  const L = z.length - 2; // spiking layers; layer index L is the readout
  // Product sizes per layer l (0 … L): input layer once, hidden layers T times, readout once.
  const prod = (l: number): number => (l === 0 ? z[0]! * z[1]! : l < L ? T * z[l]! * z[l + 1]! : z[L]! * z[L + 1]!);
  let forward = 0;
  for (let l = 0; l <= L; l++) forward += prod(l);
  // A direction perturbing layers ≥ s: dW_l·input for every perturbed layer (global: all ≥ s = 0; layer-wise:
  // only s), W_l·dS for every layer above s (layer 0's input x has no tangent).
  const tangent = (s: number, global: boolean): number => {
    let m = 0;
    for (let l = s; l <= L; l++) {
      if (global || l === s) m += prod(l);
      if (l > s) m += prod(l);
    }
    return m;
  };
  let adjoint = prod(0);
  for (let l = 1; l <= L; l++) adjoint += 2 * prod(l);
  return {
    forward: net.n * forward,
    tangentFrom: (s: number) => net.n * (s < 0 ? tangent(0, true) : tangent(s, false)),
    adjoint: net.n * adjoint,
    nGroups: L + 1,
  };
}

/** The spiking MLP regression (one net, MSE on its d_out outputs). */
export function mlpPassMacs(net: NetShape, T: number): PassMacs {
  const m = mlpMacs(net, T);
  const dot = net.n * net.sizes[net.sizes.length - 1]!;
  return {
    forward: m.forward,
    tangentBase: 0,
    tangentGlobal: m.tangentFrom(-1) + dot,
    tangentLayer: Array.from({ length: m.nGroups }, (_, s) => m.tangentFrom(s) + dot),
    adjoint: m.adjoint,
  };
}

/**
 * An operator net: factor nets (in order: branch, trunks), latent r. Layer groups as OperatorNet.layerRanges:
 * every layer of every factor, then b₀ (a direction on b₀ alone costs no MAC).
 */
export function operatorPassMacs(factors: NetShape[], r: number, T: number): PassMacs {
  const ms = factors.map((f) => mlpMacs(f, T));
  let comb = 0;
  let rows = 1;
  for (let k = 0; k < factors.length; k++) {
    rows *= factors[k]!.n;
    if (k > 0) comb += rows * r;
  }
  const dots = factors.map((f) => f.n * r);
  const tangentLayer: number[] = [];
  ms.forEach((m, k) => {
    for (let s = 0; s < m.nGroups; s++) tangentLayer.push(m.tangentFrom(s) + dots[k]!);
  });
  tangentLayer.push(0);
  return {
    forward: ms.reduce((a, m) => a + m.forward, 0) + comb,
    tangentBase: 2 * comb,
    tangentGlobal: ms.reduce((a, m, k) => a + m.tangentFrom(-1) + dots[k]!, 0),
    tangentLayer,
    adjoint: 2 * comb + ms.reduce((a, m) => a + m.adjoint, 0),
  };
}

export type CountedStep = 'forward' | 'bp' | 'rfg-g' | 'rfg-l' | 'rfg-k8';

export function stepMacs(p: PassMacs, step: CountedStep): number {
  switch (step) {
    case 'forward':
      return p.forward;
    case 'bp':
      return p.forward + p.adjoint;
    case 'rfg-g':
      return p.forward + p.tangentBase + p.tangentGlobal;
    case 'rfg-k8':
      return p.forward + p.tangentBase + 8 * p.tangentGlobal;
    case 'rfg-l':
      return p.forward + p.tangentBase + p.tangentLayer.reduce((a, b) => a + b, 0);
  }
}

// -------------------------------------------------------------------------------------------------------------
// Peak of the machine
// -------------------------------------------------------------------------------------------------------------

export interface MachinePeak {
  /** Physical cores. */
  cores: number;
  ghz: number;
  /** float64 lanes of the widest SIMD the CPU flags announce. */
  lanes: number;
  isa: string;
  /** FMA units per core, in units of the full SIMD width. */
  fmaUnits: number;
  /** cores × GHz × lanes × FMA units: float64 GMAC/s. */
  gmacs: number;
  /** The same for what WebAssembly's 128-bit SIMD can issue (2 lanes, no FMA: a MAC is a mul and an add). */
  wasmGmacs: number;
  /** How the numbers were derived, one sentence each. */
  notes: string[];
}

/**
 * peak = cores × clock × float64 SIMD lanes × FMA units, from /proc/cpuinfo: the clock from `cpu MHz` (the
 * nominal clock; under a hypervisor the one the guest sees), lanes from the flags (avx512f 8, avx/avx2 4,
 * sse2 2), physical cores from the distinct (physical id, core id) pairs. FMA units cannot be read: 2 per
 * core of the full width (x86 server cores since Haswell / Zen 2), except AMD family 0x19 (Zen 3/4), whose
 * two FMA pipes are 256 bits wide (a 512-bit FMA takes both), so 1 unit of 8 lanes with AVX-512, and
 * without an `fma` flag 1 (a multiply and an add). float64 because spikegrad computes in float64.
 */
export function machinePeak(cpuinfo?: string): MachinePeak {
  let text = cpuinfo ?? '';
  if (cpuinfo === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      text = '';
    }
  }
  const blocks = text.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const field = (b: string, name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(b)?.[1]?.trim();
  const coreIds = new Set(blocks.map((b) => `${field(b, 'physical id') ?? '0'}:${field(b, 'core id') ?? field(b, 'processor')}`));
  const cores = coreIds.size || cpus().length;
  const mhz = Number(field(blocks[0] ?? '', 'cpu MHz') ?? NaN);
  const ghz = Number.isFinite(mhz) && mhz > 0 ? mhz / 1000 : (cpus()[0]?.speed ?? 0) / 1000;
  const flags = new Set((field(blocks[0] ?? '', 'flags') ?? '').split(/\s+/));
  const family = Number(field(blocks[0] ?? '', 'cpu family') ?? NaN);
  const vendor = field(blocks[0] ?? '', 'vendor_id') ?? '';
  const [lanes, isa] = flags.has('avx512f') ? [8, 'AVX-512'] : flags.has('avx2') || flags.has('avx') ? [4, flags.has('avx2') ? 'AVX2' : 'AVX'] : [2, 'SSE2'];
  const notes: string[] = [];
  let fmaUnits = 2;
  if (!flags.has('fma') && !flags.has('avx512f')) {
    fmaUnits = 1;
    notes.push('no FMA flag: one multiply and one add per lane and cycle');
  } else if (vendor === 'AuthenticAMD' && family === 0x19) {
    fmaUnits = lanes === 8 ? 1 : 2;
    notes.push(`AMD family 0x19 (Zen 3/4): two 256-bit FMA pipes${lanes === 8 ? ', a 512-bit FMA uses both: 1 unit of 8 lanes' : ''}`);
  } else notes.push(`2 FMA units of the full ${isa} width per core (assumed; not in /proc/cpuinfo)`);
  const gmacs = cores * ghz * lanes * fmaUnits;
  // wasm SIMD128: 2 float64 lanes; no fused multiply-add in baseline wasm SIMD, so a MAC is a multiply and an
  // add; with two multiply-capable and two add pipes that is 2 MACs of 2 lanes per cycle.
  const wasmGmacs = cores * ghz * 2 * 2;
  return { cores, ghz, lanes, isa, fmaUnits, gmacs, wasmGmacs, notes };
}
