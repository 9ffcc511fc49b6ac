/**
 * Minimal SVG figures for reports: heatmap panels and line plots (linear or log y), composed on a grid.
 * Pure string building, so it runs in Node and in a browser; PNG rendering is in png.ts.
 */
import { valueRange } from '../util/range.js';

export interface Panel {
  /** SVG body drawn in a box of size w × h at the origin. */
  body: string;
  w: number;
  h: number;
}

const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A perceptually ordered colormap (viridis control points, linear interpolation). */
const VIRIDIS = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const c = VIRIDIS[i]!.map((v, k) => Math.round(v + f * (VIRIDIS[i + 1]![k]! - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-2 ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}

/**
 * Heatmap of values [rows][cols] (row 0 drawn at the top unless `flipY`), with a colour bar.
 * `vmin`/`vmax` fix the colour range (share them between panels that should be compared).
 */
export function heatmap(values: Float64Array, rows: number, cols: number, o: { title: string; vmin?: number; vmax?: number; flipY?: boolean; xlabel?: string; ylabel?: string }): Panel {
  const [dataLo, dataHi] = o.vmin === undefined || o.vmax === undefined ? valueRange(values) : [0, 0];
  const lo = o.vmin ?? dataLo;
  let hi = o.vmax ?? dataHi;
  if (!(hi > lo)) hi = lo + 1;
  const size = 260;
  const cw = size / cols;
  const ch = size / rows;
  const left = 40;
  const top = 28;
  const parts: string[] = [];
  parts.push(`<text x="${left + size / 2}" y="18" text-anchor="middle" font-size="13" ${FONT}>${esc(o.title)}</text>`);
  for (let r = 0; r < rows; r++) {
    const yr = o.flipY ? rows - 1 - r : r;
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c]!;
      parts.push(`<rect x="${(left + c * cw).toFixed(2)}" y="${(top + yr * ch).toFixed(2)}" width="${(cw + 0.3).toFixed(2)}" height="${(ch + 0.3).toFixed(2)}" fill="${viridis((v - lo) / (hi - lo))}" shape-rendering="crispEdges"/>`);
    }
  }
  parts.push(`<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#333"/>`);
  // Colour bar.
  const bx = left + size + 10;
  for (let i = 0; i < 50; i++) {
    parts.push(`<rect x="${bx}" y="${(top + size - ((i + 1) * size) / 50).toFixed(2)}" width="12" height="${(size / 50 + 0.3).toFixed(2)}" fill="${viridis(i / 49)}"/>`);
  }
  parts.push(`<text x="${bx + 16}" y="${top + 8}" font-size="10" ${FONT}>${fmt(hi)}</text>`);
  parts.push(`<text x="${bx + 16}" y="${top + size}" font-size="10" ${FONT}>${fmt(lo)}</text>`);
  if (o.xlabel) parts.push(`<text x="${left + size / 2}" y="${top + size + 16}" text-anchor="middle" font-size="11" ${FONT}>${esc(o.xlabel)}</text>`);
  if (o.ylabel) parts.push(`<text x="12" y="${top + size / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 12 ${top + size / 2})" ${FONT}>${esc(o.ylabel)}</text>`);
  return { body: parts.join(''), w: left + size + 76, h: top + size + 24 };
}

export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  dashed?: boolean;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#000000', '#aec7e8'];

/** Line plot of several series with axes, ticks and a legend; `logY` for error curves. */
export function linePlot(series: Series[], o: { title: string; xlabel: string; ylabel: string; logY?: boolean; width?: number; height?: number }): Panel {
  const W = o.width ?? 520;
  const H = o.height ?? 300;
  const left = 62;
  const right = 150;
  const top = 28;
  const bottom = 42;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const ty = (v: number) => (o.logY ? Math.log10(Math.max(v, 1e-300)) : v);
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      const y = s.y[i]!;
      if (!Number.isFinite(y) || (o.logY && y <= 0)) continue;
      x0 = Math.min(x0, s.x[i]!);
      x1 = Math.max(x1, s.x[i]!);
      y0 = Math.min(y0, ty(y));
      y1 = Math.max(y1, ty(y));
    }
  }
  if (!(x1 > x0)) x1 = x0 + 1;
  if (!(y1 > y0)) y1 = y0 + 1;
  if (o.logY) {
    y0 = Math.floor(y0);
    y1 = Math.ceil(y1);
  } else {
    const pad = 0.05 * (y1 - y0);
    y0 -= pad;
    y1 += pad;
  }
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * pw;
  const py = (y: number) => top + ph - ((ty(y) - y0) / (y1 - y0)) * ph;
  const parts: string[] = [];
  parts.push(`<text x="${left + pw / 2}" y="18" text-anchor="middle" font-size="13" ${FONT}>${esc(o.title)}</text>`);
  parts.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="white" stroke="#333"/>`);
  // Ticks.
  for (let i = 0; i <= 4; i++) {
    const xv = x0 + ((x1 - x0) * i) / 4;
    const X = px(xv);
    parts.push(`<line x1="${X}" y1="${top + ph}" x2="${X}" y2="${top + ph + 4}" stroke="#333"/><text x="${X}" y="${top + ph + 16}" text-anchor="middle" font-size="10" ${FONT}>${fmt(xv)}</text>`);
  }
  if (o.logY) {
    for (let e = y0; e <= y1; e++) {
      const Y = top + ph - ((e - y0) / (y1 - y0)) * ph;
      parts.push(`<line x1="${left}" y1="${Y}" x2="${left + pw}" y2="${Y}" stroke="#ddd"/><text x="${left - 6}" y="${Y + 3}" text-anchor="end" font-size="10" ${FONT}>1e${e}</text>`);
    }
  } else {
    for (let i = 0; i <= 4; i++) {
      const yv = y0 + ((y1 - y0) * i) / 4;
      const Y = top + ph - (i / 4) * ph;
      parts.push(`<line x1="${left}" y1="${Y}" x2="${left + pw}" y2="${Y}" stroke="#ddd"/><text x="${left - 6}" y="${Y + 3}" text-anchor="end" font-size="10" ${FONT}>${fmt(yv)}</text>`);
    }
  }
  series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    const pts: string[] = [];
    for (let i = 0; i < s.x.length; i++) {
      const y = s.y[i]!;
      if (!Number.isFinite(y) || (o.logY && y <= 0)) continue;
      pts.push(`${px(s.x[i]!).toFixed(1)},${py(y).toFixed(1)}`);
    }
    parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`);
    const ly = top + 10 + k * 16;
    parts.push(`<line x1="${left + pw + 10}" y1="${ly}" x2="${left + pw + 30}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/><text x="${left + pw + 34}" y="${ly + 4}" font-size="10" ${FONT}>${esc(s.label)}</text>`);
  });
  parts.push(`<text x="${left + pw / 2}" y="${H - 8}" text-anchor="middle" font-size="11" ${FONT}>${esc(o.xlabel)}</text>`);
  parts.push(`<text x="14" y="${top + ph / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 14 ${top + ph / 2})" ${FONT}>${esc(o.ylabel)}</text>`);
  return { body: parts.join(''), w: W, h: H };
}

/** Lay panels out on a grid (row-major, `cols` per row) with an optional overall title. */
export function compose(panels: Panel[], cols: number, title?: string): string {
  const rows = Math.ceil(panels.length / cols);
  const cw = Math.max(...panels.map((p) => p.w));
  const rh = Math.max(...panels.map((p) => p.h));
  const top = title ? 30 : 0;
  const W = cw * Math.min(cols, panels.length);
  const H = top + rh * rows;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><rect width="${W}" height="${H}" fill="white"/>`];
  if (title) parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold" ${FONT}>${esc(title)}</text>`);
  panels.forEach((p, i) => {
    parts.push(`<g transform="translate(${(i % cols) * cw},${top + Math.floor(i / cols) * rh})">${p.body}</g>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
