import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/util/errors.js';
import {
  cacheFileName,
  crc32,
  DATA_MAGIC,
  DatasetFileError,
  decodeDataset,
  encodeDataset,
  loadOrGenerate,
  loadOrGenerateDiffusionReaction,
  loadOrGeneratePoisson,
  readDatasetFile,
  type CacheParams,
  type StoredArrays,
} from '../../src/problems/dataset-cache.js';
import { makeDiffusionReactionDataset } from '../../src/problems/diffusion-reaction.js';
import { makePoissonDataset } from '../../src/problems/poisson.js';

function withTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'spikegrad-cache-test-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PARAMS: CacheParams = { problem: 'toy', seed: 3, n: 4, scale: 0.5 };

function toyArrays(scale: number): StoredArrays {
  return {
    grid: { shape: [5], data: Float64Array.of(0, 0.25, 0.5, 0.75, 1) },
    values: { shape: [2, 3], data: Float64Array.of(1, -0, scale, Number.MIN_VALUE, -1e300, Math.PI) },
    special: { shape: [3], data: Float64Array.of(Infinity, -Infinity, NaN) },
    empty: { shape: [0, 4], data: new Float64Array(0) },
  };
}

/** A generator that counts its calls. */
function counting(scale: number): { gen: () => StoredArrays; calls: () => number } {
  let n = 0;
  return {
    gen: () => {
      n++;
      return toyArrays(scale);
    },
    calls: () => n,
  };
}

test('crc32 check value', () => {
  assert.equal(crc32(Buffer.from('123456789', 'ascii')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('encode/decode round trip is bit-exact, file starts with the magic bytes', () => {
  const arrays = toyArrays(0.5);
  const bytes = encodeDataset(PARAMS, arrays);
  assert.equal(Buffer.from(bytes.subarray(0, 8)).toString('latin1'), DATA_MAGIC);
  const back = decodeDataset(bytes);
  assert.deepEqual(back.params, PARAMS);
  assert.deepEqual(Object.keys(back.arrays), Object.keys(arrays));
  for (const [name, a] of Object.entries(arrays)) {
    assert.deepEqual(back.arrays[name]!.shape, a.shape);
    assert.deepEqual(new Uint8Array(back.arrays[name]!.data.buffer), new Uint8Array(a.data.buffer), name);
  }
  // The payload starts at the first multiple of 8 after the header and holds 8 bytes per element.
  const headerLength = new DataView(bytes.buffer).getUint32(8, true);
  const payloadStart = Math.ceil((16 + headerLength) / 8) * 8;
  assert.equal(bytes.length - payloadStart, 8 * (5 + 6 + 3));
  const first = new DataView(bytes.buffer, bytes.byteOffset + payloadStart);
  assert.equal(first.getFloat64(8, true), 0.25, 'little-endian float64 at the array offset');
});

test('loadOrGenerate: generates once, then reads the cache', () => {
  withTempDir((dir) => {
    const c = counting(0.5);
    const first = loadOrGenerate(dir, PARAMS, c.gen);
    assert.equal(first.source, 'generated');
    assert.equal(first.reason, 'missing');
    assert.ok(existsSync(first.path));
    assert.equal(first.path, join(dir, cacheFileName(PARAMS)));
    const second = loadOrGenerate(dir, PARAMS, c.gen);
    assert.equal(second.source, 'cache');
    assert.equal(c.calls(), 1);
    assert.deepEqual(second.arrays, first.arrays);
    // Key order of the parameters does not matter.
    const reordered: CacheParams = { scale: 0.5, n: 4, seed: 3, problem: 'toy' };
    assert.equal(loadOrGenerate(dir, reordered, c.gen).source, 'cache');
    assert.equal(c.calls(), 1);
    // No temporary files left behind by the atomic write.
    assert.deepEqual(readdirSync(dir), [cacheFileName(PARAMS)]);
  });
});

test('loadOrGenerate: changed parameters or format version → stale → regenerated', () => {
  withTempDir((dir) => {
    const notices: string[] = [];
    const onNotice = (m: string): void => void notices.push(m);
    loadOrGenerate(dir, PARAMS, counting(0.5).gen, { onNotice });
    const changed: CacheParams = { ...PARAMS, scale: 0.75 };
    const c = counting(0.75);
    const r = loadOrGenerate(dir, changed, c.gen, { onNotice });
    assert.equal(r.source, 'generated');
    assert.equal(r.arrays.values!.data[2], 0.75);

    // A file for other parameters sitting at this path (hand-copied, or a name collision).
    copyFileSync(join(dir, cacheFileName(PARAMS)), r.path);
    const stale = loadOrGenerate(dir, changed, c.gen, { onNotice });
    assert.equal(stale.source, 'generated');
    assert.equal(stale.reason, 'stale: parameters differ');
    assert.equal(stale.arrays.values!.data[2], 0.75);
    assert.equal(notices.length, 1);
    assert.equal(readDatasetFile(r.path).params.scale, 0.75, 'the file was rewritten');

    // Same parameters, older format version (header rewritten with a valid header checksum).
    const bytes = readFileSync(r.path);
    const headerLength = bytes.readUInt32LE(8);
    const header = bytes.subarray(16, 16 + headerLength).toString('utf8');
    assert.ok(header.includes('"formatVersion":1'));
    const newHeader = Buffer.from(header.replace('"formatVersion":1', '"formatVersion":0'), 'utf8');
    bytes.set(newHeader, 16);
    bytes.writeUInt32LE(crc32(newHeader), 12);
    writeFileSync(r.path, bytes);
    const old = loadOrGenerate(dir, changed, c.gen, { onNotice });
    assert.equal(old.source, 'generated');
    assert.match(old.reason!, /^stale: format version 0/);
  });
});

test('loadOrGenerate: truncated, extended and bit-flipped files are detected and regenerated', () => {
  withTempDir((dir) => {
    const good = loadOrGenerate(dir, PARAMS, counting(0.5).gen).arrays;
    const path = join(dir, cacheFileName(PARAMS));
    const original = readFileSync(path);
    const headerLength = original.readUInt32LE(8);
    const cases: [string, (b: Buffer) => Buffer, RegExp][] = [
      ['truncated by one byte', (b) => b.subarray(0, b.length - 1), /truncated/],
      ['truncated inside the header', (b) => b.subarray(0, 40), /header length/],
      ['extended by one byte', (b) => Buffer.concat([b, Buffer.of(0)]), /extended/],
      ['payload byte flipped', (b) => flip(b, b.length - 3), /payload checksum/],
      ['header byte flipped', (b) => flip(b, 16 + Math.floor(headerLength / 2)), /header checksum/],
      ['magic byte flipped', (b) => flip(b, 2), /magic/],
      ['empty file', () => Buffer.alloc(0), /too short/],
    ];
    for (const [what, damage, pattern] of cases) {
      writeFileSync(path, damage(Buffer.from(original)));
      assert.throws(() => readDatasetFile(path), (e: unknown) => e instanceof DatasetFileError && e instanceof UserError && pattern.test(e.message), what);
      const notices: string[] = [];
      const c = counting(0.5);
      const r = loadOrGenerate(dir, PARAMS, c.gen, { onNotice: (m) => void notices.push(m) });
      assert.equal(r.source, 'generated', what);
      assert.match(r.reason!, /^corrupt: /, what);
      assert.match(r.reason!, pattern, what);
      assert.equal(c.calls(), 1, what);
      assert.equal(notices.length, 1, what);
      assert.deepEqual(r.arrays, good, what);
      assert.deepEqual(readFileSync(path), original, `${what}: the file is rewritten intact`);
    }
  });
});

function flip(b: Buffer, i: number): Buffer {
  b[i] = b[i]! ^ 0x10;
  return b;
}

test('Poisson and diffusion-reaction datasets through the cache', () => {
  withTempDir((dir) => {
    const opts = { nTrain: 5, nTest: 3, seed: 21 };
    const a = loadOrGeneratePoisson(dir, opts, { onNotice: () => {} });
    const b = loadOrGeneratePoisson(dir, opts, { onNotice: () => {} });
    assert.equal(a.source, 'generated');
    assert.equal(b.source, 'cache');
    assert.deepEqual(b.dataset, makePoissonDataset(opts));
    assert.deepEqual(readDatasetFile(b.path).arrays.trainU!.shape, [5, 51]);

    const dopts = { nTrain: 2, nTest: 2, nx: 20, nt: 15, seed: 5 };
    const c = loadOrGenerateDiffusionReaction(dir, dopts);
    const d = loadOrGenerateDiffusionReaction(dir, dopts);
    assert.equal(c.source, 'generated');
    assert.equal(d.source, 'cache');
    assert.deepEqual(d.dataset, makeDiffusionReactionDataset(dopts));
    assert.deepEqual(readDatasetFile(d.path).arrays.testU!.shape, [2, 15, 20]);
    assert.notEqual(c.path, b.path);
    // A different seed is a different cache entry.
    assert.equal(loadOrGeneratePoisson(dir, { ...opts, seed: 22 }).source, 'generated');
    assert.throws(() => loadOrGenerate(dir, { problem: 'toy', seed: NaN }, counting(1).gen), UserError);
    assert.throws(() => loadOrGenerate(dir, { problem: '../escape', seed: 1 }, counting(1).gen), UserError);
  });
});
