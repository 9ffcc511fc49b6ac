/** Browser stand-in for node:path (POSIX joins only; the playground never touches files). */
export function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/').replace(/\/+/g, '/');
}
export function resolve(...parts: string[]): string {
  return join(...parts);
}
export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : p.slice(0, i);
}
