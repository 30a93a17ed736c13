// Which fields of an entity are secrets, read from the schemas: a field marked `'x-secret': 'encrypted'`
// is stored encrypted (the gateway needs it back), `'x-secret': 'hashed'` is stored as a keyed hash (only
// compared). Plugin configs are walked through the plugin's own configSchema. The store uses this to protect
// values, the admin API to keep them out of reads, the audit log to redact them.
import { KindGuard, type TSchema } from '@sinclair/typebox';
import type { PluginRegistry } from '../plugins/registry.ts';
import { ENTITIES, type Kind } from '../schema/entity-catalogue.ts';

export type SecretTreatment = 'encrypted' | 'hashed';

export interface SecretField {
  /** Keys from the record's root, e.g. ['secret'] or ['config', 'redis', 'password'] (array items by index). */
  path: string[];
  treatment: SecretTreatment;
}

/** What audit rows and logs show in place of a secret. */
export const REDACTED = '[REDACTED]';

/** A secret field as the schema declares it: `*` stands for every item of an array. */
interface Pattern {
  path: readonly string[];
  treatment: SecretTreatment;
}

const patternCache = new WeakMap<TSchema, readonly Pattern[]>();

/** Secret fields the schema of `kind` declares (and, for a plugin, its config schema), present or not. */
export function declaredSecretFields(kind: Kind, pluginName: string | undefined, plugins: PluginRegistry): SecretField[] {
  return schemaPatterns(kind, pluginName, plugins).map((p) => ({ path: [...p.path], treatment: p.treatment }));
}

/** Secret fields present in `record` (set and not null), with their concrete paths. */
export function secretFields(kind: Kind, record: Record<string, unknown>, plugins: PluginRegistry): SecretField[] {
  const out: SecretField[] = [];
  for (const pattern of schemaPatterns(kind, pluginNameOf(kind, record), plugins)) {
    expand(record, pattern.path, 0, [], (path) => out.push({ path, treatment: pattern.treatment }));
  }
  return out;
}

/**
 * A deep copy of `record` with every present secret replaced by `replace(value, field)`; `undefined` removes
 * the field. The store encrypts, hashes and decrypts through this.
 */
export function mapSecrets<R extends Record<string, unknown>>(
  kind: Kind,
  record: R,
  plugins: PluginRegistry,
  replace: (value: unknown, field: SecretField) => unknown,
): R {
  const fields = secretFields(kind, record, plugins);
  const copy = structuredClone(record);
  for (const field of fields) {
    // expand() found the value set, so every node on its path is an object and the path is not empty
    let parent: unknown = copy;
    for (const key of field.path.slice(0, -1)) parent = isNode(parent) ? parent[key] : undefined;
    const last = field.path.at(-1);
    if (!isNode(parent) || last === undefined) throw new Error(`secret field ${field.path.join('.')} is not where it was found`);
    const next = replace(parent[last], field);
    if (next === undefined) {
      if (Array.isArray(parent)) parent[Number(last)] = null;
      else Reflect.deleteProperty(parent, last);
    } else parent[last] = next;
  }
  return copy;
}

/** A deep copy with present secrets replaced by "[REDACTED]" (audit rows, logs). */
export function redactSecrets<R extends Record<string, unknown>>(kind: Kind, record: R, plugins: PluginRegistry): R {
  return mapSecrets(kind, record, plugins, () => REDACTED);
}

/** A deep copy without its secret fields (admin reads: write-only fields are simply absent). */
export function stripSecrets<R extends Record<string, unknown>>(kind: Kind, record: R, plugins: PluginRegistry): R {
  return mapSecrets(kind, record, plugins, () => undefined);
}

/** The plugin a `plugins` record configures (whose config schema declares its secrets); undefined for other kinds. */
export function pluginNameOf(kind: Kind, record: Record<string, unknown>): string | undefined {
  return kind === 'plugins' && typeof record.name === 'string' ? record.name : undefined;
}

function schemaPatterns(kind: Kind, pluginName: string | undefined, plugins: PluginRegistry): readonly Pattern[] {
  const entity = patternsOf(ENTITIES[kind].schema);
  if (pluginName === undefined) return entity;
  const module = plugins.get(pluginName);
  if (module === undefined) return entity;
  const config = patternsOf(module.configSchema).map((p) => ({ path: ['config', ...p.path], treatment: p.treatment }));
  return config.length === 0 ? entity : [...entity, ...config];
}

function patternsOf(schema: TSchema): readonly Pattern[] {
  let cached = patternCache.get(schema);
  if (cached === undefined) {
    const found: Pattern[] = [];
    walk(schema, [], found, new Set());
    patternCache.set(schema, (cached = Object.freeze(found)));
  }
  return cached;
}

function walk(schema: TSchema, path: string[], out: Pattern[], seen: Set<TSchema>): void {
  if (seen.has(schema)) return; // recursive schemas
  seen.add(schema);
  const mark: unknown = schema['x-secret'];
  if (mark === 'encrypted' || mark === 'hashed') {
    if (path.length > 0 && !out.some((p) => samePath(p.path, path))) out.push({ path: [...path], treatment: mark });
    seen.delete(schema);
    return;
  }
  if (mark !== undefined)
    throw new Error(`schema at '${path.join('.')}' has x-secret '${typeof mark === 'string' ? mark : JSON.stringify(mark)}': expected 'encrypted' or 'hashed'`);
  if (KindGuard.IsObject(schema)) {
    for (const [name, prop] of Object.entries(schema.properties)) walk(prop, [...path, name], out, seen);
  } else if (KindGuard.IsUnion(schema)) {
    for (const branch of schema.anyOf) walk(branch, path, out, seen);
  } else if (KindGuard.IsIntersect(schema)) {
    for (const branch of schema.allOf) walk(branch, path, out, seen);
  } else if (KindGuard.IsArray(schema)) {
    walk(schema.items, [...path, '*'], out, seen);
  }
  seen.delete(schema);
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((key, i) => key === b[i]);
}

/** Calls `found` with each concrete path matching `pattern` whose value is set and not null. */
function expand(node: unknown, pattern: readonly string[], i: number, at: string[], found: (path: string[]) => void): void {
  const key = pattern.at(i);
  if (!isNode(node) || key === undefined) return;
  const last = i === pattern.length - 1;
  const visit = (k: string, value: unknown) => {
    if (value === undefined || value === null) return;
    if (last) found([...at, k]);
    else expand(value, pattern, i + 1, [...at, k], found);
  };
  if (key === '*') {
    if (Array.isArray(node)) {
      node.forEach((value: unknown, index) => {
        visit(String(index), value);
      });
    }
  } else if (!Array.isArray(node) && Object.hasOwn(node, key)) {
    visit(key, node[key]);
  }
}

/** An object a secret's path can walk into (arrays too: their items by index). */
function isNode(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}
