/**
 * `npm run bench`: ms per training step of the paper's Mexican-hat network (2→16→16→1, T = 32, IF, Gaussian
 * surrogate σ = 0.5) for forward, BP, RFG-G, RFG-L and RFG with K = 8 directions at several batch sizes, and
 * the peak memory of one BP and one RFG step as T grows. Writes BENCHMARKS.md (and prints the same tables).
 * Options: --batches 100,1000,10000  --quick (shorter timing)  --no-write
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/util/atomic.js';
import { makeStep, STEPS, timeIt } from './steps.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const bi = args.indexOf('--batches');
const batches = bi >= 0 ? args[bi + 1]!.split(',').map(Number) : [100, 1000, 10000];

const lines: string[] = [];
const out = (s: string) => {
  lines.push(s);
  process.stdout.write(s + '\n');
};

const cpu = cpus()[0]?.model ?? 'unknown CPU';
out(`# spikegrad benchmarks`);
out('');
out(`Command: \`npm run bench${args.length ? ' -- ' + args.join(' ') : ''}\` · ${new Date().toISOString().slice(0, 10)} · ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version}`);
out('');
out('## Time per training step (Mexican-hat net 2→16→16→1, T = 32; median ms, single thread, plain TypeScript kernel)');
out('');
out(`| step | ${batches.map((b) => `batch ${b}`).join(' | ')} |`);
out(`|---|${batches.map(() => '---:').join('|')}|`);
for (const s of STEPS) {
  const cells = batches.map((b) => timeIt(makeStep(s, b), quick ? 300 : 1500, quick ? 3 : 5).toFixed(2));
  out(`| ${s} | ${cells.join(' | ')} |`);
}
out('');
out('## Peak memory of one step (MB; batch 1000; peak RSS growth in a fresh process, as the PyTorch peer measures)');
out('');
out('| T | forward | bp | rfg-g | rfg-l |');
out('|---:|---:|---:|---:|---:|');
for (const T of [32, 128, 512]) {
  const cells = (['forward', 'bp', 'rfg-g', 'rfg-l'] as const).map((s) => {
    const r = execFileSync(process.execPath, ['--expose-gc', join(here, 'memory-probe.js'), s, '1000', String(T)], {
      encoding: 'utf8',
      // As the peer does: large blocks from mmap, so freed memory leaves the process and RSS growth is the live peak.
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '16384' },
    });
    return (JSON.parse(r) as { peak_mb: number }).peak_mb.toFixed(1);
  });
  out(`| ${T} | ${cells.join(' | ')} |`);
}
out('');
out('BP keeps a tape of spikes and surrogate slopes, batch × T × neurons × 2 float64 values (32 KB per sample at T = 32);');
out('the tangent pass streams over time and keeps only the current state, so its memory does not depend on T.');
if (!args.includes('--no-write')) writeFileAtomic(join(here, '..', '..', 'BENCHMARKS.md'), lines.join('\n') + '\n');
