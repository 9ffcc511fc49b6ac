/** The PyTorch peer (../shared/peer/torch_peer.py), run side by side when Debian's python3-torch is installed. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** One JSON row of `torch_peer.py --json` (the fields the benchmark reads). */
export interface PeerRow {
  threads?: number;
  model: string;
  step: string;
  batch: number;
  ms_median: number;
  ms_min?: number;
  /** Cores used by other processes during the cell (null/absent: unknown). */
  other_cpu?: number | null;
  /** The peer's reading of the batch, e.g. "20 functions x 51 points", and its output points. */
  shape?: string;
  points?: number;
  /** Tangent pass the peer kept for an rfg cell (manual or stream). */
  jvp_impl?: string;
  torch_version?: string;
}

export function findPeer(repoRoot: string): { python: string; script: string } | { missing: string } {
  const script = join(repoRoot, '..', 'shared', 'peer', 'torch_peer.py');
  if (!existsSync(script)) return { missing: `${script} not found` };
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { missing: 'PyTorch is not installed (apt-get install -y python3-torch)' };
  return { python, script };
}

/**
 * Runs the peer on `model` ('mlp', 'deeponet', 'seponet' or 'all') and returns its JSON rows. The peer takes
 * the same batch numbers and reads them its own way (bench/models.ts does the same).
 */
export function runPeer(
  peer: { python: string; script: string },
  model: string,
  steps: string[],
  batches: number[],
  targetSeconds: number,
  threads = 2,
  warmupSeconds = 1,
): PeerRow[] {
  const out = execFileSync(
    peer.python,
    [
      peer.script,
      '--model',
      model,
      '--steps',
      steps.join(','),
      '--batch',
      batches.join(','),
      '--json',
      '--target-seconds',
      String(targetSeconds),
      '--warmup-seconds',
      String(warmupSeconds),
      '--threads',
      String(threads),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
  );
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as PeerRow);
}
