// Train the Mexican-hat spiking MLP with layer-wise randomized forward gradients, using the library API.
// Run after `npm ci`: node examples/quickstart.mjs
import { MlpKernel, MlpRegression, initUniformFanIn, gaussian, bpGradient, RfgEstimator, Adam, Rng, mexicanHat } from 'spikegrad';
const cfg = { kind: 'mlp', sizes: [2, 16, 16, 1], T: 32, neuron: { threshold: 1, leak: 1, signed: false }, readout: 'linear' };
const rng = new Rng(0);
const net = new MlpKernel(cfg);
const params = initUniformFanIn(net.layout, rng);
const B = 256, x = new Float64Array(2 * B), y = new Float64Array(B);
for (let i = 0; i < B; i++) { x[2*i] = rng.range(-1, 1); x[2*i+1] = rng.range(-1, 1); y[i] = mexicanHat(x[2*i], x[2*i+1]); }
const loss = new MlpRegression(net, { surrogate: gaussian(0.5) }).setBatch(x, y, B);
const opt = new Adam(params.length), rfg = new RfgEstimator({ perturbation: 'layer', directions: 1, distribution: 'rademacher' });
for (let it = 0; it < 300; it++) { const { loss: l, grad } = rfg.estimate(loss, params, rng); opt.step(params, grad, 1e-2); if (it % 100 === 0) console.log(it, l.toExponential(3)); }
console.log('BP loss after', bpGradient(loss, params).loss.toExponential(3));
