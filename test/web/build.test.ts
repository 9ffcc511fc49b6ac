/**
 * The browser playground builds without a browser: web/ type-checks (DOM libs, web/tsconfig.json) and Vite bundles
 * it with relative asset paths and no `node:` import left (library modules that import Node built-ins must stay
 * covered by the aliases in web/vite.config.ts). The end-to-end test (playground.test.ts) needs Chromium.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'web', 'vite.config.ts')) && existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error('cannot find the repository root (web/vite.config.ts)');
}

test('web/ type-checks and builds into a static site', { timeout: 120_000 }, () => {
  const root = repoRoot();
  const bin = (name: string) => join(root, 'node_modules', '.bin', name);
  execFileSync(bin('tsc'), ['-p', join(root, 'web', 'tsconfig.json')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const out = mkdtempSync(join(tmpdir(), 'spikegrad-web-build-'));
  try {
    execFileSync(bin('vite'), ['build', '--config', join(root, 'web', 'vite.config.ts'), '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    assert.match(html, /<script type="module" crossorigin src="\.\/assets\/index-[\w-]+\.js">/, 'the page script is referenced relative to the page');
    const assets = readdirSync(join(out, 'assets'));
    const js = assets.filter((f) => f.endsWith('.js'));
    assert.ok(js.some((f) => f.startsWith('worker-')), `a worker chunk is emitted (${js.join(', ')})`);
    for (const f of js) {
      if (f.startsWith('hdf5_hl-')) continue; // h5wasm's Emscripten loader mentions node modules in its Node-only branch
      const code = readFileSync(join(out, 'assets', f), 'utf8');
      const m = code.match(/(?:from|import\()\s*["']node:[\w/]+["']/);
      assert.equal(m, null, `${f} imports a Node built-in: ${m?.[0]}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
