/**
 * What a gradient estimator needs from a model and a batch: the loss by a forward pass, its gradient by the
 * adjoint pass, and directional derivatives along given tangents by the tangent pass. Networks implement
 * this once; every estimator (bp, rfg, weight perturbation) works on any of them unchanged.
 */
export interface Objective {
  readonly nParams: number;
  /** Parameter ranges [start, end) of the layers, for layer-wise perturbation. */
  readonly layerRanges: ReadonlyArray<readonly [number, number]>;
  /** Loss at `params` (forward pass only; the spike is the true Heaviside step). */
  loss(params: Float64Array): number;
  /** Loss and ∂L/∂θ by back-propagation through time; `grad` is overwritten. */
  lossAndGrad(params: Float64Array, grad: Float64Array): number;
  /**
   * Loss and the M directional derivatives out[m] = ∇L · V[m] (V: [M][nParams]) from one tangent pass.
   * `group[m]`, if given, is the layer (index into layerRanges) whose parameters tangent m perturbs, or −1
   * for all; it lets the pass skip the layers below it.
   */
  lossAndJvp(params: Float64Array, V: Float64Array, M: number, out: Float64Array, group?: Int32Array): number;
}

/** The result every estimator returns: a gradient (or its estimate) of the parameters' shape, and the loss. */
export interface GradientEstimate {
  loss: number;
  grad: Float64Array;
}
