/** Run management end to end: SIGKILL mid-run then --resume; NIR export/import through the CLI; eval. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

const RUN = ['train', 'mexican-hat', '--method', 'SG-RFG-L', '--seed', '2', '--iterations', '400', '--batch', '32', '--eval-every', '50', '--checkpoint-every', '20', '--quiet'];

test('a run killed with SIGKILL and resumed ends with exactly the weights of an uninterrupted run', async () => {
  const base = mkdtempSync(join(tmpdir(), 'sg-resume-'));
  const full = join(base, 'full');
  assert.equal(cli([...RUN, '--out', full]).status, 0);
  const killed = join(base, 'killed');
  const child = spawn(process.execPath, [CLI, ...RUN, '--out', killed], { stdio: 'ignore' });
  // Wait for a checkpoint, then kill without warning.
  const ck = join(killed, 'checkpoint.safetensors');
  const t0 = Date.now();
  while (!existsSync(ck) && Date.now() - t0 < 30000) await new Promise((r) => setTimeout(r, 20));
  assert.ok(existsSync(ck), 'a checkpoint appeared');
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  assert.ok(!existsSync(join(killed, 'result.json')), 'the run was interrupted before it finished');
  const r = cli(['train', '--resume', killed, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(join(full, 'model.safetensors')).equals(readFileSync(join(killed, 'model.safetensors'))), 'identical model bytes');
  const a = JSON.parse(readFileSync(join(full, 'result.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(killed, 'result.json'), 'utf8'));
  assert.equal(a.test_rel_l2, b.test_rel_l2);
});

test('corrupted checkpoint or model: one clear error line, exit 2', () => {
  const base = mkdtempSync(join(tmpdir(), 'sg-corrupt-'));
  const run = join(base, 'r');
  assert.equal(cli([...RUN.slice(0, 6), '--iterations', '40', '--checkpoint-every', '20', '--batch', '16', '--quiet', '--out', run]).status, 0);
  const ck = join(run, 'checkpoint.safetensors');
  const bytes = readFileSync(ck);
  writeFileSync(ck, bytes.subarray(0, Math.floor(bytes.length / 2)));
  let r = cli(['train', '--resume', run]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  const model = join(run, 'model.safetensors');
  const mb = Buffer.from(readFileSync(model));
  mb[mb.length - 3] ^= 0xff;
  writeFileSync(model, mb);
  r = cli(['eval', run]);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('export-nir → import-nir → eval reproduces the model; eval writes the figure; fine-tuning starts from it', () => {
  const base = mkdtempSync(join(tmpdir(), 'sg-nir-'));
  const run = join(base, 'r');
  assert.equal(cli(['train', 'mexican-hat', '-m', 'SG-BP', '-n', '20', '-b', '64', '-q', '-o', run]).status, 0);
  const nir = join(base, 'm.nir');
  const ex = cli(['export-nir', run, nir]);
  assert.equal(ex.status, 0, ex.stderr);
  assert.match(ex.stderr, /subtract/);
  const imp = join(base, 'imported');
  assert.equal(cli(['import-nir', nir, '--out', imp]).status, 0);
  const e1 = cli(['eval', run]);
  const e2 = cli(['eval', imp, '--no-figure']);
  assert.equal(e1.status, 0, e1.stderr);
  const num = (s: string) => /test rel\. L2 ([0-9.]+)/.exec(s)![1];
  assert.equal(num(e1.stdout), num(e2.stdout), 'same test error after the round trip');
  assert.ok(existsSync(join(run, 'prediction.png')));
  const png = readFileSync(join(run, 'prediction.png'));
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  const ft = cli(['train', 'mexican-hat', '-m', 'SG-RFG-L', '-n', '10', '-b', '64', '-q', '--init-from', imp, '-o', join(base, 'ft')]);
  assert.equal(ft.status, 0, ft.stderr);
  const bad = join(base, 'bad.nir');
  writeFileSync(bad, readFileSync(nir).subarray(0, 300));
  const r = cli(['import-nir', bad, '--out', join(base, 'x')]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(!existsSync(join(base, 'x')));
});

test('eval draws the operator problems too (Poisson line plot)', () => {
  const base = mkdtempSync(join(tmpdir(), 'sg-op-eval-'));
  const run = join(base, 'p');
  const t = cli(['train', 'poisson', '-m', 'SG-BP', '-n', '5', '-b', '8', '-q', '-o', run]);
  assert.equal(t.status, 0, t.stderr);
  const e = cli(['eval', run]);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /poisson SG-BP seed 0: test rel\. L2 [0-9.]+/);
  assert.equal(readFileSync(join(run, 'prediction.png')).subarray(1, 4).toString(), 'PNG');
});
