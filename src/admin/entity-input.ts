// An admin API body -> the record the store writes: the declarative loader's own checks (validate-entity.ts)
// with every field error at once, foreign keys given as `{ id }` or `{ name }` resolved to ids, and Kong's
// PATCH merge. Nothing here writes: a refused body leaves the store as it was.
import { KindGuard, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { ForeignRef } from '../schema/common.ts';
import { applySchema, type FieldError } from '../schema/validate.ts';
import { fits, misfit } from '../schema/fits.ts';
import { checkRouteRules, validateEntityFields } from '../config/validate-entity.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { ENTITIES, foreignKeyOf, type Kind, kindOf, parentKindOf } from '../schema/entity-catalogue.ts';
import { kongPretty } from '../store/store-errors.ts';
import type { EntityInput, EntityRecord } from '../store/store.ts';
import type { AdminContext } from './admin-route.ts';
import { inferFormTypes, isPlainObject } from './form-body.ts';

export interface BuildOptions {
  kind: Kind;
  /** The body (for PATCH: already merged over the stored record). */
  body: Record<string, unknown>;
  /** The entity's id (from the path, the stored entity, or a new one). */
  id: string;
  /** Fill Kong's generated credentials (key, secret) when absent; false for PATCH, which keeps stored ones. */
  generate: boolean;
  /** The foreign key the path fixes (`/consumers/{c}/key-auth`): the body may repeat it, never contradict it. */
  parent?: { field: string; id: string };
}

export interface BuiltRecord {
  record: EntityInput;
  /** Secret values made up here (an API key the client did not choose): shown once, in the create answer. */
  generated: Record<string, string>;
}

export async function buildRecord(ctx: AdminContext, options: BuildOptions): Promise<BuiltRecord> {
  const { kind, id } = options;
  const fields = structuredClone(options.body);
  const errors: FieldError[] = [];
  if (fields.id !== undefined && fields.id !== id) errors.push({ path: 'id', message: 'does not match the entity in the path' });
  delete fields.id;

  const refs = takeForeignKeys(kind, fields, options.parent, errors);
  // Fields Kong would generate and that the store keeps secret: the only secrets a response may carry.
  const absent = (ENTITIES[kind].generatedSecrets ?? []).filter((f) => fields[f] === undefined);
  const consumerScope = kind === 'plugins' && refs.consumer !== null && refs.consumer !== undefined ? 'field' : undefined;
  errors.push(...validateEntityFields(kind, fields, { path: '', plugins: ctx.plugins, consumerScope, generate: options.generate }));
  if (kind === 'routes' && errors.length === 0) errors.push(...checkRouteRules(fields, ''));
  if (errors.length > 0) throw schemaViolation(errors);

  const resolved: Record<string, { id: string } | null> = {};
  const missing: FieldError[] = [];
  for (const [field, ref] of Object.entries(refs)) {
    if (ref === undefined) continue;
    if (ref === null || typeof ref === 'string') {
      resolved[field] = ref === null ? null : { id: ref };
      continue;
    }
    const target = parentKindOf(kind, field);
    const key = ref.id ?? ref.name ?? ref.username;
    if (key === undefined) throw new Error(`${kind}.${field}: takeForeignKeys keeps only references that name something`);
    const found = await ctx.store.get(target, key);
    if (!found || (ref.id !== undefined && found.id.toLowerCase() !== ref.id.toLowerCase())) {
      missing.push({ path: field, message: `the foreign key '${kongPretty(ref)}' does not reference an existing '${target}' entity.` });
    } else resolved[field] = { id: found.id };
  }
  if (missing.length > 0) {
    throw new GatewayError('ADMIN_FOREIGN_KEY_VIOLATION', {
      message: missing.length === 1 ? (missing.at(0)?.message ?? '') : missing.map((e) => `${e.path}: ${e.message}`).join('; '),
      fields: Object.fromEntries(missing.map((e) => [e.path, e.message])),
    });
  }
  if (options.parent) resolved[options.parent.field] = { id: options.parent.id };

  const generated: Record<string, string> = {};
  for (const f of absent) {
    const value = fields[f];
    if (typeof value === 'string') generated[f] = value;
  }
  return { record: { ...fields, ...resolved, id }, generated };
}

type Reference = Static<typeof ForeignRef>;

/** Foreign-key fields by name, as takeForeignKeys leaves them; a kind's foreign key the body did not reach is absent. */
export type ForeignRefs = Partial<Record<string, Reference | string | null>>;

/**
 * Takes the foreign-key fields out of `fields`: null (none), an id the path fixes (a string), or a reference
 * still to resolve. Shape errors go to `errors`.
 */
export function takeForeignKeys(kind: Kind, fields: Record<string, unknown>, parent: BuildOptions['parent'], errors: FieldError[]): ForeignRefs {
  const refs: ForeignRefs = {};
  for (const [field, fk] of Object.entries(ENTITIES[kind].foreign)) {
    const value = fields[field];
    Reflect.deleteProperty(fields, field);
    if (parent?.field === field) {
      // the path names the parent; a body naming another one is a contradiction, not an override
      if (isPlainObject(value) && typeof value.id === 'string' && value.id !== parent.id) {
        errors.push({ path: field, message: `does not match the ${singular(kindOf(fk.kind))} in the path` });
      }
      refs[field] = parent.id;
      continue;
    }
    if (value === undefined || value === null) {
      if (fk.required) errors.push({ path: field, message: 'required field missing' });
      refs[field] = null;
      continue;
    }
    if (!isPlainObject(value)) {
      errors.push({ path: field, message: `expected a record naming a ${singular(kindOf(fk.kind))} by id or name, e.g. { "id": "…" }` });
      continue;
    }
    const shapeErrors = applySchema(ForeignRef, value, field);
    if (shapeErrors.length > 0) {
      errors.push(...shapeErrors);
      continue;
    }
    if (!fits(ForeignRef, value)) {
      errors.push({ path: field, message: misfit(ForeignRef, value) });
      continue;
    }
    const ref = value;
    if (ref.id === undefined && ref.name === undefined && ref.username === undefined) {
      errors.push({ path: field, message: `must name a ${singular(kindOf(fk.kind))} by id or name` });
      continue;
    }
    refs[field] = ref;
  }
  return refs;
}

function singular(kind: Kind): string {
  return kind.replace(/s$/, '');
}

/** Kong's schema violation: every field error, and a message listing them (`2 schema violations (a: …; b: …)`). */
export function schemaViolation(errors: readonly FieldError[]): GatewayError {
  const byPath = new Map<string, string>();
  for (const e of errors) {
    const earlier = byPath.get(e.path);
    byPath.set(e.path, earlier === undefined ? e.message : `${earlier}; ${e.message}`);
  }
  const fields = Object.fromEntries(byPath);
  const parts = [...byPath].map(([path, message]) => `${path}: ${message}`);
  const message = parts.length === 1 ? `schema violation (${parts[0]})` : `${parts.length} schema violations (${parts.join('; ')})`;
  return new GatewayError('ADMIN_SCHEMA_VIOLATION', { message, fields });
}

/** A body must be a JSON object (or a form): anything else is one schema violation. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (!isPlainObject(body)) throw schemaViolation([{ path: '@entity', message: 'expected an object' }]);
  return body;
}

/** Form values are strings: read them as the entity's schema (and a plugin's config schema) types them. */
export function inferFormBody(ctx: AdminContext, kind: Kind, body: Record<string, unknown>, pluginName?: string): Record<string, unknown> {
  const out = inferFormTypes(ENTITIES[kind].schema, body);
  // an object schema reads an object as an object
  if (!isPlainObject(out)) throw new Error(`${kind}: a form body was not read as an object`);
  const name = typeof out.name === 'string' ? out.name : pluginName;
  const module = kind === 'plugins' && name !== undefined ? ctx.plugins.get(name) : undefined;
  if (module && isPlainObject(out.config)) out.config = inferFormTypes(module.configSchema, out.config);
  return out;
}

/**
 * Kong's PATCH: the body's fields over the stored record; nested records (a plugin's `config`, an upstream's
 * `healthchecks`) merged field by field, lists, maps and foreign keys replaced whole.
 */
export function mergePatch(ctx: AdminContext, kind: Kind, stored: EntityRecord, patch: Record<string, unknown>): Record<string, unknown> {
  const base: Record<string, unknown> = structuredClone(stored);
  // the store sets updated_at; a read's value would only be written back
  delete base.updated_at;
  if (kind === 'services' && patch.url !== undefined) {
    // `url` replaces the fields it expands to
    for (const f of ['protocol', 'host', 'port', 'path']) if (patch[f] === undefined) Reflect.deleteProperty(base, f);
  }
  const props = ENTITIES[kind].schema.properties;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (foreignKeyOf(kind, key) !== undefined) out[key] = value;
    else out[key] = mergeValue(Object.hasOwn(props, key) ? props[key] : undefined, base[key], value);
  }
  if (kind === 'plugins' && isPlainObject(patch.config) && out.name === stored.name && typeof stored.name === 'string') {
    const module = ctx.plugins.get(stored.name);
    if (module) out.config = mergeValue(module.configSchema, stored.config, patch.config);
  }
  return out;
}

function mergeValue(schema: TSchema | undefined, base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const record = schema === undefined ? undefined : objectVariant(schema);
  if (!record) return patch;
  const props = record.properties;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) out[key] = mergeValue(Object.hasOwn(props, key) ? props[key] : undefined, base[key], value);
  return out;
}

/** The record schema inside `T` or `T | null`; undefined for maps and anything else. */
function objectVariant(schema: TSchema): TObject | undefined {
  if (KindGuard.IsObject(schema)) return schema;
  if (KindGuard.IsUnion(schema)) return schema.anyOf.find((v): v is TObject => KindGuard.IsObject(v));
  return undefined;
}
