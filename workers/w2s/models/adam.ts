/** Adam with L2 added to the gradient of decayed parameters (biases are not decayed). */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    private readonly params: Float64Array,
    private readonly grads: Float64Array,
    private readonly decay: Uint8Array,
    private readonly lr: number,
    private readonly l2: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = new Float64Array(params.length);
    this.v = new Float64Array(params.length);
  }

  step(): void {
    this.t++;
    const { params: p, grads: g, decay, m, v, beta1, beta2, eps, l2 } = this;
    const lrT = (this.lr * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] + (decay[i] ? l2 * p[i] : 0);
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      p[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + eps);
      g[i] = 0;
    }
  }
}
