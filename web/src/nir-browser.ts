/**
 * NIR export in the browser: the graph comes from the library (`mlpToNirGraph`, src/io/nir.ts), the HDF5 file is
 * written with h5wasm's browser build into its in-memory file system by the library's own `writeGraphInto` and read
 * back as bytes (the library's `writeNirGraph` writes through node:fs and so cannot run here).
 */
import { mlpToNirGraph, NIR_VERSION, writeGraphInto } from '../../src/io/nir.js';
import type { MlpConfig } from '../../src/networks/types.js';

/** src/io/nir.ts hashes strings with `Buffer.from(s, 'utf8')`; the browser has no Buffer, TextEncoder gives the same bytes. */
function ensureBuffer(): void {
  const g = globalThis as { Buffer?: unknown };
  if (g.Buffer === undefined) g.Buffer = { from: (s: string) => new TextEncoder().encode(s) };
}

let counter = 0;

export async function nirFile(cfg: MlpConfig, params: Float64Array): Promise<{ bytes: Uint8Array; warnings: string[] }> {
  ensureBuffer();
  const { graph: g, warnings } = mlpToNirGraph(cfg, params);
  const h5 = (await import('h5wasm')).default;
  const mod = await h5.ready;
  const path = `/spikegrad-export-${++counter}.nir`;
  // Superblock version 0 and the 1.8 object formats, as the library writes them (readable by every HDF5 ≥ 1.8).
  const f = new h5.File(path, 'w', { libver: ['earliest', 'v108'] });
  try {
    f.create_dataset({ name: 'version', data: NIR_VERSION, dtype: 'S' });
    writeGraphInto(f.create_group('node'), g, 0);
  } finally {
    f.close();
  }
  const fs = mod.FS as unknown as { readFile(p: string): Uint8Array; unlink(p: string): void };
  const bytes = fs.readFile(path);
  fs.unlink(path);
  return { bytes, warnings };
}
