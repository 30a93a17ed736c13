// Kong writes `null` for every unset field (`kong config db_export` emits ngx.null as `~`). On a field our
// schema makes optional and never null, that null means "absent", exactly as it does in Kong.
import { KindGuard, type TObject, type TSchema } from '@sinclair/typebox';
import { isObjectNode } from './object-node.ts';
import { Value } from '@sinclair/typebox/value';

/** Per object schema, worked out once: which fields a null is dropped from, and which to descend into. */
interface NullPlan {
  fields: PlannedField[];
}

interface PlannedField {
  key: string;
  prop: TSchema;
  optional: boolean;
  /** Worked out on the first null met (Value.Check only runs where the old code ran it). */
  dropNull: boolean | undefined;
  child: TObject | undefined;
}

// Every snapshot runs this on every row: asking TypeBox whether each field accepts null, each time, was most
// of its cost. Schemas are constants, so the answer is kept per schema object.
const plans = new WeakMap<TObject, NullPlan>();

function planFor(schema: TObject): NullPlan {
  let plan = plans.get(schema);
  if (plan === undefined) {
    const required = new Set<string>(schema.required ?? []);
    plan = {
      fields: Object.entries(schema.properties).map(([key, prop]) => ({
        key,
        prop,
        optional: !required.has(key),
        dropNull: undefined,
        child: KindGuard.IsObject(prop) ? prop : undefined,
      })),
    };
    plans.set(schema, plan);
  }
  return plan;
}

/** Deletes such nulls from `value` in place, descending into nested records the schema describes. */
export function dropUnsetNulls(schema: TSchema, value: unknown): void {
  if (!KindGuard.IsObject(schema) || !isObjectNode(value) || Array.isArray(value)) return;
  const obj = value;
  for (const field of planFor(schema).fields) {
    const key = field.key;
    if (!(key in obj)) continue;
    if (obj[key] === null) {
      if (field.optional && (field.dropNull ??= !Value.Check(field.prop, null))) Reflect.deleteProperty(obj, key);
    } else if (field.child !== undefined) dropUnsetNulls(field.child, obj[key]);
  }
}
