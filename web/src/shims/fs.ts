/**
 * Browser stand-in for node:fs. The library modules the playground imports (src/io/*, src/util/atomic.ts,
 * src/problems/dataset-cache.ts, src/experiments/*) import these names at module level but the playground never
 * calls them: it builds datasets in memory and downloads files instead of writing them. A call is a bug, so it throws.
 */
function unavailable(name: string): never {
  throw new Error(`fs.${name} is not available in the browser playground`);
}

export const constants = { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 };
export const accessSync = (): never => unavailable('accessSync');
export const closeSync = (): never => unavailable('closeSync');
export const existsSync = (): boolean => false;
export const fsyncSync = (): never => unavailable('fsyncSync');
export const mkdirSync = (): never => unavailable('mkdirSync');
export const mkdtempSync = (): never => unavailable('mkdtempSync');
export const openSync = (): never => unavailable('openSync');
export const readFileSync = (): never => unavailable('readFileSync');
export const renameSync = (): never => unavailable('renameSync');
export const rmSync = (): never => unavailable('rmSync');
export const statSync = (): never => unavailable('statSync');
export const writeSync = (): never => unavailable('writeSync');
export const writeFileSync = (): never => unavailable('writeFileSync');
