/** `spikegrad reproduce`: runs every method on workers, writes the report and figures, and resumes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

test('reproduce mexican-hat (scaled down): report, figures, and a second call reuses finished runs', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'sg-repro-')), 'r');
  const args = [CLI, 'reproduce', 'mexican-hat', '--scale', '0.002', '--seeds', '2', '--out', out, '--workers', '2'];
  const r1 = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(r1.status, 0, r1.stderr);
  const report = readFileSync(join(out, 'REPORT.md'), 'utf8');
  for (const m of ['SG-BP', 'SG-RFG-L', 'SG-RFG-G']) assert.match(report, new RegExp(`\\| mexican-hat \\| ${m} \\| (–|\\d+) \\| 0\\.0\\d+ \\| ≤ 0\\.0\\d+ \\| [0-9.]+ ± [0-9.]+ \\| 2 \\|`));
  for (const f of ['fig5-mexican-hat.png', 'mexican-hat-training-curves.png']) {
    assert.ok(existsSync(join(out, f)) && statSync(join(out, f)).size > 1000, `${f} written`);
  }
  const model = join(out, 'runs', 'mexican-hat', 'SG-BP', 's1', 'model.safetensors');
  const before = statSync(model).mtimeMs;
  const r2 = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stderr, /done earlier: mexican-hat SG-BP s1/);
  assert.equal(statSync(model).mtimeMs, before, 'finished runs are not redone');
  // A run trained by an engine with other arithmetic (result.json of an older revision) is redone.
  const resultPath = join(out, 'runs', 'mexican-hat', 'SG-BP', 's1', 'result.json');
  const old = JSON.parse(readFileSync(resultPath, 'utf8')) as Record<string, unknown>;
  assert.equal(typeof old.arithmetic_revision, 'number');
  delete old.arithmetic_revision;
  writeFileSync(resultPath, JSON.stringify(old));
  const r3 = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(r3.status, 0, r3.stderr);
  assert.doesNotMatch(r3.stderr, /done earlier: mexican-hat SG-BP s1/);
  assert.match(r3.stderr, /done earlier: mexican-hat SG-BP s0/);
  assert.ok(statSync(model).mtimeMs > before, 'the older-arithmetic run is redone');
  const bad = spawnSync(process.execPath, [CLI, 'reproduce', 'tabel1'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr.trim(), /^spikegrad: unknown experiment 'tabel1'/);
});

test('reproduce all (scaled down): every Table 1 row, the extra rows, diffusion-reaction, Figs. 5–7 and curves', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'sg-repro-all-')), 'r');
  const r = spawnSync(process.execPath, [CLI, 'reproduce', 'all', '--scale', '0.002', '--seeds', '1', '--out', out, '--workers', '2'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const report = readFileSync(join(out, 'REPORT.md'), 'utf8');
  const paper: Record<string, string> = {
    'SG-BP': '0.0246', 'WSG-BP': '0.0241', 'SG-BP-LL': '0.0264', 'WSG-BP-LL': '0.0244', 'SG-RFG-G': '0.0422',
    'WSG-RFG-G': '0.0412', 'SG-RFG-L': '0.0347', 'WSG-RFG-L': '0.0359', 'SG-RFG-LL': '0.0431', 'WSG-RFG-LL': '0.0446',
  };
  for (const [m, v] of Object.entries(paper)) assert.match(report, new RegExp(`\\| poisson \\| ${m} \\| (–|\\d+) \\| ${v.replace('.', '\\.')} \\| ≤ ${v.replace('.', '\\.')} \\| [0-9.]+ \\| 1 \\|`), m);
  for (const m of ['SG-RFG-G K=4', 'SG-RFG-L K=4', 'SG-WP']) assert.ok(report.includes(`| poisson | ${m} (beyond the paper) |`), m);
  assert.match(report, /\| diffusion-reaction \| SG-BP \| – \| – \| ≤ 0\.0500 \|/);
  assert.match(report, /\| diffusion-reaction \| SG-RFG-L \| \d+ \| – \| ≤ 0\.0700 \|/);
  assert.match(report, /Total wall time of this invocation: [0-9.]+ min/);
  for (const f of ['fig5-mexican-hat.png', 'fig6-poisson.png', 'fig7-diffusion-reaction.png', 'mexican-hat-training-curves.png', 'poisson-training-curves.png', 'diffusion-reaction-training-curves.png']) {
    assert.ok(existsSync(join(out, f)) && statSync(join(out, f)).size > 1000, `${f} written`);
    assert.ok(report.includes(`](${f})`), `${f} linked from the report`);
  }
});
