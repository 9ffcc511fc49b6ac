/** The CLI end to end: outputs, determinism, and one-line errors with exit code 2. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, SPIKEGRAD_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SHORT = ['--iterations', '30', '--batch', '64', '--eval-every', '10', '--quiet'];

function withoutTimings(path: string) {
  const r = JSON.parse(readFileSync(path, 'utf8'));
  delete r.train_seconds;
  delete r.ms_per_iteration;
  return r;
}

test('same seed → identical result.json (timings aside) and identical model bytes', () => {
  const base = mkdtempSync(join(tmpdir(), 'sg-cli-'));
  for (const method of ['SG-BP', 'WSG-RFG-L']) {
    const a = join(base, `${method}-a`);
    const b = join(base, `${method}-b`);
    for (const out of [a, b]) {
      const r = cli(['train', 'mexican-hat', '--method', method, '--seed', '3', '--out', out, ...SHORT]);
      assert.equal(r.code, 0, r.stderr);
    }
    for (const f of ['config.json', 'metrics.jsonl', 'model.safetensors', 'result.json']) assert.ok(existsSync(join(a, f)), `${f} written`);
    assert.deepEqual(withoutTimings(join(a, 'result.json')), withoutTimings(join(b, 'result.json')));
    assert.ok(readFileSync(join(a, 'model.safetensors')).equals(readFileSync(join(b, 'model.safetensors'))));
    const res = JSON.parse(readFileSync(join(a, 'result.json'), 'utf8'));
    for (const k of ['method', 'seed', 'iterations', 'test_rel_l2', 'train_rel_l2', 'train_seconds']) assert.ok(k in res, `result.json has ${k}`);
    assert.equal(res.method, method);
    assert.equal(res.iterations, 30);
    const lines = readFileSync(join(a, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 3);
    assert.ok(!readdirSync(a).some((f) => f.endsWith('.tmp')), 'no temporary files left');
  }
  // A different seed gives a different model.
  const c = join(base, 'c');
  assert.equal(cli(['train', 'mexican-hat', '--method', 'SG-BP', '--seed', '4', '--out', c, ...SHORT]).code, 0);
  assert.ok(!readFileSync(join(c, 'model.safetensors')).equals(readFileSync(join(base, 'SG-BP-a', 'model.safetensors'))));
});

test('bad input: one line on stderr, exit code 2, nothing written', () => {
  const base = mkdtempSync(join(tmpdir(), 'sg-cli-'));
  const file = join(base, 'a-file');
  writeFileSync(file, 'x');
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown method', ['train', 'mexican-hat', '--method', 'SG-XYZ', '--out', join(base, 'o1')], /unknown method 'SG-XYZ'/],
    ['negative iterations', ['train', 'mexican-hat', '--method', 'SG-BP', '--iterations', '-5', '--out', join(base, 'o2')], /iterations/],
    ['zero iterations', ['train', 'mexican-hat', '--method', 'SG-BP', '--iterations', '0', '--out', join(base, 'o3')], /positive integer/],
    ['bad lr', ['train', 'mexican-hat', '--method', 'SG-BP', '--lr', 'fast', '--out', join(base, 'o4')], /positive number/],
    ['unwritable --out', ['train', 'mexican-hat', '--method', 'SG-BP', '--out', join(file, 'sub')], /cannot write to output directory/],
    ['unknown flag', ['train', 'mexican-hat', '--method', 'SG-BP', '--frobnicate'], /unknown option/],
    ['unknown problem', ['train', 'tetris', '--method', 'SG-BP'], /unknown problem 'tetris'/],
    ['missing method', ['train', 'mexican-hat'], /missing --method/],
    ['unknown command', ['fly'], /unknown command/],
    ['resume without run', ['train', '--resume', join(base, 'nothing')], /no config.json/],
  ];
  for (const [name, args, re] of cases) {
    const r = cli(args);
    assert.equal(r.code, 2, `${name}: exit ${r.code}, stderr ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${name}: one line, got ${JSON.stringify(r.stderr)}`);
    assert.match(lines[0]!, re, name);
    assert.ok(!/\bat .*\.js:\d+/.test(r.stderr), `${name}: no stack trace`);
  }
  for (const o of ['o1', 'o2', 'o3', 'o4']) assert.ok(!existsSync(join(base, o)), `${o} not created`);
});

test('--help documents every flag', () => {
  const r = cli(['train', '--help']);
  assert.equal(r.code, 0);
  for (const flag of ['--method', '--directions', '--iterations', '--lr', '--batch', '--seed', '--out', '--resume', '--checkpoint-every']) {
    assert.ok(r.stdout.includes(flag), `help mentions ${flag}`);
  }
});
