/** Browser stand-in for node:crypto: only `createHash('sha256')`, which src/io/safetensors.ts and src/io/nir.ts use. */
import { Sha256 } from '../sha256.js';

export function createHash(algorithm: string): Sha256 {
  if (algorithm !== 'sha256') throw new Error(`createHash('${algorithm}') is not available in the browser build`);
  return new Sha256();
}
