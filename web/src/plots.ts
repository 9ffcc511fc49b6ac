/** Hand-written plots: SVG line charts (linear or log y), canvas heatmaps and spike rasters, SVG rate bars. */

const SVG_NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function viewBox(svg: SVGSVGElement): { w: number; h: number } {
  const vb = svg.viewBox.baseVal;
  return { w: vb.width, h: vb.height };
}

export interface Series {
  label: string;
  points: ReadonlyArray<readonly [number, number]>;
  color: string;
  /** SVG stroke-dasharray, e.g. '5 3'. */
  dash?: string;
  width?: number;
}

export interface ChartOptions {
  logY: boolean;
  xLabel: string;
  yLabel: string;
  /** Fixed x range (default: the data's). */
  xRange?: [number, number];
  /** Message drawn when there is no data. */
  empty?: string;
}

/** Short tick labels: 1, 0.1, 0.01, 1e-4, 250, 1.5k. */
export function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4) return `${+(v / 1000).toPrecision(3)}k`;
  if (a >= 1e-3) return String(+v.toPrecision(3));
  return v.toExponential(0).replace('e-', 'e−');
}

function niceStep(span: number, target: number): number {
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

function linearTicks(lo: number, hi: number, target: number): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo, target);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Draws the series into the SVG (replacing its content). Non-positive values are dropped on a log axis. */
export function drawLineChart(svg: SVGSVGElement, series: readonly Series[], o: ChartOptions): void {
  const { w, h } = viewBox(svg);
  const m = { l: 50, r: 18, t: 8, b: 34 };
  svg.replaceChildren();
  const pts = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logY || y > 0)));
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  svg.append(el('rect', { x: m.l, y: m.t, width: pw, height: ph, fill: '#fff', class: 'axis', 'fill-opacity': 0 }));
  if (pts.length === 0) {
    svg.append(el('text', { x: m.l + pw / 2, y: m.t + ph / 2, 'text-anchor': 'middle' }, o.empty ?? 'no data yet'));
    return;
  }
  let [x0, x1] = o.xRange ?? [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  if (!(x1 > x0)) x1 = x0 + 1;
  let y0 = Math.min(...pts.map((p) => p[1]));
  let y1 = Math.max(...pts.map((p) => p[1]));
  let yTicks: number[];
  let minor: number[] = [];
  let fy: (y: number) => number;
  if (o.logY) {
    const d0 = Math.floor(Math.log10(y0));
    let d1 = Math.ceil(Math.log10(y1));
    if (d1 === d0) d1 = d0 + 1;
    y0 = 10 ** d0;
    y1 = 10 ** d1;
    yTicks = [];
    const every = d1 - d0 > 6 ? 2 : 1;
    for (let d = d0; d <= d1; d += every) yTicks.push(10 ** d);
    if (d1 - d0 <= 3) for (let d = d0; d < d1; d++) for (let k = 2; k < 10; k++) minor.push(k * 10 ** d);
    const l0 = Math.log10(y0);
    const l1 = Math.log10(y1);
    fy = (y) => m.t + ph - ((Math.log10(y) - l0) / (l1 - l0)) * ph;
  } else {
    if (!(y1 > y0)) {
      y0 -= 1;
      y1 += 1;
    }
    const pad = (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
    yTicks = linearTicks(y0, y1, 5);
    fy = (y) => m.t + ph - ((y - y0) / (y1 - y0)) * ph;
  }
  const fx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * pw;
  for (const v of minor) svg.append(el('line', { x1: m.l, x2: m.l + pw, y1: fy(v), y2: fy(v), class: 'grid', 'stroke-opacity': 0.5 }));
  for (const v of yTicks) {
    svg.append(el('line', { x1: m.l, x2: m.l + pw, y1: fy(v), y2: fy(v), class: 'grid' }));
    svg.append(el('text', { x: m.l - 5, y: fy(v) + 4, 'text-anchor': 'end' }, fmtTick(v)));
  }
  for (const v of linearTicks(x0, x1, 5)) {
    svg.append(el('line', { x1: fx(v), x2: fx(v), y1: m.t + ph, y2: m.t + ph + 4, class: 'axis' }));
    svg.append(el('text', { x: fx(v), y: m.t + ph + 16, 'text-anchor': 'middle' }, fmtTick(v)));
  }
  svg.append(el('line', { x1: m.l, x2: m.l, y1: m.t, y2: m.t + ph, class: 'axis' }));
  svg.append(el('line', { x1: m.l, x2: m.l + pw, y1: m.t + ph, y2: m.t + ph, class: 'axis' }));
  svg.append(el('text', { x: m.l + pw / 2, y: h - 3, 'text-anchor': 'middle' }, o.xLabel));
  svg.append(el('text', { x: 11, y: m.t + ph / 2, 'text-anchor': 'middle', transform: `rotate(-90 11 ${m.t + ph / 2})` }, o.yLabel));
  for (const s of series) {
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logY || y > 0));
    if (p.length === 0) continue;
    const d = p.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${fx(x).toFixed(1)},${fy(Math.min(Math.max(y, y0), y1)).toFixed(1)}`).join('');
    const path = el('path', { d, fill: 'none', stroke: s.color, 'stroke-width': s.width ?? 2, 'stroke-linejoin': 'round', 'data-series': s.label });
    if (s.dash) path.setAttribute('stroke-dasharray', s.dash);
    path.append(el('title', {}, s.label));
    svg.append(path);
    if (p.length === 1) svg.append(el('circle', { cx: fx(p[0]![0]), cy: fy(p[0]![1]), r: 2.5, fill: s.color }));
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Colour maps (piecewise-linear through a few stops of matplotlib's viridis and inferno).

type Stops = ReadonlyArray<readonly [number, number, number]>;
export const VIRIDIS: Stops = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
];
export const INFERNO: Stops = [
  [0, 0, 4], [31, 12, 72], [85, 15, 109], [136, 34, 106], [186, 54, 85], [227, 89, 51], [249, 140, 10], [249, 201, 50], [252, 255, 164],
];

export function colour(stops: Stops, t: number): [number, number, number] {
  const x = Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2);
  const f = x - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

/** A CSS gradient of a colour map, for colour bars. */
export function cssGradient(stops: Stops): string {
  return `linear-gradient(to right, ${stops.map((c, i) => `rgb(${c.join(',')}) ${((100 * i) / (stops.length - 1)).toFixed(0)}%`).join(', ')})`;
}

/**
 * An n × n grid (value k = i·n + j at (x_i, y_j), x to the right, y up) on a canvas of n × n pixels (CSS scales it
 * up, pixelated), values mapped linearly from [lo, hi].
 */
export function drawHeatmap(canvas: HTMLCanvasElement, values: ArrayLike<number>, n: number, lo: number, hi: number, stops: Stops): void {
  canvas.width = n;
  canvas.height = n;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(n, n);
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const [r, g, b] = colour(stops, (values[i * n + j]! - lo) / span);
      const p = 4 * ((n - 1 - j) * n + i);
      img.data[p] = r;
      img.data[p + 1] = g;
      img.data[p + 2] = b;
      img.data[p + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

export interface RasterLayer {
  name: string;
  start: number;
  width: number;
}

/**
 * Spike raster: x = time step, y = neuron (layers stacked, separated by a line and labelled). `s` is [T][N]; +1
 * spikes are dark ticks, −1 (signed neurons) red ones. Drawn at the canvas's CSS width times the pixel ratio.
 */
export function drawRaster(canvas: HTMLCanvasElement, s: ArrayLike<number>, T: number, N: number, layers: readonly RasterLayer[]): void {
  const dpr = Math.max(1, Math.min(window.devicePixelRatio || 1, 3));
  const cssW = Math.max(240, canvas.clientWidth || 320);
  const left = 70;
  const bottom = 26;
  const rowH = Math.max(3, Math.min(8, Math.floor(220 / Math.max(N, 1))));
  const cssH = N * rowH + bottom + 4;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  canvas.style.height = `${cssH}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, cssW, cssH);
  const plotW = cssW - left - 8;
  const colW = plotW / T;
  const top = 2;
  ctx.fillStyle = '#f3f4f6';
  ctx.fillRect(left, top, plotW, N * rowH);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < N; j++) {
      const v = s[t * N + j]!;
      if (v === 0) continue;
      ctx.fillStyle = v > 0 ? '#1b1f24' : '#b42318';
      ctx.fillRect(left + t * colW + 0.5, top + j * rowH + 0.5, Math.max(1, colW - 1), Math.max(1, rowH - 1));
    }
  }
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = '#57606a';
  ctx.strokeStyle = '#0b5cad';
  for (const [i, ly] of layers.entries()) {
    const y0 = top + ly.start * rowH;
    if (i > 0) {
      ctx.beginPath();
      ctx.moveTo(left - 4, y0);
      ctx.lineTo(left + plotW, y0);
      ctx.stroke();
    }
    ctx.fillText(ly.name, 4, y0 + (ly.width * rowH) / 2);
  }
  ctx.textBaseline = 'top';
  ctx.textAlign = 'center';
  const ticks = linearTicks(0, T, 4).filter((v) => v <= T);
  for (const v of ticks) {
    const x = left + v * colW;
    ctx.fillRect(x, top + N * rowH, 1, 3);
    ctx.fillText(String(v), x, top + N * rowH + 4);
  }
  ctx.textAlign = 'right';
  ctx.fillText('time step t', left + plotW, top + N * rowH + 14);
}

/** Horizontal bars of firing rates (spikes per neuron per step, 0..1). */
export function drawRates(svg: SVGSVGElement, rates: ReadonlyArray<{ name: string; rate: number }>): void {
  const rowH = 20;
  const w = 480;
  const h = rates.length * rowH + 20;
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.replaceChildren();
  const left = 90;
  const right = 56;
  const bw = w - left - right;
  rates.forEach((r, i) => {
    const y = 2 + i * rowH;
    svg.append(el('text', { x: 4, y: y + 13 }, r.name));
    svg.append(el('rect', { x: left, y: y + 3, width: bw, height: rowH - 7, fill: '#eef0f2' }));
    svg.append(el('rect', { x: left, y: y + 3, width: Math.max(0, Math.min(1, r.rate)) * bw, height: rowH - 7, fill: '#0b5cad' }));
    svg.append(el('text', { x: w - 4, y: y + 13, 'text-anchor': 'end' }, r.rate.toFixed(3)));
  });
  svg.append(el('text', { x: left, y: h - 4 }, 'firing rate: spikes per neuron per time step (0 to 1)'));
}
