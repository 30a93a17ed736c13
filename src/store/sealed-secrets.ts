// Moving secret fields out of a record before it reaches SQL and back in when the gateway needs them:
// 'encrypted' fields go into one envelope per row (`secrets` column, JSON `{ "path.to.field": value }`
// sealed by the codec), 'hashed' fields (API keys) become `key_hash` and are never recoverable.
import type { PluginRegistry } from '../plugins/registry.ts';
import type { SecretCodec } from '../secrets/secret-codec.ts';
import { mapSecrets } from '../secrets/secret-fields.ts';
import { ENTITIES, type Kind } from '../schema/entity-catalogue.ts';

export type SecretValues = Record<string, unknown>;

export interface SplitRecord {
  /** The record without any secret field. */
  record: Record<string, unknown>;
  /** Encrypted-treatment values by dotted path. */
  encrypted: SecretValues;
  /** The plaintext of the hashed field (the API key), when the record carries one. */
  hashed: string | undefined;
}

export function splitSecrets(kind: Kind, record: Record<string, unknown>, plugins: PluginRegistry): SplitRecord {
  const encrypted: SecretValues = {};
  let hashed: string | undefined;
  const stripped = mapSecrets(kind, record, plugins, (value, field) => {
    if (field.treatment === 'hashed') {
      if (ENTITIES[kind].hashed?.field !== field.path.join('.'))
        throw new Error(`${kind}.${field.path.join('.')} is marked hashed but the kind declares no such hashed field`);
      hashed = String(value);
    } else encrypted[field.path.join('.')] = value;
    return undefined;
  });
  return { record: stripped, encrypted, hashed };
}

/** A copy of `record` with the values put back at their paths (missing objects on the way are created). */
export function mergeSecrets(record: Record<string, unknown>, values: SecretValues): Record<string, unknown> {
  const out = structuredClone(record);
  for (const [path, value] of Object.entries(values)) putAtPath(out, path, value);
  return out;
}

/** Sets `value` at a dotted path of `target`, in place: missing (or non-object) nodes on the way become objects. */
export function putAtPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop();
  if (last === undefined) throw new Error('a path has at least one key'); // split always returns one
  let node = target;
  for (const key of keys) {
    const next = node[key];
    if (isNode(next)) node = next;
    else {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    }
  }
  node[last] = value;
}

/** An object a dotted path can walk into (arrays too: their keys are indexes). */
function isNode(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/** Whether `record` has a value (even null) at a dotted path: an update that names a field replaces it. */
export function hasPath(record: Record<string, unknown>, path: string): boolean {
  let node: unknown = record;
  for (const key of path.split('.')) {
    if (!isNode(node) || !Object.hasOwn(node, key)) return false;
    node = node[key];
  }
  return node !== undefined;
}

export function seal(codec: SecretCodec, values: SecretValues): string | null {
  return Object.keys(values).length === 0 ? null : codec.encrypt(JSON.stringify(values));
}

export function unseal(codec: SecretCodec, envelope: string | null): SecretValues {
  return envelope === null ? {} : parseSecretValues(codec.decrypt(envelope));
}

/** An opened envelope's JSON: an object of values by path, as seal() wrote it. */
export function parseSecretValues(plain: string): SecretValues {
  const values: unknown = JSON.parse(plain);
  if (!isNode(values)) throw new Error('a secrets envelope holds no object'); // seal() only ever seals one
  return values;
}
