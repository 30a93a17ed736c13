// Applies a schema's defaults and collects every violation with a readable path (`services[0].routes[1].paths[0]`).
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export interface FieldError {
  path: string;
  message: string;
}

/** Turns a JSON pointer (`/paths/0`) into a path under `base` (`routes[2].paths[0]`). */
export function joinPath(base: string, pointer: string): string {
  let out = base;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/**
 * Fills defaults into `value` (mutating it) and returns every error. Only the deepest error per path is kept,
 * so a union failure does not drown the real cause.
 */
export function applySchema(schema: TSchema, value: unknown, base: string): FieldError[] {
  Value.Default(schema, value);
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const err of Value.Errors(schema, value)) {
    const path = joinPath(base, err.path);
    if (seen.has(path)) continue;
    seen.add(path);
    errors.push({ path, message: err.message });
  }
  return errors;
}
