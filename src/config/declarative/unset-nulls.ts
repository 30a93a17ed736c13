// Kong writes `null` for every unset field (`kong config db_export` emits ngx.null as `~`). On a field our
// schema makes optional and never null, that null means "absent", exactly as it does in Kong.
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Deletes such nulls from `value` in place, descending into nested records the schema describes. */
export function dropUnsetNulls(schema: TSchema, value: unknown): void {
  if (schema[Kind] !== 'Object' || value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const obj = value as Record<string, unknown>;
  const required = new Set<string>((schema.required as string[] | undefined) ?? []);
  for (const [key, prop] of Object.entries(schema.properties as Record<string, TSchema>)) {
    if (!(key in obj)) continue;
    if (obj[key] === null) {
      if (!required.has(key) && !Value.Check(prop, null)) delete obj[key];
    } else dropUnsetNulls(prop, obj[key]);
  }
}
