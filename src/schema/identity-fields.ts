// Which fields of each kind are identities (the schema's `x-identity`), their character rules at the field path,
// and which of them are unique by lookalike key too: a kind's single-field unique sets of identity text
// (service, route, upstream and plugin instance names, consumer usernames and custom ids).
import type { TSchema } from '@sinclair/typebox';
import { identityStyle, identityTextProblem, lookalikeKey } from './identity-text.ts';
import { fieldPath, type FieldError } from './validate.ts';
import { ENTITIES, type Kind } from './entity-catalogue.ts';

function props(kind: Kind): Record<string, TSchema> {
  return ENTITIES[kind].schema.properties;
}

/** The schema of `kind`'s field `field`, or undefined when it has no such field. */
function propOf(kind: Kind, field: string): TSchema | undefined {
  const properties = props(kind);
  return Object.hasOwn(properties, field) ? properties[field] : undefined;
}

/** Every identity field of `fields` (a checked entity of `kind`) holding text an identity may not hold. */
export function identityErrors(kind: Kind, fields: Record<string, unknown>, path: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const [field, schema] of Object.entries(props(kind))) {
    const identity = identityStyle(schema);
    const value = fields[field];
    if (!identity || value === undefined || value === null) continue;
    const values = identity.list ? (Array.isArray(value) ? value : []) : [value];
    values.forEach((v: unknown, i) => {
      if (typeof v !== 'string') return;
      const problem = identityTextProblem(v, identity.style);
      if (problem) errors.push({ path: identity.list ? `${fieldPath(path, field)}[${i}]` : fieldPath(path, field), message: problem });
    });
  }
  return errors;
}

const LOOKALIKE_FIELDS = new Map<Kind, readonly string[]>();

/** The fields of `kind` no two entities may hold lookalikes in (`name`; `username`, `custom_id`; `instance_name`). */
export function lookalikeFields(kind: Kind): readonly string[] {
  let fields = LOOKALIKE_FIELDS.get(kind);
  if (fields === undefined) {
    fields = ENTITIES[kind].unique.flatMap((set) => {
      const field = set.length === 1 ? set.at(0) : undefined;
      const schema = field === undefined ? undefined : propOf(kind, field);
      return field !== undefined && schema !== undefined && identityStyle(schema)?.list === false ? [field] : [];
    });
    LOOKALIKE_FIELDS.set(kind, fields);
  }
  return fields;
}

/** The lookalike key of a field's value, or null when unset. */
export function lookalikeKeyOf(value: unknown): string | null {
  return typeof value === 'string' ? lookalikeKey(value) : null;
}

/** What the refusal says: the identity already there (and where, in a file) that the value looks like. */
export function lookalikeMessage(existing: string, where?: string): string {
  return `looks the same as ${JSON.stringify(existing)}${where === undefined ? ', already used' : ` at ${where}`} (compared ignoring case, width, Unicode normalisation and confusable letters)`;
}
