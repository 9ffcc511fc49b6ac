/** Atomic file output: write to a temporary file beside the target, then rename over it, so a reader (or a
 * crash) never sees a half-written file. */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';

let counter = 0;

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  // Unique per process and worker thread (threads of one process share the pid and each has its own counter):
  // two threads writing the same target (e.g. a dataset both generate on a fresh machine) must not share a
  // temporary file. The last rename wins; both write the same bytes.
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${threadId}.${counter++}.tmp`);
  let fd = -1;
  try {
    fd = openSync(tmp, 'w');
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
}
