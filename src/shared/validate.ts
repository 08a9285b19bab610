// Small hand-written checks for messages that cross the webview boundary. Both sides import this,
// so it stays plain data logic. Each check throws a ValidationError with the field path; the
// protocol's validators catch it once and turn it into a Result, which keeps every rule one line.

export class ValidationError extends Error {}

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export function fail(path: string, why: string): never {
  throw new ValidationError(`${path}: ${why}`);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** An object whose own keys are all in `allowed` (strict: an unknown field is an error, not ignored). */
export function obj(v: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(v)) fail(path, 'not an object');
  for (const k of Object.keys(v)) if (!allowed.includes(k)) fail(path, `unknown field ${JSON.stringify(k.slice(0, 40))}`);
  return v;
}

/** A safe integer in [min, max]; rejects NaN, Infinity, fractions and strings. */
export function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, 'not an integer');
  if (v < min || v > max) fail(path, `out of range ${min}..${max}`);
  return v;
}

export function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, 'not a boolean');
  return v;
}

export function str(v: unknown, path: string, maxLen: number, pattern?: RegExp): string {
  if (typeof v !== 'string') fail(path, 'not a string');
  if (v.length > maxLen) fail(path, `longer than ${maxLen}`);
  if (pattern && !pattern.test(v)) fail(path, 'bad format');
  return v;
}

export function oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) fail(path, 'not an allowed value');
  return v as T;
}

export function arr<T>(v: unknown, path: string, maxLen: number, item: (x: unknown, p: string) => T): T[] {
  if (!Array.isArray(v)) fail(path, 'not an array');
  if (v.length > maxLen) fail(path, `more than ${maxLen} items`);
  return v.map((x, i) => item(x, `${path}[${i}]`));
}

/** Runs `check`, turning a ValidationError into a failed Result; any other error is a bug and propagates. */
export function run<T>(check: () => T): Result<T> {
  try {
    return { ok: true, value: check() };
  } catch (e) {
    if (e instanceof ValidationError) return { ok: false, error: e.message };
    throw e;
  }
}
