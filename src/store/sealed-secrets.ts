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
      if (ENTITIES[kind].hashed?.field !== field.path.join('.')) throw new Error(`${kind}.${field.path.join('.')} is marked hashed but the kind declares no such hashed field`);
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
  let node = target;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i];
    if (node[key] === null || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/** Whether `record` has a value (even null) at a dotted path: an update that names a field replaces it. */
export function hasPath(record: Record<string, unknown>, path: string): boolean {
  let node: unknown = record;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return node !== undefined;
}

export function seal(codec: SecretCodec, values: SecretValues): string | null {
  return Object.keys(values).length === 0 ? null : codec.encrypt(JSON.stringify(values));
}

export function unseal(codec: SecretCodec, envelope: string | null): SecretValues {
  return envelope === null ? {} : (JSON.parse(codec.decrypt(envelope)) as SecretValues);
}
