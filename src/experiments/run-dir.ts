/**
 * A run directory: config.json (at start), metrics.jsonl (one line per evaluation, rewritten atomically),
 * checkpoint.safetensors (every N iterations), model.safetensors and result.json (at the end). Every file is
 * written to a temporary name and renamed, so a crash never leaves a half-written file.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import type { MetricsRow } from './train.js';

/**
 * The revision of the arithmetic: bumped by any change that alters a run's numbers in any bit (same seed,
 * same configuration). result.json records it, and `reproduce` reuses a finished run only if it matches, so a
 * report never mixes runs of two engines. 1: up to the parent of commit d27663b; 2: the first spiking layer's
 * tangent in closed form (d27663b).
 */
export const ARITHMETIC_REVISION = 2;

export const FILES = {
  config: 'config.json',
  metrics: 'metrics.jsonl',
  model: 'model.safetensors',
  checkpoint: 'checkpoint.safetensors',
  result: 'result.json',
} as const;

export interface RunResultJson {
  problem: string;
  method: string;
  seed: number;
  iterations: number;
  test_rel_l2: number;
  train_rel_l2: number;
  final_loss: number;
  train_seconds: number;
  ms_per_iteration: number;
  spikegrad_version: string;
  /** ARITHMETIC_REVISION of the engine that trained the run (absent before revision 2). */
  arithmetic_revision?: number;
}

/** Create (or check) DIR and make sure we can write into it; one clear error otherwise. */
export function prepareRunDir(dir: string): void {
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`--out ${dir} exists and is not a directory`);
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.write-test-${process.pid}`);
    writeFileAtomic(probe, '');
    rmSync(probe, { force: true });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot write to output directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function writeJson(dir: string, name: string, value: unknown): void {
  writeFileAtomic(join(dir, name), JSON.stringify(value, null, 2) + '\n');
}

export function writeMetrics(dir: string, rows: MetricsRow[]): void {
  writeFileAtomic(join(dir, FILES.metrics), rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
}

export function readMetrics(dir: string): MetricsRow[] {
  const p = join(dir, FILES.metrics);
  if (!existsSync(p)) return [];
  const lines = readFileSync(p, 'utf8').split('\n').filter((l) => l.trim() !== '');
  return lines.map((l, i) => {
    try {
      return JSON.parse(l) as MetricsRow;
    } catch {
      throw new UserError(`${p}: line ${i + 1} is not valid JSON`);
    }
  });
}

export function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UserError(`${path} is not valid JSON`);
  }
}
