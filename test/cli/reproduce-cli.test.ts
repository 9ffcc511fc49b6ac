/** `spikegrad reproduce`: runs every method on workers, writes the report and figures, and resumes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
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
  for (const m of ['SG-BP', 'SG-RFG-L', 'SG-RFG-G']) assert.match(report, new RegExp(`\\| mexican-hat \\| ${m} \\| 0\\.0\\d+ \\| [0-9.]+ ± [0-9.]+ \\| 2 \\|`));
  for (const f of ['fig5-mexican-hat.png', 'mexican-hat-training-curves.png']) {
    assert.ok(existsSync(join(out, f)) && statSync(join(out, f)).size > 1000, `${f} written`);
  }
  const model = join(out, 'runs', 'mexican-hat', 'SG-BP', 's1', 'model.safetensors');
  const before = statSync(model).mtimeMs;
  const r2 = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stderr, /done earlier: mexican-hat SG-BP s1/);
  assert.equal(statSync(model).mtimeMs, before, 'finished runs are not redone');
  const bad = spawnSync(process.execPath, [CLI, 'reproduce', 'tabel1'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr.trim(), /^spikegrad: unknown experiment 'tabel1'/);
});
