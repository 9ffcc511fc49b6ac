/**
 * Configuration and parameter layout of spikegrad's networks.
 *
 * Parameters live in one flat Float64Array (so optimisers and gradient estimators treat them as one vector);
 * `ParamLayout` names the tensors inside it. Tensor names and shapes follow PyTorch's nn.Linear convention
 * (weight: [out, in], row-major; bias: [out]), so a safetensors file written by spikegrad loads with
 * `safetensors.torch.load_file` into the matching PyTorch module.
 */

/** The neuron of every spiking layer: U[t] = leak·U[t-1] + Z[t]; S = H(U − threshold); U ← U − S·threshold. */
export interface NeuronConfig {
  /** Firing threshold θ (> 0). Default 1. */
  threshold: number;
  /** Leak λ in [0, 1]; 1 is the integrate-and-fire neuron (no leak). Default 1. */
  leak: number;
  /** Ternary spikes: +1 when U ≥ θ, −1 when U ≤ −θ (subtract reset by ±θ). Default false. */
  signed: boolean;
}

/** How the network's output is read from the last layer. */
export type Readout = 'linear' | 'spike-rate';

/**
 * A spiking MLP. sizes = [d_in, h_1, …, h_L, d_out].
 * - readout 'linear': h_1 … h_L are spiking layers; the output is a non-spiking affine map of the last
 *   hidden layer's time-averaged spikes, y = (1/T) Σ_t (W_out S_L[t] + B_out).
 * - readout 'spike-rate': every layer, the output layer too, spikes; y = (1/T) Σ_t S_out[t].
 * The input x is the constant input current of layer 1 at every step.
 */
export interface MlpConfig {
  kind: 'mlp';
  sizes: number[];
  T: number;
  neuron: NeuronConfig;
  readout: Readout;
}

export interface TensorInfo {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

export interface ParamLayout {
  tensors: TensorInfo[];
  size: number;
}

export const DEFAULT_NEURON: NeuronConfig = { threshold: 1, leak: 1, signed: false };

export function layoutFrom(shapes: Array<[string, number[]]>): ParamLayout {
  const tensors: TensorInfo[] = [];
  let offset = 0;
  for (const [name, shape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    tensors.push({ name, shape, offset, size });
    offset += size;
  }
  return { tensors, size: offset };
}

/**
 * MLP tensor names: `layers.{i}.weight` [sizes[i+1], sizes[i]] and `layers.{i}.bias` for every spiking
 * layer i (0-based), then `readout.weight` [d_out, h_L] and `readout.bias` with the linear readout.
 */
export function mlpLayout(cfg: MlpConfig, prefix = ''): ParamLayout {
  return layoutFrom(mlpShapes(cfg, prefix));
}

export function mlpShapes(cfg: MlpConfig, prefix = ''): Array<[string, number[]]> {
  const s = cfg.sizes;
  const shapes: Array<[string, number[]]> = [];
  const nSpiking = cfg.readout === 'linear' ? s.length - 2 : s.length - 1;
  for (let i = 0; i < nSpiking; i++) {
    shapes.push([`${prefix}layers.${i}.weight`, [s[i + 1]!, s[i]!]]);
    shapes.push([`${prefix}layers.${i}.bias`, [s[i + 1]!]]);
  }
  if (cfg.readout === 'linear') {
    shapes.push([`${prefix}readout.weight`, [s[s.length - 1]!, s[s.length - 2]!]]);
    shapes.push([`${prefix}readout.bias`, [s[s.length - 1]!]]);
  }
  return shapes;
}
