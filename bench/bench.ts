/**
 * `npm run bench`: ms per training step — forward, BP, RFG-G, RFG-L and RFG with K = 8 directions — of the three
 * paper models (bench/models.ts: the Mexican-hat spiking MLP, the spiking DeepONet for Poisson and the spiking
 * SepONet for diffusion-reaction, sized and batched like the PyTorch peer) at batch 100, 1,000 and 10,000, for
 * each kernel backend, side by side with the PyTorch peer when it is installed; the peer/spikegrad ratio per
 * cell; counted MACs per step (bench/macs.ts) and the achieved GMAC/s against the machine's peak; the paper's
 * cost claim (RFG ≈ one forward pass, ~66 % below BP) in counted MACs and measured time; the peak memory of one
 * BP and one RFG step as T grows; and which of issue 4's goals hold, computed from those numbers.
 * Writes BENCHMARKS.md (and prints the same text).
 *
 * Options: --models mlp,deeponet,seponet  --batches 100,1000  --backends ts,wasm,wasm2  --quick (short cells)
 *          --no-peer  --no-memory  --no-write (do not touch BENCHMARKS.md)  --ts-max-mmac 20
 *          --rounds 2 (rounds of spikegrad's and the peer's cells per model and batch; each cell keeps its fastest
 *          round, both sides alike; default 1 with --quick)
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/util/atomic.js';
import { benchKernels, type BenchRow, parseBackend, slopesMs, STEPS, type StepName } from './kernels.js';
import { machinePeak } from './macs.js';
import { batchShape, MODEL_TITLES, type ModelName, neuronSteps, parseModels } from './models.js';
import { findPeer, runPeer, type PeerRow } from './peer.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
/** Bad command line: one line and exit status 2 (nothing is measured or written). */
function usage(msg: string): never {
  process.stderr.write(`spikegrad bench: ${msg}\n`);
  process.exit(2);
}
const VALUED = ['--models', '--batches', '--backends', '--ts-max-mmac', '--rounds'];
const FLAGS = ['--quick', '--no-peer', '--no-memory', '--no-write'];
for (let i = 0; i < args.length; i++) {
  if (VALUED.includes(args[i]!)) {
    if (args[i + 1] === undefined || args[i + 1]!.startsWith('--')) usage(`${args[i]} needs a value`);
    i++;
  } else if (!FLAGS.includes(args[i]!)) usage(`unknown option '${args[i]}' (options: ${[...VALUED, ...FLAGS].join(', ')})`);
}
const quick = args.includes('--quick');
let models: ModelName[] = [];
try {
  models = parseModels(opt('--models') ?? 'mlp,deeponet,seponet');
} catch (e) {
  usage((e as Error).message);
}
const batches = (opt('--batches') ?? '100,1000,10000').split(',').map(Number);
if (batches.some((b) => !Number.isInteger(b) || b < 1)) usage(`--batches needs positive integers, got '${opt('--batches')}'`);
const backends = (opt('--backends') ?? 'ts,wasm,wasm2').split(',');
for (const b of backends) {
  try {
    parseBackend(b);
  } catch (e) {
    usage((e as Error).message);
  }
}
if (!(Number(opt('--ts-max-mmac') ?? 20) >= 0)) usage(`--ts-max-mmac needs a number >= 0, got '${opt('--ts-max-mmac')}'`);
// Rounds of (spikegrad's cells, the peer's) per model and batch; each cell keeps its fastest round's median, for
// both sides alike, so that a slow phase of this shared host during one round counts against neither side.
const rounds = Number(opt('--rounds') ?? (quick ? 1 : 2));
if (!Number.isInteger(rounds) || rounds < 1) usage(`--rounds needs a positive integer, got '${opt('--rounds')}'`);
// Per cell: spikegrad times ≥ 5 steps and ≥ minMs; the peer ≥ 5 steps and ≈ peerSeconds (both after warm-up).
const minMs = quick ? 200 : 1000;
const peerSeconds = quick ? 0.3 : 1.0;
// The TypeScript reference is timed where one forward pass counts at most this many MACs (the Mexican-hat net
// at batch 10,000, 82 M, is left out: a K = 8 step there takes seconds).
const tsMaxMacs = Number(opt('--ts-max-mmac') ?? 20) * 1e6;
/** Other processes' CPU (cores) above which a cell counts as disturbed. */
const BUSY = 0.3;
const GOAL_STEPS: StepName[] = ['bp', 'rfg-g', 'rfg-l', 'rfg-k8'];

const log = (s: string) => process.stderr.write(s + '\n');
const startLoad = loadavg()[0]!;
const started = Date.now();
const peak = machinePeak();

// ------------------------------------------------------------------------------------------------- measure
// Side by side: for each model and batch, spikegrad's cells and then the peer's (2 threads, then 1) for the same
// model and batch, so that the two sides of a ratio are measured within seconds of each other (on a shared
// host, slow phases of a minute or more come and go; measuring all of spikegrad first and the peer afterwards let
// such a phase fall on one side only).
log(`spikegrad: ${models.join(', ')} × batch ${batches.join(', ')} × ${backends.join(', ')}${quick ? ' (quick)' : ''}; the peer after each model and batch`);
const rows: BenchRow[] = [];
const slopeTimes = new Map<string, number>();
const peer1: PeerRow[] = [];
const peer2: PeerRow[] = [];
let peerNote = '';
const peer = args.includes('--no-peer') ? null : findPeer(root);
if (!peer) peerNote = 'PyTorch peer skipped (--no-peer).';
else if ('missing' in peer) peerNote = `PyTorch peer skipped: ${peer.missing}.`;
/** Keep the faster of two measurements of one cell (lower median). */
function keepFaster<R>(list: R[], row: R, same: (a: R) => boolean, ms: (a: R) => number): void {
  const i = list.findIndex(same);
  if (i < 0) list.push(row);
  else if (ms(row) < ms(list[i]!)) list[i] = row;
}
for (const model of models) {
  for (const batch of batches) {
    for (let round = 0; round < rounds; round++) {
      if (rounds > 1) log(`  ${model} batch ${batch}: round ${round + 1} of ${rounds}`);
      const got = benchKernels({
        models: [model],
        batches: [batch],
        // The TypeScript reference (no goal depends on it) in the first round only.
        backends: round === 0 ? backends : backends.filter((b) => b !== 'ts'),
        minMs,
        include: (_m, backend, _b, setup) => backend !== 'ts' || setup.macs.forward <= tsMaxMacs,
        onRow: (r) => log(`  ${r.model} ${r.backend} ${r.step} batch ${r.batch}: ${r.ms.toFixed(3)} ms${busy(r.other_cpu) ? ` (other processes ${r.other_cpu!.toFixed(2)} cores)` : ''}`),
      });
      for (const r of got) keepFaster(rows, r, (a) => a.model === r.model && a.backend === r.backend && a.batch === r.batch && a.step === r.step, (a) => a.ms);
      // The surrogate slopes of one step alone (cost-claim table), measured here, next to the step times.
      const e = slopesMs(neuronSteps(model, batch), quick ? 100 : 300);
      const key = `${model}/${batch}`;
      slopeTimes.set(key, Math.min(e, slopeTimes.get(key) ?? Infinity));
      if (peer && !('missing' in peer)) {
        for (const threads of [2, 1]) {
          const got = runPeer(peer, model, [...STEPS], [batch], peerSeconds, threads, quick ? 0.3 : 1);
          log(`  PyTorch peer ${model} batch ${batch}, ${threads} thread${threads > 1 ? 's' : ''}: ${got.map((r) => `${r.step} ${r.ms_median.toFixed(3)} ms`).join(', ')}`);
          const list = threads === 2 ? peer2 : peer1;
          for (const r of got) keepFaster(list, r, (a) => a.model === r.model && a.batch === r.batch && a.step === r.step, (a) => a.ms_median);
        }
      }
    }
  }
}
const tsSkipped = backends.includes('ts')
  ? models.flatMap((m) => batches.filter((b) => !rows.some((r) => r.model === m && r.batch === b && r.backend === 'ts')).map((b) => `${m} at batch ${b}`))
  : [];

const havePeer = peer1.length + peer2.length > 0;

interface MemCell {
  T: number;
  backend: string;
  step: string;
  mb: number;
}
const mem: MemCell[] = [];
const MEM_TS = [32, 128, 512];
const MEM_STEPS = ['forward', 'bp', 'rfg-g', 'rfg-l'] as const;
const MEM_BACKENDS = ['ts', 'wasm'];
if (!args.includes('--no-memory')) {
  log('  peak memory (fresh process per cell) …');
  for (const T of MEM_TS) {
    for (const backend of MEM_BACKENDS) {
      for (const step of MEM_STEPS) {
        const r = execFileSync(process.execPath, ['--expose-gc', join(here, 'memory-probe.js'), step, '1000', String(T), backend], {
          encoding: 'utf8',
          // As the peer does: large blocks from mmap, so freed memory leaves the process and RSS growth is the live peak.
          env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '16384' },
        });
        mem.push({ T, backend, step, mb: (JSON.parse(r) as { peak_mb: number }).peak_mb });
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------- helpers
function busy(c: number | null | undefined): boolean {
  return (c ?? 0) > BUSY;
}

function ours(model: ModelName, step: string, batch: number, backend: string): BenchRow | undefined {
  return rows.find((r) => r.model === model && r.step === step && r.batch === batch && r.backend === backend);
}

/** The fastest spikegrad backend of a cell. */
function bestOurs(model: ModelName, step: string, batch: number): BenchRow | undefined {
  return rows.filter((r) => r.model === model && r.step === step && r.batch === batch).sort((a, b) => a.ms - b.ms)[0];
}

function peerRow(list: PeerRow[], model: ModelName, step: string, batch: number): PeerRow | undefined {
  return list.find((r) => r.model === model && r.step === step && r.batch === batch);
}

/** Per cell, the faster of the peer's two configurations is the one to beat. */
function bestPeer(model: ModelName, step: string, batch: number): PeerRow | undefined {
  const two = peerRow(peer2, model, step, batch);
  const one = peerRow(peer1, model, step, batch);
  if (!two || !one) return two ?? one;
  return one.ms_median < two.ms_median ? one : two;
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 0.1 ? ms.toFixed(2) : ms.toFixed(3);
}

function fmtX(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(1);
}

function fmtMacs(m: number): string {
  const mm = m / 1e6;
  return mm >= 100 ? mm.toFixed(0) : mm >= 1 ? mm.toFixed(1) : mm >= 0.01 ? mm.toFixed(2) : mm.toFixed(3);
}

function gmacs(r: BenchRow): number {
  return r.macs / r.ms / 1e6;
}

const mark = (c: number | null | undefined) => (busy(c) ? '\\*' : '');

/** Header cell of a batch: the peer's reading of it for the operator nets. */
function batchHead(model: ModelName, b: number): string {
  if (model === 'mlp') return `batch ${b}`;
  const s = batchShape(model, b);
  return model === 'deeponet' ? `batch ${b} (${s.functions}×${s.points})` : `batch ${b} (${s.points}²)`;
}

interface Ratio {
  model: ModelName;
  step: string;
  batch: number;
  x: number;
  peerBusy: boolean;
  oursBusy: boolean;
  backend: string;
}

function ratio(model: ModelName, step: string, batch: number): Ratio | undefined {
  const p = bestPeer(model, step, batch);
  const o = bestOurs(model, step, batch);
  if (!p || !o) return undefined;
  return { model, step, batch, x: p.ms_median / o.ms, peerBusy: busy(p.other_cpu), oursBusy: busy(o.other_cpu), backend: o.backend };
}

// ------------------------------------------------------------------------------------------------- write
const lines: string[] = [];
const out = (s = '') => lines.push(s);

const cpu = cpus()[0]?.model ?? 'unknown CPU';
out('# spikegrad benchmarks');
out();
out(`Command: \`npm run bench${args.length ? ' -- ' + args.join(' ') : ''}\` · ${new Date(started).toISOString().slice(0, 16).replace('T', ' ')} UTC · ${((Date.now() - started) / 60000).toFixed(1)} min`);
out(`Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version} · load average at start ${startLoad.toFixed(2)}`);
out(
  `Peak: ${peak.cores} cores × ${peak.ghz.toFixed(2)} GHz × ${peak.lanes} float64 lanes (${peak.isa}) × ${peak.fmaUnits} FMA unit${peak.fmaUnits > 1 ? 's' : ''} = **${peak.gmacs.toFixed(1)} GMAC/s** ` +
    `(float64, because spikegrad computes in float64; the float32 peer has twice the lanes). From /proc/cpuinfo: the clock is \`cpu MHz\`, the lanes ` +
    `the widest SIMD flag; ${peak.notes.join('; ')}. WebAssembly's 128-bit SIMD has 2 float64 lanes and no fused multiply-add, so the wasm ` +
    `kernel's own ceiling is ${peak.cores} × ${peak.ghz.toFixed(2)} GHz × 2 lanes × 2 (a multiply and an add on separate pipes) = ${peak.wasmGmacs.toFixed(1)} GMAC/s.`,
);
out();
out('Backends: `ts` = the plain TypeScript reference kernel; `wasm` = the WebAssembly SIMD kernel (bit-identical results);');
out('`wasm2` = the same on 2 worker threads splitting the batch (an operator net\'s sub-networks and their combination share one');
out('pool; the tangent pass hands out chunks of samples to whichever thread is free).');
out(`Median ms per step${rounds > 1 ? `, the faster of ${rounds} rounds (each round: spikegrad's cells, then the peer's, per model and batch; both sides alike)` : ''}; a step = the pass(es) and the estimate, as the training loop runs them (optimiser update excluded;`);
out('the peer\'s steps include its Adam update, microseconds for these ≤ 5k parameters).');
if (tsSkipped.length) out(`The \`ts\` reference is timed only where one forward pass counts ≤ ${tsMaxMacs / 1e6} M MACs (\`--ts-max-mmac\`), to keep the run short (seconds per K = 8 step beyond): left out here, ${tsSkipped.join(', ')}.`);
out();
out('Models (bench/models.ts, the library\'s own classes; sizes, σ, latent size and batch as the peer defines them):');
for (const m of models) {
  const what =
    m === 'mlp'
      ? 'batch = points'
      : m === 'deeponet'
        ? 'batch b = round(b/51) functions × 51 points (branch on the functions, trunk once on the points)'
        : 'batch b = 1 function × the full n × n grid, n = round(√b) (trunk_t and trunk_x on n points each)';
  out(`- **${m}**: ${MODEL_TITLES[m]}; T = 32, IF, Gaussian surrogate; ${what}.`);
}
out();

// --- goals
out('## Issue 4 goals (computed from the tables below, same run)');
out();
if (quick) out('_`--quick` run: short cells, indicative only._');
if (quick) out();
out('| goal | model | holds? | worst cell |');
out('|---|---|---|---|');
const disturbedNote = (rs: Ratio[]) => {
  const p = rs.filter((r) => r.peerBusy).length;
  const o = rs.filter((r) => r.oursBusy).length;
  const parts = [];
  if (p) parts.push(`${p}/${rs.length} peer cells disturbed`);
  if (o) parts.push(`${o}/${rs.length} spikegrad cells disturbed`);
  return parts.length ? ` (${parts.join(', ')})` : '';
};
const goalLine = (goal: string, model: ModelName, rs: Ratio[], need: number) => {
  if (!rs.length) {
    out(`| ${goal} | ${model} | not measured | ${havePeer ? 'no such batch in this run' : 'no peer'} |`);
    return;
  }
  const worst = rs.reduce((a, b) => (b.x < a.x ? b : a));
  const ok = rs.every((r) => r.x >= need);
  out(`| ${goal} | ${model} | ${ok ? 'yes' : 'no'}: ${rs.filter((r) => r.x >= need).length} of ${rs.length} cells${disturbedNote(rs)} | ${fmtX(worst.x)}× (${worst.step}, batch ${worst.batch}) |`);
};
for (const m of models) {
  const big = batches.filter((b) => b >= 1000).flatMap((b) => GOAL_STEPS.map((s) => ratio(m, s, b))).filter((r): r is Ratio => !!r);
  goalLine('peer/spikegrad ≥ 3× for bp, rfg-g, rfg-l, rfg-k8 at batch ≥ 1,000', m, big, 3);
}
const smallBatches = batches.filter((b) => b < 1000);
for (const m of models) {
  const small = smallBatches.flatMap((b) => GOAL_STEPS.map((s) => ratio(m, s, b))).filter((r): r is Ratio => !!r);
  goalLine(`peer/spikegrad ≥ 1× at batch ${smallBatches.length ? smallBatches.join(', ') : '100'}`, m, small, 1);
}
for (const m of models) {
  const rs = batches
    .map((b) => {
      const g = bestOurs(m, 'rfg-g', b);
      const bp = bestOurs(m, 'bp', b);
      return g && bp ? { b, x: g.ms / bp.ms, busy: busy(g.other_cpu) || busy(bp.other_cpu) } : undefined;
    })
    .filter((r): r is { b: number; x: number; busy: boolean } => !!r);
  if (!rs.length) {
    out(`| rfg-g step ≤ 0.5 × bp step (fastest backend of each) | ${m} | not measured | |`);
    continue;
  }
  const worst = rs.reduce((a, c) => (c.x > a.x ? c : a));
  const nb = rs.filter((r) => r.busy).length;
  out(
    `| rfg-g step ≤ 0.5 × bp step (fastest backend of each) | ${m} | ${rs.every((r) => r.x <= 0.5) ? 'yes' : 'no'}: ${rs.filter((r) => r.x <= 0.5).length} of ${rs.length} batches` +
      `${nb ? ` (${nb} with a disturbed cell)` : ''} | ${rs.map((r) => `${r.x.toFixed(2)} (${r.b})`).join(', ')} |`,
  );
}
if (mem.length) {
  const get = (T: number, b: string, s: string) => mem.find((c) => c.T === T && c.backend === b && c.step === s)?.mb ?? NaN;
  const Tlo = MEM_TS[0]!;
  const Thi = MEM_TS[MEM_TS.length - 1]!;
  for (const b of MEM_BACKENDS) {
    const bpGrow = get(Thi, b, 'bp') / Math.max(get(Tlo, b, 'bp'), 0.1);
    const rfgDelta = Math.max(get(Thi, b, 'rfg-g') - get(Tlo, b, 'rfg-g'), get(Thi, b, 'rfg-l') - get(Tlo, b, 'rfg-l'));
    const ok = bpGrow >= 4 && rfgDelta <= 5;
    out(
      `| RFG peak memory flat in T, BP's grows (T ${Tlo} → ${Thi}; flat: ≤ 5 MB more, grows: ≥ 4×) | mlp, ${b} | ${ok ? 'yes' : 'no'} | ` +
        `bp ${get(Tlo, b, 'bp').toFixed(1)} → ${get(Thi, b, 'bp').toFixed(1)} MB (${bpGrow.toFixed(1)}×); rfg-g and rfg-l: at most ${rfgDelta >= 0 ? '+' : ''}${rfgDelta.toFixed(1)} MB |`,
    );
  }
}
out('| `reproduce all --seeds 3` total time | all | not measured here | see README / docs/reproduction |');
out();
if (havePeer) out(`A disturbed cell is one during which other processes used more than ${BUSY} cores (/proc/stat): a disturbed peer cell overstates spikegrad's advantage, a disturbed spikegrad cell understates it.`);
else out(peerNote);
out();

// --- time tables
out('## Time per training step (ms, median)');
out();
out(`Cells marked \\* ran while other processes used more than ${BUSY} cores.`);
for (const m of models) {
  out();
  out(`### ${m}: ${MODEL_TITLES[m]}`);
  out();
  out(`| step | backend | ${batches.map((b) => batchHead(m, b)).join(' | ')} |`);
  out(`|---|---|${batches.map(() => '---:').join('|')}|`);
  for (const step of STEPS) {
    for (const b of backends) {
      out(`| ${step} | ${b} | ${batches.map((n) => { const r = ours(m, step, n, b); return r ? `${fmtMs(r.ms)}${mark(r.other_cpu)}` : '–'; }).join(' | ')} |`);
    }
    if (havePeer) {
      for (const [label, list] of [['PyTorch peer, 2 threads', peer2], ['PyTorch peer, 1 thread', peer1]] as const) {
        out(`| ${step} | ${label} | ${batches.map((n) => { const p = peerRow(list, m, step, n); return p ? `${fmtMs(p.ms_median)}${mark(p.other_cpu)}` : '–'; }).join(' | ')} |`);
      }
    }
  }
}
out();

// --- speed-up
if (havePeer) {
  out('## Speed-up over the PyTorch peer');
  out();
  out('Faster peer configuration (2 or 1 thread) ms / fastest spikegrad backend ms, per cell, same run. \\* = the peer cell was disturbed');
  out('(ratio overstated), ° = the spikegrad cell was (ratio understated).');
  for (const m of models) {
    out();
    out(`### ${m}`);
    out();
    out(`| step | ${batches.map((b) => batchHead(m, b)).join(' | ')} |`);
    out(`|---|${batches.map(() => '---:').join('|')}|`);
    for (const step of STEPS) {
      const cells = batches.map((n) => {
        const r = ratio(m, step, n);
        return r ? `${fmtX(r.x)}×${r.peerBusy ? '\\*' : ''}${r.oursBusy ? '°' : ''} (${r.backend})` : '–';
      });
      out(`| ${step} | ${cells.join(' | ')} |`);
    }
  }
  const all = [...peer1, ...peer2];
  const tv = all.find((r) => r.torch_version)?.torch_version ?? '?';
  out();
  out(`The peer is \`torch_peer.py --model M --batch B\`, run for each model and batch right after spikegrad's cells of that model and batch (PyTorch ${tv}, float32, with 2 and with 1 thread; for the rfg steps its faster hand-written tangent pass per cell).`);
  out(`${all.filter((r) => busy(r.other_cpu)).length} of ${all.length} peer cells and ${rows.filter((r) => busy(r.other_cpu)).length} of ${rows.length} spikegrad cells were disturbed; a 2-thread PyTorch step slows several-fold when one core is taken (see ../shared/peer/README.md).`);
  out();
}

// --- MACs
out('## Counted MACs per step and achieved throughput');
out();
out('Multiply-accumulates of the synaptic products, readouts and the operator combination, counted from the shapes as a dense');
out('implementation needs them (bench/macs.ts: forward; tangent = forward + per direction two products per hidden synapse;');
out('adjoint two per hidden synapse). The kernels skip silent presynaptic neurons, so they execute fewer multiplies: GMAC/s is');
out(`dense-equivalent, of the fastest backend, and in brackets % of the ${peak.gmacs.toFixed(1)} GMAC/s float64 peak.`);
out();
out(`| model | step | ${batches.map((b) => `M MAC b${b}`).join(' | ')} | ${batches.map((b) => `GMAC/s b${b}`).join(' | ')} |`);
out(`|---|---|${batches.map(() => '---:').join('|')}|${batches.map(() => '---:').join('|')}|`);
for (const m of models) {
  for (const step of STEPS) {
    const macs = batches.map((b) => {
      const r = rows.find((q) => q.model === m && q.step === step && q.batch === b);
      return r ? fmtMacs(r.macs) : '–';
    });
    const rates = batches.map((b) => {
      const r = bestOurs(m, step, b);
      if (!r) return '–';
      const g = gmacs(r);
      return `${g >= 1 ? g.toFixed(2) : g.toFixed(3)} (${((100 * g) / peak.gmacs).toFixed(g / peak.gmacs >= 0.01 ? 0 : 1)} %)${mark(r.other_cpu)}`;
    });
    out(`| ${m} | ${step} | ${macs.join(' | ')} | ${rates.join(' | ')} |`);
  }
}
out();

// --- cost claim
const passBackend = backends.includes('wasm') ? 'wasm' : backends[0]!;
out('## The paper\'s cost claim: RFG ≈ one forward pass, ~66 % below BP');
out();
out(`Per model and batch: counted MACs of the three passes (forward; one global tangent direction on top of the forward; the adjoint`);
out(`on top of the forward), so the rfg-g step = forward + tangent and the bp step = forward + adjoint; then the measured step times`);
out(`on one backend (\`${passBackend}\`, the same kernel for all three) and, for reference, the peer's rfg-g/bp (faster configuration; its`);
out('bp is autograd through the Python time loop, which its README measures at 2–3× its hand-derived BPTT). Last two columns: the');
out('surrogate slopes, one Gaussian per neuron and step, that an rfg-g and a bp step both evaluate (a forward pass without gradient');
out('needs none): the time of that many slopes alone, on the kernel\'s slope path (`slopesMs` in bench/kernels.ts, measured right');
out('after the model\'s cells at that batch), and its share of the rfg-g step.');
out();
out('| model | batch | MACs forward | + tangent (1 dir.) | + adjoint | counted rfg-g/bp | ms forward | ms rfg-g | ms bp | measured rfg-g/bp | rfg-g/forward | peer rfg-g/bp | ms slopes (neuron-steps) | slopes/rfg-g |');
out('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
const slopeShare: number[] = [];
for (const m of models) {
  for (const b of batches) {
    const f = ours(m, 'forward', b, passBackend);
    const g = ours(m, 'rfg-g', b, passBackend);
    const bp = ours(m, 'bp', b, passBackend);
    const any = f ?? g ?? bp ?? rows.find((r) => r.model === m && r.batch === b);
    if (!any) continue;
    const pm = ((): { f: number; t: number; a: number } | null => {
      const rf = rows.find((r) => r.model === m && r.batch === b && r.step === 'forward');
      const rg = rows.find((r) => r.model === m && r.batch === b && r.step === 'rfg-g');
      const rb = rows.find((r) => r.model === m && r.batch === b && r.step === 'bp');
      return rf && rg && rb ? { f: rf.macs, t: rg.macs - rf.macs, a: rb.macs - rf.macs } : null;
    })();
    const pg = bestPeer(m, 'rfg-g', b);
    const pb = bestPeer(m, 'bp', b);
    const c = (r: BenchRow | undefined) => (r ? `${fmtMs(r.ms)}${mark(r.other_cpu)}` : '–');
    const ns = neuronSteps(m, b);
    const e = slopeTimes.get(`${m}/${b}`)!;
    if (g) slopeShare.push(e / g.ms);
    out(
      `| ${m} | ${b} | ${pm ? fmtMacs(pm.f) + ' M' : '–'} | ${pm ? fmtMacs(pm.t) + ' M' : '–'} | ${pm ? fmtMacs(pm.a) + ' M' : '–'} | ${pm ? ((pm.f + pm.t) / (pm.f + pm.a)).toFixed(2) : '–'} | ` +
        `${c(f)} | ${c(g)} | ${c(bp)} | ${g && bp ? (g.ms / bp.ms).toFixed(2) : '–'} | ${g && f ? (g.ms / f.ms).toFixed(1) : '–'} | ${pg && pb ? (pg.ms_median / pb.ms_median).toFixed(2) : '–'} | ` +
        `${fmtMs(e)} (${ns.toLocaleString('en-US')}) | ${g ? `${Math.round((100 * e) / g.ms)} %` : '–'} |`,
    );
  }
}
const claim = models.flatMap((m) =>
  batches.map((b) => ({ f: ours(m, 'forward', b, passBackend), g: ours(m, 'rfg-g', b, passBackend), bp: ours(m, 'bp', b, passBackend) })),
).filter((c): c is { f: BenchRow; g: BenchRow; bp: BenchRow } => !!(c.f && c.g && c.bp));
if (claim.length) {
  const span = (xs: number[], d: number) => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;
  const counted = claim.map((c) => c.g.macs / c.bp.macs);
  const timed = claim.map((c) => c.g.ms / c.bp.ms);
  const perFwd = claim.map((c) => c.g.ms / c.f.ms);
  out();
  out(
    `Over these ${claim.length} cells: counted rfg-g/bp ${span(counted, 2)}, measured rfg-g/bp ${span(timed, 2)} and rfg-g/forward ${span(perFwd, 1)} ` +
      `(\`${passBackend}\`). The claim (≈ 0.34 and ≈ 1; taken as met at ≤ 0.5 and ≤ 1.5) ${timed.every((x) => x <= 0.5) && perFwd.every((x) => x <= 1.5) ? 'holds' : 'does not hold'} here.`,
  );
}
out();
out('Counted, a tangent direction costs what the adjoint costs (two products per hidden synapse: dW·S and W·dS, against ∂W += a·Sᵀ and');
out('Wᵀ·a), so the MAC count alone puts an rfg-g step level with a bp step, not 66 % below it. What forward mode saves is the tape: no');
out('batch × T × neurons record of spikes and slopes to write and read back (the memory table below), and no second sweep over time.');
if (slopeShare.length) {
  out(`And both steps pay for the surrogate slopes, which a forward pass does not: the slopes alone (an exponential each) are ${Math.round(100 * Math.min(...slopeShare))}–${Math.round(100 * Math.max(...slopeShare))} % of`);
  out('the rfg-g step above (float64, two lanes per WebAssembly SIMD instruction): a cost shared by rfg-g and bp, which pulls rfg-g/bp');
  out('towards 1, and one the forward pass does not have, which keeps rfg-g/forward well above 1.');
}
out();

// --- memory
if (mem.length) {
  out('## Peak memory of one step (MB; Mexican-hat net, batch 1,000; peak RSS growth in a fresh process, as the peer measures it)');
  out();
  out(`| T | backend | ${MEM_STEPS.join(' | ')} |`);
  out(`|---:|---|${MEM_STEPS.map(() => '---:').join('|')}|`);
  for (const T of MEM_TS) {
    for (const b of MEM_BACKENDS) {
      out(`| ${T} | ${b} | ${MEM_STEPS.map((s) => mem.find((c) => c.T === T && c.backend === b && c.step === s)!.mb.toFixed(1)).join(' | ')} |`);
    }
  }
  out();
  out('BP keeps a tape of spikes and surrogate slopes for every sample, step and neuron, so its memory grows with T × batch;');
  out('the tangent pass streams over time with only the current state per sample, so RFG memory does not depend on T.');
}

const text = lines.join('\n') + '\n';
process.stdout.write(text);
if (!args.includes('--no-write')) writeFileAtomic(join(root, 'BENCHMARKS.md'), text);
log(`done in ${((Date.now() - started) / 60000).toFixed(1)} min`);
