/**
 * `npm run bench`: ms per training step of the paper's Mexican-hat network (2→16→16→1, T = 32, IF, Gaussian
 * surrogate σ = 0.5) — forward, BP, RFG-G, RFG-L and RFG with K = 8 directions — at batch 100, 1,000 and
 * 10,000, for each kernel backend, side by side with the PyTorch peer when it is installed; and the peak
 * memory of one BP and one RFG step as T grows. Writes BENCHMARKS.md (and prints the same text).
 * Options: --batches 100,1000  --backends ts,wasm,wasm2  --quick  --no-peer  --no-write
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/util/atomic.js';
import { benchKernels, type BenchRow, STEPS } from './kernels.js';
import { findPeer, runPeer, type PeerRow } from './peer.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const batches = (opt('--batches') ?? '100,1000,10000').split(',').map(Number);
const backends = (opt('--backends') ?? 'ts,wasm,wasm2').split(',');
const minMs = quick ? 300 : 1500;

const lines: string[] = [];
const out = (s = '') => {
  lines.push(s);
  process.stdout.write(s + '\n');
};

const cpu = cpus()[0]?.model ?? 'unknown CPU';
out('# spikegrad benchmarks');
out();
out(`Command: \`npm run bench${args.length ? ' -- ' + args.join(' ') : ''}\` · ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
out(`Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version} · load average at start ${loadavg()[0]!.toFixed(2)}`);
out();
out('Backends: `ts` = the plain TypeScript reference kernel; `wasm` = the WebAssembly SIMD kernel (bit-identical results);');
out('`wasm2` = the same on 2 worker threads splitting the batch. Median ms per step; a step = the pass(es) and the estimate,');
out('as the training loop runs them (optimiser update excluded, the same for every method).');
out();

const rows: BenchRow[] = benchKernels({ batches, backends, minMs, onRow: (r) => process.stderr.write(`  ${r.backend} ${r.step} batch ${r.batch}: ${r.ms.toFixed(2)} ms\n`) });

let peer: PeerRow[] = [];
let peer1: PeerRow[] = [];
let peer2: PeerRow[] = [];
let peerNote = '';
if (!args.includes('--no-peer')) {
  const p = findPeer(root);
  if ('missing' in p) peerNote = `PyTorch peer skipped: ${p.missing}.`;
  else {
    process.stderr.write('  running the PyTorch peer (2 threads, then 1) …\n');
    const t = quick ? 0.5 : 1.5;
    peer2 = runPeer(p, 'mlp', [...STEPS], batches, t, 2);
    peer1 = runPeer(p, 'mlp', [...STEPS], batches, t, 1);
    // Per cell, the faster of the peer's two configurations is the one to beat.
    peer = peer2.map((r) => {
      const one = peer1.find((q) => q.step === r.step && q.batch === r.batch);
      return one && one.ms_median < r.ms_median ? one : r;
    });
  }
} else peerNote = 'PyTorch peer skipped (--no-peer).';

out('## Time per training step, Mexican-hat net (ms, median)');
out();
const cols = batches.map((b) => `batch ${b}`);
out(`| step | backend | ${cols.join(' | ')} |`);
out(`|---|---|${batches.map(() => '---:').join('|')}|`);
for (const step of STEPS) {
  for (const b of backends) {
    out(`| ${step} | ${b} | ${batches.map((n) => rows.find((r) => r.step === step && r.backend === b && r.batch === n)?.ms.toFixed(2) ?? '–').join(' | ')} |`);
  }
  if (peer.length) {
    out(`| ${step} | PyTorch peer, 2 threads | ${batches.map((n) => peerCell(peer2.find((r) => r.step === step && r.batch === n))).join(' | ')} |`);
    out(`| ${step} | PyTorch peer, 1 thread | ${batches.map((n) => peerCell(peer1.find((r) => r.step === step && r.batch === n))).join(' | ')} |`);
  }
}
out();
if (peer.length) {
  out('### Speed-up over the PyTorch peer (faster peer configuration ms / spikegrad ms, best spikegrad backend per cell; same run)');
  out();
  out(`| step | ${cols.join(' | ')} |`);
  out(`|---|${batches.map(() => '---:').join('|')}|`);
  for (const step of STEPS) {
    const cells = batches.map((n) => {
      const p = peer.find((r) => r.step === step && r.batch === n);
      const ours = rows.filter((r) => r.step === step && r.batch === n).sort((a, b) => a.ms - b.ms)[0];
      return p && ours ? `${(p.ms_median / ours.ms).toFixed(1)}×${busyMark(p)} (${ours.backend})` : '–';
    });
    out(`| ${step} | ${cells.join(' | ')} |`);
  }
  const busy = [...peer1, ...peer2].filter((r) => (r.other_cpu ?? 0) > 0.3).length;
  out();
  out(`The peer is \`torch_peer.py --model mlp\` (PyTorch 1.13, Debian, float32, with 2 and with 1 thread, its faster hand-written tangent pass per cell).`);
  if (busy) {
    out(`**${busy} peer cells (marked \\*) ran while other processes used more than 0.3 cores**: a 2-thread PyTorch step slows`);
    out('several-fold when one core is taken (see ../shared/peer/README.md); the 1-thread peer suffers less. Ratios from marked cells overstate spikegrad\'s advantage.');
  }
} else out(peerNote);
out();

out('## Peak memory of one step (MB; batch 1,000; peak RSS growth in a fresh process, as the peer measures it)');
out();
out('| T | backend | forward | bp | rfg-g | rfg-l |');
out('|---:|---|---:|---:|---:|---:|');
for (const T of [32, 128, 512]) {
  for (const backend of ['ts', 'wasm']) {
    const cells = (['forward', 'bp', 'rfg-g', 'rfg-l'] as const).map((s) => {
      const r = execFileSync(process.execPath, ['--expose-gc', join(here, 'memory-probe.js'), s, '1000', String(T), backend], {
        encoding: 'utf8',
        // As the peer does: large blocks from mmap, so freed memory leaves the process and RSS growth is the live peak.
        env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '16384' },
      });
      return (JSON.parse(r) as { peak_mb: number }).peak_mb.toFixed(1);
    });
    out(`| ${T} | ${backend} | ${cells.join(' | ')} |`);
  }
}
out();
out('BP keeps a tape of spikes and surrogate slopes for every sample, step and neuron, so its memory grows with T × batch;');
out('the tangent pass streams over time with only the current state per sample, so RFG memory does not depend on T.');
if (!args.includes('--no-write')) writeFileAtomic(join(root, 'BENCHMARKS.md'), lines.join('\n') + '\n');

function busyMark(p: PeerRow): string {
  return (p.other_cpu ?? 0) > 0.3 ? '\\*' : '';
}

function peerCell(p: PeerRow | undefined): string {
  return p ? `${p.ms_median.toFixed(2)}${busyMark(p)}` : '–';
}
