// Applies a schema's defaults and collects every violation with a readable path (`services[0].routes[1].paths[0]`).
import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { applyDefaults } from './defaults.ts';

export interface FieldError {
  path: string;
  message: string;
}

/** `field` under `base` (`routes[2]` + `paths` -> `routes[2].paths`); a bare `field` when base is '' (admin API bodies). */
export function fieldPath(base: string, field: string): string {
  return base === '' ? field : `${base}.${field}`;
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
  applyDefaults(schema, value);
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const err of [...Value.Errors(schema, value)].flatMap(explainUnion)) {
    const path = joinPath(base, err.path);
    if (seen.has(path)) continue;
    seen.add(path);
    errors.push({ path, message: kongMessage(err) });
  }
  return errors;
}

/** Kong's words where Kong has them: clients of its admin API match on "required field missing". */
function kongMessage(err: ValueError): string {
  if (err.type === ValueErrorType.ObjectRequiredProperty) return 'required field missing';
  if (err.type === ValueErrorType.ObjectAdditionalProperties) return 'unknown field';
  return err.message;
}

/**
 * "Expected union value" says nothing; the variant that got furthest into the value says what is wrong
 * (for `T | null`, that is always the T side).
 */
function explainUnion(err: ValueError): ValueError[] {
  if (err.type !== ValueErrorType.Union || err.errors.length === 0) return [err];
  let best: ValueError[] = [];
  let bestDepth = -1;
  for (const variant of err.errors) {
    const errors = [...variant].flatMap(explainUnion);
    if (errors.length === 0) continue;
    const depth = Math.max(...errors.map((e) => e.path.length));
    const onlyKind = errors.every((e) => e.path === err.path && (e.type === ValueErrorType.Null || e.type === ValueErrorType.Literal));
    if (!onlyKind && depth > bestDepth) {
      best = errors;
      bestDepth = depth;
    }
  }
  if (best.length === 0) return [{ ...err, message: describeUnion(err) }];
  return best;
}

function describeUnion(err: ValueError): string {
  const anyOf: unknown = err.schema.anyOf;
  if (!Array.isArray(anyOf)) return err.message;
  const variants: readonly unknown[] = anyOf;
  const literals = variants.map((s) => (typeof s === 'object' && s !== null && 'const' in s ? s.const : undefined)).filter((v) => v !== undefined);
  return literals.length === variants.length ? `expected one of ${literals.map((v) => JSON.stringify(v)).join(', ')}` : err.message;
}
