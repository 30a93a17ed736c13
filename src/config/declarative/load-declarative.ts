// A parsed declarative document -> validated, normalised ConfigEntities, or a ConfigError listing every problem.
import { type FieldError } from '../../schema/validate.ts';
import type { PluginRegistry } from '../../plugins/registry.ts';
import { ConfigError } from '../config-error.ts';
import { stableId } from '../stable-id.ts';
import { checkRouteRules, validateEntityFields } from '../validate-entity.ts';
import { ENTITIES, KINDS, kindOf, mapKinds, type ConfigEntities, type Kind } from '../../schema/entity-catalogue.ts';
import { addRow } from '../../schema/entity-rows.ts';
import { keyText, rowForeignField } from '../../schema/entity-definition.ts';
import { emptyEntities } from '../../schema/entity-shapes.ts';
import { flattenDeclarative, type RawRecord } from './flatten.ts';
import { isObjectNode } from '../../schema/object-node.ts';
import { unsupportedWorkspaces } from './unsupported-features.ts';
import { lookalikeFields, lookalikeKeyOf, lookalikeMessage } from '../../schema/identity-fields.ts';

interface Row {
  record: RawRecord;
  /** The file gave the id; otherwise it is derived from the natural key, whose clash checkUniqueness names. */
  explicitId: boolean;
  value: Record<string, unknown> & { id: string };
  refs: Record<string, unknown>;
  resolved: Record<string, string | null>;
}

export interface LoadOptions {
  /**
   * Generate the credential secrets a file leaves out (jwt `secret`, key-auth `key`), as Kong does. The CLI's
   * diff turns it off: an exported file never carries secrets, and an absent secret there means "keep it".
   */
  generateSecrets?: boolean;
}

export function loadDeclarative(doc: Record<string, unknown>, plugins: PluginRegistry, source?: string, options: LoadOptions = {}): ConfigEntities {
  const { records, errors } = flattenDeclarative(doc);
  errors.push(...unsupportedWorkspaces(records));
  const rows = new Map<Kind, Row[]>(KINDS.map((kind) => [kind, []]));

  const refused: Refused = new Map();
  for (const record of records) {
    const row = validateRecord(record, plugins, errors, options.generateSecrets ?? true);
    if (row) rows.get(record.kind)?.push(row);
    else refused.set(record.kind, (refused.get(record.kind) ?? new Set()).add(record));
  }
  const derivedClashes: FieldError[] = [];
  const index = buildIndex(rows, errors, derivedClashes);
  // A nested record's parent row, by record: scanning a kind's rows per child made 100,000 consumers' credentials quadratic.
  const byRecord = new Map<RawRecord, Row>();
  for (const list of rows.values()) for (const row of list) byRecord.set(row.record, row);
  for (const [kind, list] of rows) for (const row of list) resolveRefs(kind, row, index, byRecord, refused, errors);
  const unique = checkUniqueness(records, rows, errors);
  // A derived id clashes because the natural key does: report it once, as the field's clash, unless no field says it.
  for (const e of derivedClashes) if (!unique.has(e.path.slice(0, -'.id'.length))) errors.push(e);
  checkLookalikes(rows, errors);
  for (const row of rows.get('routes') ?? []) errors.push(...checkRouteRules(row.value, row.record.path));
  if (errors.length > 0) throw new ConfigError(errors, source);
  return toEntities(rows);
}

function validateRecord(record: RawRecord, plugins: PluginRegistry, errors: FieldError[], generate: boolean): Row | undefined {
  const fields = structuredClone(record.fields);
  const refs: Record<string, unknown> = {};
  for (const field of Object.keys(ENTITIES[record.kind].foreign)) {
    if (field in fields) {
      refs[field] = fields[field];
      Reflect.deleteProperty(fields, field);
    }
  }
  // nesting names the plugin itself as the culprit, as the file put it there
  const consumerScope = record.parent?.kind === 'consumers' ? 'nested' : (record.fields.consumer ?? null) !== null ? 'field' : undefined;
  const found = validateEntityFields(record.kind, fields, { path: record.path, plugins, consumerScope, generate });
  if (found.length > 0) {
    errors.push(...found);
    return undefined;
  }
  const id = typeof fields.id === 'string' ? fields.id : stableId(record.kind, naturalKey(record, fields, refs));
  return { record, value: { ...fields, id }, explicitId: typeof fields.id === 'string', refs, resolved: {} };
}

function naturalKey(record: RawRecord, fields: Record<string, unknown>, refs: Record<string, unknown>): string {
  const parent = record.parent;
  const parentKey = parent ? `${parent.kind}:${keyText(referenceName(parent.fields), parent.path)}` : '';
  return ENTITIES[record.kind].naturalKey({ fields, refs, parentKey, path: record.path });
}

type Index = Map<Kind, Map<string, Row>>;

function buildIndex(rows: Map<Kind, Row[]>, errors: FieldError[], derivedClashes: FieldError[]): Index {
  const index: Index = new Map();
  for (const [kind, list] of rows) {
    const byKey = new Map<string, Row>();
    for (const row of list) {
      const same = byKey.get(row.value.id);
      if (same !== undefined && same !== row) {
        (row.explicitId ? errors : derivedClashes).push({
          path: `${row.record.path}.id`,
          message: `duplicate id ${row.value.id} (also at ${same.record.path})`,
        });
      }
      byKey.set(row.value.id, row);
      for (const field of NAMING_FIELDS.slice(1)) {
        const key = row.value[field];
        if (typeof key === 'string' && !byKey.has(key)) byKey.set(key, row);
      }
    }
    index.set(kind, byKey);
  }
  return index;
}

/** Records that failed validation, per kind: references to them are not errors of their own. */
type Refused = Map<Kind, Set<RawRecord>>;

function isRefused(refused: Refused, kind: Kind, key: unknown): boolean {
  for (const record of refused.get(kind) ?? []) {
    if (record === key || (typeof key === 'string' && NAMING_FIELDS.some((field) => record.fields[field] === key))) return true;
  }
  return false;
}

function resolveRefs(kind: Kind, row: Row, index: Index, byRecord: ReadonlyMap<RawRecord, Row>, refused: Refused, errors: FieldError[]): void {
  // a reference to a refused entity would only repeat that entity's errors
  let orphaned = false;
  for (const [field, key] of Object.entries(ENTITIES[kind].foreign)) {
    const target = kindOf(key.kind);
    const targets = index.get(target) ?? new Map<string, Row>();
    let id: string | null = null;
    const parent = row.record.parent;
    if (parent && parent.kind === target) {
      id = (targets.get(keyText(parent.fields.id)) ?? byRecord.get(parent))?.value.id ?? null;
      if (id === null && isRefused(refused, target, parent)) orphaned = true;
    }
    const ref = row.refs[field];
    if (ref !== undefined && ref !== null) {
      const name = typeof ref === 'string' ? ref : referenceName(ref);
      const found = typeof name === 'string' ? targets.get(name) : undefined;
      if (!found && isRefused(refused, target, name)) {
        orphaned = true;
        continue;
      }
      if (!found) {
        errors.push({
          path: `${row.record.path}.${field}`,
          message: `references ${target.replace(/s$/, '')} ${JSON.stringify(name ?? ref)} which does not exist`,
        });
        continue;
      }
      if (id !== null && id !== found.value.id) {
        errors.push({ path: `${row.record.path}.${field}`, message: `conflicts with the ${target.replace(/s$/, '')} it is nested under` });
        continue;
      }
      id = found.value.id;
    }
    row.resolved[field] = id;
  }
  for (const required of REQUIRED_REFERENCES[kind]) {
    if (!orphaned && row.resolved[required] == null && !errors.some((e) => e.path.startsWith(`${row.record.path}.${required}`))) {
      errors.push({ path: `${row.record.path}.${required}`, message: `required: nest it under a ${required} or name one` });
    }
  }
}

/** The foreign keys an entity cannot exist without (a target's upstream, a credential's consumer). */
const REQUIRED_REFERENCES: Readonly<Record<Kind, readonly string[]>> = mapKinds((definition) =>
  Object.entries(definition.foreign)
    .filter(([, key]) => key.required)
    .map(([field]) => field),
);

/** What an entity may be named by in a reference (`service: users`, `consumer: { username: alice }`): id, name, username. */
const NAMING_FIELDS = ['id', 'name', 'username'] as const;

/** The first of an entity's naming fields that is set (a reference written as an object, or a parent's fields). */
function referenceName(ref: unknown): unknown {
  if (!isObjectNode(ref)) return undefined;
  return NAMING_FIELDS.map((field) => ref[field]).find((value) => value !== undefined && value !== null);
}

/** Single-field unique sets (names, usernames, credential keys) and the stored hash of a hashed secret. */
const PLAIN_UNIQUE: readonly [Kind, string][] = KINDS.flatMap((kind) => {
  const { unique, hashed } = ENTITIES[kind];
  const single = unique.filter((set) => set.length === 1).flat();
  return [...single, ...(hashed === undefined ? [] : [hashed.stored])].map((field): [Kind, string] => [kind, field]);
});

/** Unique sets that name a reference (a target per upstream, a group per consumer, a plugin per scope). */
const RESOLVED_UNIQUE: readonly [Kind, readonly string[]][] = KINDS.flatMap((kind) =>
  ENTITIES[kind].unique.filter((set) => set.length > 1).map((set): [Kind, readonly string[]] => [kind, set]),
);

/**
 * Unique fields, in file order. Plain fields (names, usernames, credential keys) are compared across every record,
 * refused ones too, so a clash is listed with the schema errors rather than only after they are fixed; fields
 * that depend on resolved references compare the valid rows. Returns the paths of the records reported.
 */
function checkUniqueness(records: readonly RawRecord[], rows: Map<Kind, Row[]>, errors: FieldError[]): Set<string> {
  const reported = new Set<string>();
  const valid = new Map<RawRecord, Row>();
  for (const list of rows.values()) for (const row of list) valid.set(row.record, row);
  const clash = (path: string, field: string, first: string) => {
    // Credential keys are secrets: say where the clash is, never echo the value.
    errors.push({ path: `${path}.${field}`, message: `must be unique: already used at ${first}` });
    reported.add(path);
  };
  for (const [kind, field] of PLAIN_UNIQUE) {
    const seen = new Map<string, string>();
    for (const record of records) {
      if (record.kind !== kind) continue;
      const key = str((valid.get(record)?.value ?? record.fields)[field]);
      if (key === undefined) continue;
      const first = seen.get(key);
      if (first !== undefined) clash(record.path, field, first);
      else seen.set(key, record.path);
    }
  }
  for (const [kind, fields] of RESOLVED_UNIQUE) {
    const seen = new Map<string, Row>();
    const foreign = ENTITIES[kind].foreign;
    // the clash is reported at the set's own field (`target`, `group`, `name`), not at a reference
    const at = fields.filter((f) => !(f in foreign)).at(-1) ?? fields.at(0) ?? 'id';
    for (const row of rows.get(kind) ?? []) {
      const key = JSON.stringify(fields.map((f) => (f in foreign ? (row.resolved[f] ?? null) : (row.value[f] ?? null))));
      const first = seen.get(key);
      if (first) clash(row.record.path, at, first.record.path);
      else seen.set(key, row);
    }
  }
  return reported;
}

/** Two identities one file gives that look the same (`alice`, `ａｌｉｃｅ`, `Alice`) are an error, as in the store. */
function checkLookalikes(rows: Map<Kind, Row[]>, errors: FieldError[]): void {
  for (const [kind, list] of rows) {
    for (const field of lookalikeFields(kind)) {
      const seen = new Map<string, Row>();
      for (const row of list) {
        const key = lookalikeKeyOf(row.value[field]);
        if (key === null) continue;
        const first = seen.get(key);
        if (!first) seen.set(key, row);
        // the same text twice is the exact check's error
        else if (first.value[field] !== row.value[field])
          errors.push({ path: `${row.record.path}.${field}`, message: lookalikeMessage(String(first.value[field]), first.record.path) });
      }
    }
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Rows with their references resolved to ids (`serviceId`), each checked against its kind's row shape. */
function toEntities(rows: Map<Kind, Row[]>): ConfigEntities {
  const entities = emptyEntities();
  for (const [kind, list] of rows) {
    const foreign = Object.keys(ENTITIES[kind].foreign);
    for (const row of list) {
      const value: Record<string, unknown> & { id: string } = { ...row.value };
      for (const field of foreign) {
        Reflect.deleteProperty(value, field);
        value[rowForeignField(field)] = row.resolved[field] ?? null;
      }
      addRow(entities, kind, value);
    }
  }
  return entities;
}
