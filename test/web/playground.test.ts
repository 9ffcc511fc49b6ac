/**
 * End-to-end test of the browser playground in a real browser: headless Chromium (Debian's, /usr/bin/chromium, or
 * $CHROMIUM_PATH) driven by playwright-core. Builds the page into a temporary directory with Vite, serves it from a
 * node:http static server on 127.0.0.1 (no network), and then at 1280 × 800:
 *   - reaches the Start button with the keyboard (Tab) and checks the focus is visible;
 *   - trains the Mexican hat (SG-BP, short run) started from the keyboard; the test error read from the DOM falls;
 *   - the error curves (SVG), heatmaps, spike raster (canvas) and rate bars are not empty;
 *   - the same seed again, paused and resumed, ends with the same parameter fingerprint (bit-identical);
 *   - the model (.safetensors) and NIR (.nir, HDF5) downloads load with the library's readers, same parameters;
 *   - a short Poisson DeepONet run learns and draws its line plot; the NIR button is disabled for it;
 *   - a short WSG-RFG-L run (stochastic surrogate, K = 2 directions per layer) learns;
 * and takes screenshots at 1280 × 800 and 390 × 844 into a temporary directory ($SPIKEGRAD_SCREENSHOTS to choose).
 * Skips, with a message, when Chromium is not installed (Debian: apt-get install -y chromium).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { importNir } from '../../src/io/nir.js';
import { loadModel } from '../../src/io/safetensors.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The repository root: this file runs as dist/test/web/playground.test.js (or from test/web with a TS runner). */
function repoRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'web', 'vite.config.ts')) && existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error('cannot find the repository root (web/vite.config.ts)');
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A static file server for `root` on 127.0.0.1 and a free port. */
async function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (install it: apt-get install -y chromium; or set CHROMIUM_PATH)`;

test('browser playground: trains, plots, repeats bit-identically, downloads, is keyboard-accessible', { skip, timeout: 120_000 }, async (t) => {
  const root = repoRoot();
  const work = mkdtempSync(join(tmpdir(), 'spikegrad-web-'));
  const outDir = join(work, 'site');
  const shots = process.env['SPIKEGRAD_SCREENSHOTS'] ?? join(work, 'screenshots');
  mkdirSync(shots, { recursive: true });
  execFileSync(join(root, 'node_modules', '.bin', 'vite'), ['build', '--config', join(root, 'web', 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  assert.ok(existsSync(join(outDir, 'index.html')), 'vite build wrote index.html');
  const html = readFileSync(join(outDir, 'index.html'), 'utf8');
  assert.match(html, /src="\.\/assets\//, 'assets are referenced relative to the page (base ./)');

  const { server, url } = await serve(outDir);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(url);
    await page.waitForSelector('#start:not([disabled])');

    // Keyboard: Tab from the top of the page reaches Start, with a visible focus indicator.
    let reached = false;
    const order: string[] = [];
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      const info = await page.evaluate(() => {
        const a = document.activeElement as HTMLElement | null;
        return { id: a?.id ?? '', visible: a ? a.matches(':focus-visible') : false };
      });
      order.push(info.id);
      if (info.id === 'start') {
        reached = true;
        assert.ok(info.visible, 'the focused Start button matches :focus-visible');
      }
    }
    assert.ok(reached, `Tab reaches Start (focus order: ${order.join(', ')})`);
    const firstControls = order.filter((id) => id !== '');
    assert.deepEqual(firstControls.slice(0, 3), ['problem', 'method', 'seed'], 'Tab order follows the form');

    // A short Mexican-hat run, started with the keyboard.
    const setRun = async (fields: Record<string, string>) => {
      for (const [id, v] of Object.entries(fields)) await page.fill(`#${id}`, v);
    };
    await setRun({ seed: '7', iterations: '1000', evalEvery: '100' });
    await page.focus('#start');
    await page.keyboard.press('Enter');
    const legendItem = (run: number) => `#legend li[data-run="${run}"]`;
    await page.waitForSelector(`${legendItem(1)}[data-state="finished"]`, { timeout: 45_000 });
    const run1 = await page.$eval(legendItem(1), (li) => ({ ...(li as HTMLElement).dataset }));
    const first = Number(run1['firstTest']);
    const last = Number(run1['lastTest']);
    t.diagnostic(`Mexican hat SG-BP, 1000 iterations: test error ${first.toPrecision(3)} → ${last.toPrecision(3)}`);
    assert.ok(Number.isFinite(first) && Number.isFinite(last), 'test errors are numbers');
    assert.ok(last < 0.5 * first, `test error falls (${first} → ${last})`);
    assert.equal(run1['lastIteration'], '1000');
    assert.match(run1['fingerprint'] ?? '', /^[0-9a-f]{16}$/);
    assert.match(await page.textContent('#status') ?? '', /Finished 1000 iterations/);

    // The plots are drawn.
    const plots = await page.evaluate(() => {
      const paths = Array.from(document.querySelectorAll('#curves path')).map((p) => (p.getAttribute('d') ?? '').length);
      const canvasInk = (id: string) => {
        const c = document.getElementById(id) as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const colours = new Set<number>();
        let dark = 0;
        for (let i = 0; i < d.length; i += 4) {
          colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
          if (d[i]! + d[i + 1]! + d[i + 2]! < 150) dark++;
        }
        return { w: c.width, h: c.height, colours: colours.size, dark };
      };
      return {
        paths,
        truth: canvasInk('hm-truth'),
        pred: canvasInk('hm-pred'),
        err: canvasInk('hm-err'),
        raster: canvasInk('raster'),
        rateBars: document.querySelectorAll('#rates rect').length,
        cost: document.getElementById('cost')!.textContent ?? '',
      };
    });
    assert.equal(plots.paths.length, 2, 'one train and one test curve');
    assert.ok(plots.paths.every((n) => n > 20), 'the curves have several points');
    for (const k of ['truth', 'pred', 'err'] as const) {
      assert.equal(plots[k].w, 50, `${k} heatmap is 50 × 50`);
      assert.ok(plots[k].colours > 20, `${k} heatmap shows a range of colours`);
    }
    assert.ok(plots.raster.dark > 20, 'the spike raster shows spikes');
    assert.equal(plots.rateBars, 4, 'two layers with a background and a value bar each');
    assert.match(plots.cost, /ms \(/, 'the time per step is shown');
    await page.screenshot({ path: join(shots, 'playground-1280x800.png') });

    // Downloads: the model as safetensors, the NIR graph as HDF5.
    const [modelDl] = await Promise.all([page.waitForEvent('download'), page.click('#dl-model')]);
    const modelPath = join(work, modelDl.suggestedFilename());
    await modelDl.saveAs(modelPath);
    const bytes = readFileSync(modelPath);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { shape?: number[] }> & { __metadata__: Record<string, string> };
    assert.deepEqual(header['layers.0.weight']?.shape, [16, 2]);
    assert.deepEqual(header['readout.weight']?.shape, [1, 16]);
    assert.match(header.__metadata__['spikegrad_sha256'] ?? '', /^[0-9a-f]{64}$/);
    assert.match(modelDl.suggestedFilename(), /^mexican-hat-SG-BP-s7-it1000\.safetensors$/);
    const [nirDl] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('#dl-nir')]);
    const nirPath = join(work, nirDl.suggestedFilename());
    await nirDl.saveAs(nirPath);
    const nir = readFileSync(nirPath);
    assert.deepEqual([...nir.subarray(0, 8)], [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 'the NIR file is HDF5');
    t.diagnostic(`downloads: ${modelDl.suggestedFilename()} (${bytes.length} B), ${nirDl.suggestedFilename()} (${nir.length} B)`);
    // Both load with the library's readers (checksums verified), and hold the same parameters.
    const model = loadModel(modelPath);
    const imported = await importNir(nirPath);
    assert.deepEqual(imported.params, model.params, 'the NIR file holds the model parameters');
    assert.deepEqual(imported.cfg.sizes, [2, 16, 16, 1]);

    // Same seed again, paused right after the start and resumed: bit-identical parameters. (The worker trains in
    // chunks of ~50 ms whatever happens, so every run also resumes from saved states many times.) The first run
    // stays on the plot.
    await page.click('#start');
    await page.click('#pause');
    await page.waitForSelector('#start:not([disabled])');
    assert.equal(await page.textContent('#start'), 'Resume');
    await page.waitForFunction(() => /Paused at iteration/.test(document.getElementById('status')!.textContent ?? ''));
    await page.click('#start');
    await page.waitForSelector(`${legendItem(2)}[data-state="finished"]`, { timeout: 45_000 });
    const run2 = await page.$eval(legendItem(2), (li) => ({ ...(li as HTMLElement).dataset }));
    assert.equal(run2['fingerprint'], run1['fingerprint'], 'same seed, same parameters (after a pause)');
    assert.equal(run2['lastTest'], run1['lastTest']);
    assert.equal((await page.$$('#curves path')).length, 4, 'both runs are on the error plot');

    // Poisson DeepONet, a short run.
    await page.selectOption('#problem', 'poisson');
    await setRun({ iterations: '100', evalEvery: '50' });
    await page.click('#start');
    await page.waitForSelector(`${legendItem(3)}[data-state="finished"]`, { timeout: 45_000 });
    const run3 = await page.$eval(legendItem(3), (li) => ({ ...(li as HTMLElement).dataset }));
    t.diagnostic(`Poisson SG-BP, 100 iterations: test error ${Number(run3['firstTest']).toPrecision(3)} → ${Number(run3['lastTest']).toPrecision(3)}`);
    assert.ok(Number(run3['lastTest']) < 0.7 * Number(run3['firstTest']), 'Poisson test error falls');
    assert.ok(await page.isVisible('#pred-line'), 'the Poisson line plot is shown');
    assert.equal((await page.$$('#pred-line path')).length, 2, 'truth and prediction lines');
    assert.ok(await page.isDisabled('#dl-nir'), 'no NIR export for the DeepONet');
    assert.match((await page.getAttribute('#dl-nir', 'title')) ?? '', /DeepONet/);
    await page.screenshot({ path: join(shots, 'playground-poisson-1280x800.png') });

    // A forward-gradient run with the weak-form surrogate (stochastic: directions and Stein samples every step).
    await page.selectOption('#problem', 'mexican-hat');
    await page.selectOption('#method', 'WSG-RFG-L');
    assert.ok(await page.isEnabled('#directions'), 'K is editable for RFG');
    await setRun({ iterations: '100', evalEvery: '50', directions: '2' });
    await page.click('#start');
    await page.waitForSelector(`${legendItem(4)}[data-state="finished"]`, { timeout: 45_000 });
    const run4 = await page.$eval(legendItem(4), (li) => ({ ...(li as HTMLElement).dataset }));
    t.diagnostic(`Mexican hat WSG-RFG-L (K = 2), 100 iterations: test error ${Number(run4['firstTest']).toPrecision(3)} → ${Number(run4['lastTest']).toPrecision(3)}`);
    assert.ok(Number(run4['lastTest']) < Number(run4['firstTest']), 'RFG test error falls');
    assert.match(await page.textContent('#cost') ?? '', /carrying 6 tangents/);

    // Narrow screen: the layout stacks and nothing overflows horizontally.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at 390 px (overflow ${overflow} px)`);
    await page.screenshot({ path: join(shots, 'playground-390x844.png'), fullPage: true });
    t.diagnostic(`screenshots in ${shots}`);

    assert.deepEqual(problems, [], 'no page errors, console errors or failed requests');
    await context.close();
  } finally {
    await browser.close();
    await new Promise<void>((ok) => server.close(() => ok()));
    // Keep the screenshots (their directory is printed above); drop the build and the downloads.
    for (const entry of readdirSync(work)) if (join(work, entry) !== shots) rmSync(join(work, entry), { recursive: true, force: true });
  }
});
