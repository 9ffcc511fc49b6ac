/** The PyTorch peer (../shared/peer/torch_peer.py), run side by side when Debian's python3-torch is installed. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface PeerRow {
  threads?: number;
  model: string;
  step: string;
  batch: number;
  ms_median: number;
  other_cpu?: number;
}

export function findPeer(repoRoot: string): { python: string; script: string } | { missing: string } {
  const script = join(repoRoot, '..', 'shared', 'peer', 'torch_peer.py');
  if (!existsSync(script)) return { missing: `${script} not found` };
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { missing: 'PyTorch is not installed (apt-get install -y python3-torch)' };
  return { python, script };
}

export function runPeer(peer: { python: string; script: string }, model: string, steps: string[], batches: number[], targetSeconds: number, threads = 2): PeerRow[] {
  const out = execFileSync(
    peer.python,
    [peer.script, '--model', model, '--steps', steps.join(','), '--batch', batches.join(','), '--json', '--target-seconds', String(targetSeconds), '--threads', String(threads)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
  );
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as PeerRow);
}
