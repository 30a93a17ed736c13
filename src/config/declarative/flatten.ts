// Kong's nested declarative shape -> flat raw records, each remembering where it came from and which parent
// it was nested under. No validation here beyond shape: that is load-declarative.ts's job.
import type { FieldError } from '../../schema/validate.ts';
import { SUPPORTED_FORMAT_VERSIONS } from './parse-file.ts';
import { ENTITIES, KINDS, isKind, mapKinds, type Kind } from '../../schema/entity-catalogue.ts';

export interface RawRecord {
  kind: Kind;
  /** Where the record sits in the file, e.g. `services[0].routes[1]`. */
  path: string;
  /** Fields without nested children. */
  fields: Record<string, unknown>;
  /** Parent when nested: the parent's raw record. */
  parent?: RawRecord;
}

/** Which children each kind may nest, as Kong's declarative format allows: every kind with a foreign key to it. */
const NESTED: Readonly<Record<Kind, readonly Kind[]>> = mapKinds((_, parent) =>
  KINDS.filter((child) => Object.values(ENTITIES[child].foreign).some((key) => key.kind === parent)),
);

const META_KEYS = new Set(['_format_version', '_transform', '_comment', '_ignore', '_workspace', '_info']);
/** Opaque notes Kong allows on any entity and ignores: `_comment` (a string) and `_ignore` (an array). */
const NOTE_KEYS: ReadonlyMap<string, { ok(v: unknown): boolean; expected: string }> = new Map([
  ['_comment', { ok: (v: unknown) => typeof v === 'string', expected: 'expected a string' }],
  ['_ignore', { ok: Array.isArray, expected: 'expected an array' }],
]);
/** Kong entities we know but do not serve yet: refuse them loudly rather than ignore them. */
const NOT_YET = new Set(['certificates', 'ca_certificates', 'snis', 'vaults', 'consumer_groups', 'oauth2_credentials', 'key_sets', 'keys', 'filter_chains']);

export function flattenDeclarative(doc: Record<string, unknown>): { records: RawRecord[]; errors: FieldError[] } {
  const records: RawRecord[] = [];
  const errors: FieldError[] = [];

  const version = doc._format_version;
  if (version === undefined) errors.push({ path: '_format_version', message: 'required field missing' });
  else if (!(SUPPORTED_FORMAT_VERSIONS as readonly unknown[]).includes(version)) {
    errors.push({ path: '_format_version', message: `unsupported format version ${JSON.stringify(version)} (expected "3.0")` });
  }
  if (doc._transform !== undefined && typeof doc._transform !== 'boolean') errors.push({ path: '_transform', message: 'expected a boolean' });

  for (const [key, value] of Object.entries(doc)) {
    if (META_KEYS.has(key)) continue;
    if (isKind(key)) {
      collect(key, value, key, undefined, records, errors);
    } else if (NOT_YET.has(key)) {
      errors.push({ path: key, message: `'${key}' is not supported yet by this gateway` });
    } else {
      errors.push({ path: key, message: 'unknown field' });
    }
  }
  return { records, errors };
}

function collect(kind: Kind, value: unknown, path: string, parent: RawRecord | undefined, out: RawRecord[], errors: FieldError[]): void {
  if (value === null || value === undefined) return;
  if (!Array.isArray(value)) {
    errors.push({ path, message: 'expected an array' });
    return;
  }
  value.forEach((item: unknown, index) => {
    const itemPath = `${path}[${index}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      errors.push({ path: itemPath, message: 'expected an object' });
      return;
    }
    const fields: Record<string, unknown> = {};
    const children: [Kind, unknown][] = [];
    for (const [k, v] of Object.entries(item)) {
      const note = NOTE_KEYS.get(k);
      if (note !== undefined) {
        if (!note.ok(v)) errors.push({ path: `${itemPath}.${k}`, message: note.expected });
      } else if (isKind(k) && NESTED[kind].includes(k)) children.push([k, v]);
      else if (k !== kind && isKind(k) && Array.isArray(v)) {
        errors.push({ path: `${itemPath}.${k}`, message: `${k} cannot be nested under ${kind}` });
      } else fields[k] = v;
    }
    const record: RawRecord = { kind, path: itemPath, fields, parent };
    out.push(record);
    for (const [childKind, childValue] of children) collect(childKind, childValue, `${itemPath}.${childKind}`, record, out, errors);
  });
}
