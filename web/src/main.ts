/**
 * The playground page: the settings form, run control (start, pause, reset), the plots, downloads. Training runs
 * in ./worker.ts; this module only draws what the worker reports.
 */
import type { EvalPoint, FromWorker, ToWorker } from './protocol.js';
import { cssGradient, drawHeatmap, drawLineChart, drawRaster, drawRates, fmtTick, INFERNO, type Series, VIRIDIS } from './plots.js';
import {
  defaultSettings,
  MH_RASTER_INPUT,
  MH_TRAIN,
  POISSON_FUNCTIONS,
  presetFor,
  type Problem,
  type Settings,
  type StepCost,
  type Truth,
  type Tunables,
  validateSettings,
  type Views,
} from './session.js';

// ---------------------------------------------------------------------------------------------------------------
// Elements.

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing`);
  return e as T;
};
const form = $<HTMLFormElement>('controls');
const fieldset = $<HTMLFieldSetElement>('settings');
const problemSel = $<HTMLSelectElement>('problem');
const methodSel = $<HTMLSelectElement>('method');
const numberFields = ['seed', 'iterations', 'lr', 'batch', 'directions', 'T', 'width', 'evalEvery'] as const;
type NumberField = (typeof numberFields)[number];
const inputs = Object.fromEntries(numberFields.map((k) => [k, $<HTMLInputElement>(k)])) as Record<NumberField, HTMLInputElement>;
const startBtn = $<HTMLButtonElement>('start');
const pauseBtn = $<HTMLButtonElement>('pause');
const resetBtn = $<HTMLButtonElement>('reset');
const clearBtn = $<HTMLButtonElement>('clear');
const dlModel = $<HTMLButtonElement>('dl-model');
const dlNir = $<HTMLButtonElement>('dl-nir');
const statusEl = $('status');
const formError = $('form-error');
const counterEl = $('counter');
const speedEl = $('speed');
const progressEl = $<HTMLProgressElement>('progress');
const fingerprintEl = $('fingerprint');
const curvesSvg = $('curves') as unknown as SVGSVGElement;
const legendEl = $('legend');
const predGrid = $('pred-grid');
const predLine = $('pred-line') as unknown as SVGSVGElement;
const predLineWrap = $('pred-line-wrap');
const predCaption = $('pred-caption');
const hmTruth = $<HTMLCanvasElement>('hm-truth');
const hmPred = $<HTMLCanvasElement>('hm-pred');
const hmErr = $<HTMLCanvasElement>('hm-err');
const rasterCanvas = $<HTMLCanvasElement>('raster');
const rasterCaption = $('raster-caption');
const ratesSvg = $('rates') as unknown as SVGSVGElement;
const costEl = $('cost');

// ---------------------------------------------------------------------------------------------------------------
// State.

type Phase = 'idle' | 'starting' | 'running' | 'paused' | 'finished' | 'error';

interface RunRecord {
  id: number;
  settings: Settings;
  color: string;
  points: EvalPoint[];
  status: 'running' | 'paused' | 'finished' | 'stopped';
  fingerprint?: string;
}

/** Okabe–Ito colours (distinguishable with colour-vision deficiencies). */
const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

let phase: Phase = 'idle';
let runs: RunRecord[] = [];
let current: RunRecord | null = null;
let runCounter = 0;
let colorCounter = 0;
let truth: Truth | null = null;
let views: Views | null = null;
let cost: StepCost | null = null;
let nParams = 0;
let setupMs = 0;
let msPerStep = NaN;
let iteration = 0;
let lastLoss = NaN;
let trainSeconds = 0;
let nirAvailable = false;
let kernelName = '';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker) => worker.postMessage(m);

// ---------------------------------------------------------------------------------------------------------------
// The form.

function fillTunables(t: Tunables): void {
  for (const k of numberFields) if (k !== 'seed') inputs[k].value = String(t[k]);
}

function fillForm(s: Settings): void {
  problemSel.value = s.problem;
  methodSel.value = s.method;
  inputs.seed.value = String(s.seed);
  fillTunables(s);
  updateHints();
}

function readForm(): Settings {
  const num = (k: NumberField) => (inputs[k].value.trim() === '' ? NaN : Number(inputs[k].value));
  return {
    problem: problemSel.value as Problem,
    method: methodSel.value,
    seed: num('seed'),
    iterations: num('iterations'),
    batch: num('batch'),
    lr: num('lr'),
    directions: num('directions'),
    T: num('T'),
    width: num('width'),
    evalEvery: num('evalEvery'),
  };
}

function updateHints(): void {
  const problem = problemSel.value as Problem;
  const rfg = methodSel.value.includes('-RFG');
  inputs.directions.disabled = !rfg;
  $('method-hint').textContent = rfg
    ? methodSel.value.endsWith('-L')
      ? 'K: random directions per layer per step (one tangent pass).'
      : 'K: random directions per step (one tangent pass).'
    : 'Directions K: RFG methods only.';
  $('batch-hint').textContent =
    problem === 'mexican-hat' ? `Batch: points per step (of ${MH_TRAIN.toLocaleString('en')}).` : `Batch: functions per step (of ${POISSON_FUNCTIONS}), 51 points each.`;
  $('width-hint').textContent = problem === 'mexican-hat' ? 'Width w: network 2 → w → w → 1.' : 'Width: branch and trunk hidden layers (latent 32).';
  nirHint();
}

function nirHint(): void {
  const problem = current?.settings.problem ?? (problemSel.value as Problem);
  const text =
    problem === 'mexican-hat'
      ? 'NIR: HDF5 written here with h5wasm (4 MB, loaded on first use).'
      : 'No NIR export for the DeepONet: NIR has no node for its branch × trunk product (spiking MLPs only).';
  $('nir-hint').textContent = text;
  dlNir.title = text;
}

function applyPreset(): void {
  fillTunables(presetFor(problemSel.value as Problem, methodSel.value));
  updateHints();
}

problemSel.addEventListener('change', applyPreset);
methodSel.addEventListener('change', applyPreset);

function showFormErrors(bad: Record<string, string>): boolean {
  const keys = Object.keys(bad);
  for (const k of numberFields) inputs[k].removeAttribute('aria-invalid');
  if (keys.length === 0) {
    formError.textContent = '';
    return true;
  }
  const label = (k: string) => document.querySelector(`label[for="${k}"]`)?.textContent ?? k;
  formError.textContent = `Please correct: ${keys.map((k) => `${label(k)} must be ${bad[k]}`).join('; ')}.`;
  for (const k of keys) if (k in inputs) inputs[k as NumberField].setAttribute('aria-invalid', 'true');
  const first = keys.find((k) => k in inputs);
  if (first) inputs[first as NumberField].focus();
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Run control.

/** When the status (an aria-live region) last changed: progress is announced at most every 5 s. */
let saidAt = 0;
function say(text: string, bad = false): void {
  statusEl.textContent = text;
  statusEl.classList.toggle('bad', bad);
  saidAt = performance.now();
}

/** Enable and disable controls for the phase; focus moves off a control that becomes disabled. */
function setPhase(p: Phase): void {
  phase = p;
  const active = p === 'starting' || p === 'running' || p === 'paused';
  const focused = document.activeElement;
  fieldset.disabled = active;
  startBtn.disabled = p === 'starting' || p === 'running';
  startBtn.textContent = p === 'paused' ? 'Resume' : 'Start';
  pauseBtn.disabled = p !== 'running' && p !== 'starting';
  resetBtn.disabled = p === 'idle';
  const haveModel = current !== null && p !== 'idle' && p !== 'starting' && p !== 'error';
  dlModel.disabled = !haveModel;
  dlNir.disabled = !haveModel || !nirAvailable;
  clearBtn.disabled = !runs.some((r) => r !== current || !active);
  if (focused instanceof HTMLButtonElement && focused.disabled) (focused === startBtn ? pauseBtn : startBtn).focus();
  if (focused instanceof HTMLElement && focused !== document.body && fieldset.contains(focused) && active) startBtn.disabled ? pauseBtn.focus() : startBtn.focus();
  nirHint();
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (phase === 'paused' && current) {
    send({ type: 'resume', run: current.id });
    current.status = 'running';
    setPhase('running');
    say(`Resumed at iteration ${iteration}.`);
    return;
  }
  if (phase === 'starting' || phase === 'running') return;
  const settings = readForm();
  if (!showFormErrors(validateSettings(settings))) return;
  if (current && current.status !== 'finished') runs = runs.filter((r) => r !== current);
  const run: RunRecord = { id: ++runCounter, settings, color: COLORS[colorCounter++ % COLORS.length]!, points: [], status: 'running' };
  runs.push(run);
  current = run;
  truth = null;
  views = null;
  cost = null;
  msPerStep = NaN;
  iteration = 0;
  lastLoss = NaN;
  trainSeconds = 0;
  fingerprintEl.textContent = '';
  nirAvailable = settings.problem === 'mexican-hat';
  send({ type: 'start', run: run.id, settings });
  setPhase('starting');
  say(`Generating data and initialising ${settings.method} (seed ${settings.seed})…`);
  scheduleDraw();
});

pauseBtn.addEventListener('click', () => {
  if ((phase !== 'running' && phase !== 'starting') || !current) return;
  send({ type: 'pause', run: current.id });
  current.status = 'paused';
  setPhase('paused');
});

resetBtn.addEventListener('click', () => {
  if (!current) return;
  const wasFinished = current.status === 'finished';
  if (!wasFinished) runs = runs.filter((r) => r !== current);
  current = null;
  send({ type: 'reset', run: ++runCounter });
  truth = null;
  views = null;
  cost = null;
  iteration = 0;
  msPerStep = NaN;
  fingerprintEl.textContent = '';
  progressEl.value = 0;
  setPhase('idle');
  say(wasFinished ? 'Reset. The finished run stays on the error plot.' : 'Reset: the run was stopped and removed.');
  scheduleDraw();
});

clearBtn.addEventListener('click', () => {
  const keep = phase === 'starting' || phase === 'running' || phase === 'paused' ? current : null;
  runs = runs.filter((r) => r === keep);
  setPhase(phase);
  say('Cleared the finished runs from the error plot.');
  scheduleDraw();
});

dlModel.addEventListener('click', () => {
  if (current) send({ type: 'export', run: current.id, format: 'safetensors' });
});
dlNir.addEventListener('click', () => {
  if (current) {
    send({ type: 'export', run: current.id, format: 'nir' });
    say('Writing the NIR file (loading the HDF5 library on first use)…');
  }
});

function download(name: string, mime: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------------------------------------------------------------------------------------------------------------
// Worker messages.

const errText = (p: EvalPoint) => `test error ${p.test.toPrecision(3)}, train error ${p.train.toPrecision(3)}`;

worker.addEventListener('message', (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (!current || m.run !== current.id) return;
  const run = current;
  switch (m.type) {
    case 'started':
      truth = m.truth;
      cost = m.cost;
      nParams = m.nParams;
      setupMs = m.setupMs;
      views = m.views;
      nirAvailable = m.nirAvailable;
      kernelName = m.kernel;
      run.points.push(m.initial);
      if (phase === 'starting') setPhase('running');
      say(`Training ${run.settings.method} on ${problemName(run.settings.problem)}, seed ${run.settings.seed}: ${m.nParams.toLocaleString('en')} parameters; initial ${errText(m.initial)}.`);
      break;
    case 'progress':
      iteration = m.iteration;
      lastLoss = m.loss;
      msPerStep = m.msPerStep;
      scheduleDraw(false);
      return;
    case 'eval':
      run.points.push(m.point);
      views = m.views;
      iteration = Math.max(iteration, m.point.iteration);
      if (phase === 'running' && performance.now() - saidAt > 5000) say(`Iteration ${m.point.iteration} of ${run.settings.iterations}: ${errText(m.point)}.`);
      break;
    case 'paused':
      iteration = m.iteration;
      run.fingerprint = m.fingerprint;
      fingerprintEl.textContent = `Parameter fingerprint (iteration ${m.iteration}): ${m.fingerprint}`;
      say(`Paused at iteration ${m.iteration}. Press Resume to continue.`);
      break;
    case 'finished': {
      iteration = m.iteration;
      trainSeconds = m.seconds;
      run.status = 'finished';
      run.fingerprint = m.fingerprint;
      fingerprintEl.textContent = `Parameter fingerprint (iteration ${m.iteration}): ${m.fingerprint}`;
      setPhase('finished');
      const last = run.points[run.points.length - 1];
      say(`Finished ${m.iteration} iterations in ${m.seconds.toFixed(1)} s: ${last ? errText(last) : ''}.`);
      break;
    }
    case 'file':
      download(m.name, m.mime, m.bytes);
      say(`Downloaded ${m.name} (${(m.bytes.length / 1024).toFixed(1)} kB, ${m.note}).`);
      break;
    case 'error':
      if (m.fatal) {
        run.status = 'stopped';
        setPhase('error');
      }
      say(m.fatal ? `Stopped: ${m.message}` : m.message, true);
      break;
  }
  scheduleDraw();
});

worker.addEventListener('error', (e) => {
  setPhase('error');
  say(`The training worker failed: ${e.message || 'unknown error'}`, true);
});

// ---------------------------------------------------------------------------------------------------------------
// Drawing (at most once per frame).

let drawPending = false;
/** Whether the plots need redrawing (progress messages only change the counters). */
let plotsDirty = true;
function scheduleDraw(plots = true): void {
  plotsDirty ||= plots;
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    draw();
  });
}

const problemName = (p: Problem) => (p === 'mexican-hat' ? 'the Mexican hat' : 'Poisson');
const runLabel = (r: RunRecord) => `${r.settings.problem === 'mexican-hat' ? 'MH' : 'Poisson'} ${r.settings.method} s${r.settings.seed}`;

function draw(): void {
  drawProgress();
  drawCost();
  if (!plotsDirty) return;
  plotsDirty = false;
  drawCurves();
  drawPrediction();
  drawSpikes();
}

function drawProgress(): void {
  const total = current?.settings.iterations ?? 0;
  counterEl.textContent = `Iteration ${iteration.toLocaleString('en')}${total ? ` / ${total.toLocaleString('en')}` : ''}`;
  speedEl.textContent = Number.isFinite(msPerStep) ? `${msPerStep.toFixed(1)} ms/step · loss ${Number.isFinite(lastLoss) ? lastLoss.toExponential(2) : '–'}` : '';
  progressEl.value = total ? iteration / total : 0;
  progressEl.textContent = `${Math.round(100 * progressEl.value)}%`;
}

function drawCurves(): void {
  const series: Series[] = [];
  for (const r of runs) {
    const label = runLabel(r);
    series.push({ label: `${label} train`, points: r.points.map((p) => [p.iteration, p.train] as const), color: r.color, dash: '5 3', width: 1.4 });
    series.push({ label: `${label} test`, points: r.points.map((p) => [p.iteration, p.test] as const), color: r.color, width: 2.2 });
  }
  drawLineChart(curvesSvg, series, { logY: true, xLabel: 'iteration', yLabel: 'relative L2 error', empty: 'Start a run to see its error curves' });
  legendEl.replaceChildren();
  for (const r of runs) {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.borderColor = r.color;
    const last = r.points[r.points.length - 1];
    const state = r === current && r.status !== 'finished' ? (r.status === 'paused' ? 'paused' : r.status === 'stopped' ? 'stopped' : 'running') : r.status;
    li.append(sw, `${runLabel(r)}: ${last ? `test ${last.test.toPrecision(3)} at ${last.iteration}` : 'starting'} (${state})`);
    // Machine-readable too (the end-to-end test reads these).
    const first = r.points[0];
    li.dataset['run'] = String(r.id);
    li.dataset['state'] = state;
    if (first && last) {
      li.dataset['firstTest'] = String(first.test);
      li.dataset['lastTest'] = String(last.test);
      li.dataset['lastIteration'] = String(last.iteration);
    }
    if (r.fingerprint) li.dataset['fingerprint'] = r.fingerprint;
    legendEl.append(li);
  }
  if (runs.length > 0) {
    const key = document.createElement('li');
    key.className = 'key';
    key.textContent = 'solid: test, dashed: train';
    legendEl.append(key);
  }
  const summary = runs.map((r) => {
    const last = r.points[r.points.length - 1];
    return `${runLabel(r)} ${last ? `test error ${last.test.toPrecision(3)} at iteration ${last.iteration}` : 'starting'}`;
  });
  curvesSvg.setAttribute('aria-label', `Train and test error per iteration, log scale: ${summary.length ? summary.join('; ') : 'no runs yet'}`);
}

function range(a: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]!);
    hi = Math.max(hi, a[i]!);
  }
  return [lo, hi];
}

function colourBar(stops: typeof VIRIDIS, lo: number, hi: number, what: string): HTMLElement {
  const wrap = document.createElement('span');
  wrap.className = 'cbar-wrap';
  const bar = document.createElement('span');
  bar.className = 'cbar';
  bar.style.background = cssGradient(stops);
  bar.setAttribute('aria-hidden', 'true');
  wrap.append(`${what}: ${fmtTick(+lo.toPrecision(2))} `, bar, ` ${fmtTick(+hi.toPrecision(2))}`);
  return wrap;
}

function drawPrediction(): void {
  const t = truth;
  const v = views;
  if (!t || !v) {
    predGrid.hidden = false;
    predLineWrap.hidden = true;
    for (const c of [hmTruth, hmPred, hmErr]) {
      c.width = 1;
      c.height = 1;
      c.getContext('2d')?.clearRect(0, 0, 1, 1);
    }
    predCaption.textContent = 'The prediction of the current run appears here.';
    return;
  }
  if (t.kind === 'grid') {
    predGrid.hidden = false;
    predLineWrap.hidden = true;
    const [lo, hi] = range(t.values);
    const err = new Float64Array(t.values.length);
    for (let i = 0; i < err.length; i++) err[i] = Math.abs(v.prediction[i]! - t.values[i]!);
    const [, emax] = range(err);
    drawHeatmap(hmTruth, t.values, t.n, lo, hi, VIRIDIS);
    drawHeatmap(hmPred, v.prediction, t.n, lo, hi, VIRIDIS);
    drawHeatmap(hmErr, err, t.n, 0, emax, INFERNO);
    hmPred.setAttribute('aria-label', `Prediction heatmap at iteration ${v.iteration}`);
    hmErr.setAttribute('aria-label', `Absolute error heatmap, largest error ${emax.toPrecision(3)}`);
    predCaption.replaceChildren(
      `${t.caption}, iteration ${v.iteration}. x to the right, y up. `,
      colourBar(VIRIDIS, lo, hi, 'value'),
      ' ',
      colourBar(INFERNO, 0, emax, '|error|'),
    );
  } else {
    predGrid.hidden = true;
    predLineWrap.hidden = false;
    const x = Array.from(t.x);
    drawLineChart(
      predLine,
      [
        { label: 'truth u', points: x.map((xi, i) => [xi, t.values[i]!] as const), color: '#1b1f24', width: 2.2 },
        { label: 'prediction', points: x.map((xi, i) => [xi, v.prediction[i]!] as const), color: current?.color ?? '#0072B2', dash: '6 3', width: 2.2 },
      ],
      { logY: false, xLabel: 'x', yLabel: 'u(x)' },
    );
    let num = 0;
    let den = 0;
    for (let i = 0; i < x.length; i++) {
      num += (v.prediction[i]! - t.values[i]!) ** 2;
      den += t.values[i]! ** 2;
    }
    const rel = Math.sqrt(num / den);
    predLine.setAttribute('aria-label', `Truth and prediction of u on test function 0 at iteration ${v.iteration}: relative error ${rel.toPrecision(3)}`);
    predCaption.textContent = `${t.caption}, iteration ${v.iteration}. Black: truth; dashed: prediction (relative error ${rel.toPrecision(3)} on this function).`;
  }
}

function drawSpikes(): void {
  const v = views;
  if (!v) {
    const ctx = rasterCanvas.getContext('2d');
    rasterCanvas.style.height = '';
    ctx?.clearRect(0, 0, rasterCanvas.width, rasterCanvas.height);
    rasterCaption.textContent = 'The hidden-layer spikes of one input appear here.';
    ratesSvg.replaceChildren();
    return;
  }
  drawRaster(rasterCanvas, v.raster, v.T, v.N, v.layers);
  let total = 0;
  for (let i = 0; i < v.raster.length; i++) total += Math.abs(v.raster[i]!);
  const input =
    truth?.kind === 'grid' ? `input (x, y) = (${MH_RASTER_INPUT.join(', ')})` : 'the branch net on test function 0';
  const desc = `Spike raster of ${v.layers.map((l) => `${l.name} (${l.width} neurons)`).join(' and ')} over ${v.T} time steps for ${input}, iteration ${v.iteration}: ${total} spikes.`;
  rasterCanvas.setAttribute('aria-label', desc);
  rasterCaption.textContent = desc;
  drawRates(ratesSvg, v.rates);
  ratesSvg.setAttribute('aria-label', `Firing rate per layer: ${v.rates.map((r) => `${r.name} ${r.rate.toFixed(3)}`).join(', ')}`);
}

function drawCost(): void {
  const rows: Array<[string, string]> = [];
  const s = current?.settings;
  if (s && cost) {
    rows.push(['Time per step', Number.isFinite(msPerStep) ? `${msPerStep.toFixed(2)} ms (${(1000 / msPerStep).toFixed(0)} steps/s; this browser, evaluations excluded)` : 'measuring…']);
    rows.push(['Gradient', `${s.method}: ${cost.passes}`]);
    rows.push(['Kernel', kernelName]);
    rows.push(['Gradient memory', `${cost.memoryFloats.toLocaleString('en')} floats: ${cost.memoryWhat}`]);
    rows.push(['Batch', `${s.batch} ${s.problem === 'mexican-hat' ? 'points' : 'functions × 51 points'}, T = ${s.T}`]);
    rows.push(['Parameters', nParams.toLocaleString('en')]);
    if (views) {
      const pct = views.denseEvents > 0 ? (100 * views.synapticEvents) / views.denseEvents : 0;
      rows.push([
        'Synaptic events',
        `${Math.round(views.synapticEvents).toLocaleString('en')} per prediction (spikes × fan-out; ${pct.toFixed(0)}% of the ${views.denseEvents.toLocaleString('en')} a dense network with the same T would use)`,
      ]);
    }
    rows.push(['Setup', `data and initial evaluation ${setupMs.toFixed(0)} ms`]);
    if (trainSeconds > 0) rows.push(['Training time', `${trainSeconds.toFixed(1)} s including evaluations`]);
  } else {
    rows.push(['Per step', 'Start a run to measure its time and see what each gradient method computes.']);
  }
  costEl.replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      return [dt, dd];
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------

fillForm(defaultSettings());
setPhase('idle');
draw();
window.addEventListener('resize', () => scheduleDraw());
