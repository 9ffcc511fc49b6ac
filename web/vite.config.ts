/**
 * Vite build of the browser playground. It compiles the library's TypeScript sources (../src) straight into the
 * bundle; no server-side computation. `base: './'` makes web/dist work from any static host or sub-path.
 *
 * Node built-ins: some library modules the playground needs import node:fs/os/path/crypto/worker_threads at module
 * level (file I/O, checksums, the HDF5 reader thread). They are aliased to small browser stand-ins in ./src/shims
 * (see docs/playground.md, "Browser compatibility"). `h5wasm/node` (src/io/nir.ts) is aliased to h5wasm's browser
 * ES module build, which the NIR export loads on demand.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const shim = (name: string) => fileURLToPath(new URL(`./src/shims/${name}.ts`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: {
    alias: [
      { find: /^node:fs$/, replacement: shim('fs') },
      { find: /^node:os$/, replacement: shim('os') },
      { find: /^node:path$/, replacement: shim('path') },
      { find: /^node:crypto$/, replacement: shim('crypto') },
      { find: /^node:worker_threads$/, replacement: shim('worker_threads') },
      { find: /^h5wasm\/node$/, replacement: 'h5wasm' },
    ],
  },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The h5wasm chunk (HDF5 compiled to WebAssembly, inlined) is ~4 MB; it is only fetched for the NIR download.
    chunkSizeWarningLimit: 6000,
  },
  server: { port: 5173 },
  preview: { port: 5173, host: '127.0.0.1' },
});
