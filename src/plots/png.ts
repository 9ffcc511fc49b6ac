/** SVG → PNG with resvg (a maintained Rust renderer, through its Node binding), written atomically. */
import { Resvg } from '@resvg/resvg-js';
import { writeFileAtomic } from '../util/atomic.js';

export function svgToPng(svg: string): Uint8Array {
  const r = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return r.render().asPng();
}

export function writePng(path: string, svg: string): void {
  writeFileAtomic(path, svgToPng(svg));
}
