// Reads the entity and plugin schemas for the bad-input suite: which fields hold strings (to fill with hostile
// text) and what value of the wrong type each field gets. Generated from the schemas, so a new field is covered.
import { Kind as TypeKind, type TSchema } from '@sinclair/typebox';

export type StringShape = 'string' | 'strings' | 'map';

export interface StringField {
  /** Keys from the record's root (`['config', 'redis', 'host']`). */
  path: string[];
  shape: StringShape;
}

/** The non-null variants of `T | null`, else the schema itself. */
function variants(schema: TSchema): TSchema[] {
  if (schema[TypeKind] !== 'Union') return [schema];
  return (schema.anyOf as TSchema[]).filter((v) => v[TypeKind] !== 'Null');
}

function isText(schema: TSchema): boolean {
  const kinds = variants(schema);
  return kinds.length > 0 && kinds.every((v) => v[TypeKind] === 'String' || (v[TypeKind] === 'Literal' && typeof v.const === 'string'));
}

/** How a field holds text, if it does: a string (or a string enum), a list of them, or a map of them. */
export function stringShape(schema: TSchema): StringShape | undefined {
  if (isText(schema)) return 'string';
  for (const v of variants(schema)) {
    if (v[TypeKind] === 'Array' && isText(v.items as TSchema)) return 'strings';
    if (v[TypeKind] === 'Record') return 'map';
  }
  return undefined;
}

/** Every text field of an object schema, recursing into nested records (not into lists of records). */
export function stringFields(schema: TSchema, skip: ReadonlySet<string> = new Set(), prefix: string[] = []): StringField[] {
  const out: StringField[] = [];
  const object = variants(schema).find((v) => v[TypeKind] === 'Object');
  if (!object) return out;
  for (const [name, prop] of Object.entries(object.properties as Record<string, TSchema>)) {
    if (prefix.length === 0 && skip.has(name)) continue;
    const shape = stringShape(prop);
    if (shape) out.push({ path: [...prefix, name], shape });
    else if (variants(prop).some((v) => v[TypeKind] === 'Object')) out.push(...stringFields(prop, skip, [...prefix, name]));
  }
  return out;
}

/** A field's value filled with `text` in the field's shape. */
export function textValue(shape: StringShape, text: string): unknown {
  if (shape === 'string') return text;
  if (shape === 'strings') return [text];
  return { [text]: [text] };
}

/** `{ a: { b: value } }` for path ['a', 'b']. */
export function nest(path: readonly string[], value: unknown): Record<string, unknown> {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

export function readPath(record: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), record);
}

/** A value of the wrong JSON type for `schema`; undefined when every type is accepted. */
export function wrongValue(schema: TSchema): unknown {
  const kinds = new Set(variants(schema).map((v) => (v[TypeKind] === 'Literal' ? typeof v.const : String(v[TypeKind]))));
  if (kinds.has('Unknown') || kinds.has('Any')) return undefined;
  if (!kinds.has('String') && !kinds.has('string')) return 'not-of-this-type';
  if (!kinds.has('Integer') && !kinds.has('Number') && !kinds.has('number')) return 12345;
  if (!kinds.has('Boolean') && !kinds.has('boolean')) return true;
  return undefined;
}
