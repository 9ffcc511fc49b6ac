/** Browser stand-in for node:os (imported at module level by src/io/safetensors.ts and src/problems/dataset-cache.ts). */
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function endianness(): 'LE' | 'BE' {
  return LE ? 'LE' : 'BE';
}
export function tmpdir(): string {
  return '/tmp';
}
export function availableParallelism(): number {
  return (globalThis.navigator?.hardwareConcurrency as number | undefined) ?? 1;
}
