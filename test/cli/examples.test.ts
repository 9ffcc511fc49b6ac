/** The README's library example runs and learns (it is the file the README points to). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

test('examples/quickstart.mjs runs and its loss falls', () => {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples', 'quickstart.mjs');
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const first = Number(lines[0]!.split(' ')[1]);
  const last = Number(lines[lines.length - 1]!.split(' ').pop());
  assert.ok(last < first / 5, `loss ${first} → ${last}`);
});
