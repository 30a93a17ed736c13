// A parsed declarative document -> validated, normalised ConfigEntities, or a ConfigError listing every problem.
import { type FieldError } from '../../schema/validate.ts';
import type { PluginRegistry } from '../../plugins/registry.ts';
import { ConfigError } from '../config-error.ts';
import { stableId } from '../stable-id.ts';
import type { ConfigEntities } from '../../schema/entity-catalogue.ts';
import { checkRouteRules, validateEntityFields } from '../validate-entity.ts';
import { ENTITIES } from '../../schema/entity-catalogue.ts';
import { flattenDeclarative, type RawRecord } from './flatten.ts';
import type { Kind } from '../../schema/entity-catalogue.ts';
import { unsupportedWorkspaces } from './unsupported-features.ts';
import { lookalikeFields, lookalikeKeyOf, lookalikeMessage } from '../identity-fields.ts';

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
  const rows = new Map<Kind, Row[]>();
  for (const kind of Object.keys(ENTITIES) as Kind[]) rows.set(kind, []);

  const refused: Refused = new Map();
  for (const record of records) {
    const row = validateRecord(record, plugins, errors, options.generateSecrets ?? true);
    if (row) rows.get(record.kind)!.push(row);
    else if (!refused.has(record.kind)) refused.set(record.kind, new Set([record]));
    else refused.get(record.kind)!.add(record);
  }
  const derivedClashes: FieldError[] = [];
  const index = buildIndex(rows, errors, derivedClashes);
  for (const [kind, list] of rows) for (const row of list) resolveRefs(kind, row, index, refused, errors);
  const unique = checkUniqueness(records, rows, errors);
  // A derived id clashes because the natural key does: report it once, as the field's clash, unless no field says it.
  for (const e of derivedClashes) if (!unique.has(e.path.slice(0, -'.id'.length))) errors.push(e);
  checkLookalikes(rows, errors);
  for (const row of rows.get('routes')!) errors.push(...checkRouteRules(row.value, row.record.path));
  if (errors.length > 0) throw new ConfigError(errors, source);
  return toEntities(rows);
}

function validateRecord(record: RawRecord, plugins: PluginRegistry, errors: FieldError[], generate: boolean): Row | undefined {
  const fields = structuredClone(record.fields);
  const refs: Record<string, unknown> = {};
  for (const field of Object.keys(ENTITIES[record.kind].foreign)) {
    if (field in fields) {
      refs[field] = fields[field];
      delete fields[field];
    }
  }
  // nesting names the plugin itself as the culprit, as the file put it there
  const consumerScope = record.parent?.kind === 'consumers' ? 'nested' : (record.fields.consumer ?? null) !== null ? 'field' : undefined;
  const found = validateEntityFields(record.kind, fields, { path: record.path, plugins, consumerScope, generate });
  if (found.length > 0) {
    errors.push(...found);
    return undefined;
  }
  const id = typeof fields.id === 'string' ? fields.id : stableId(record.kind, naturalKey(record, fields));
  return { record, value: { ...fields, id }, explicitId: typeof fields.id === 'string', refs, resolved: {} };
}

function naturalKey(record: RawRecord, fields: Record<string, unknown>): string {
  const parentKey = record.parent ? `${record.parent.kind}:${String(record.parent.fields.id ?? record.parent.fields.name ?? record.parent.fields.username ?? record.parent.path)}` : '';
  switch (record.kind) {
    case 'services':
    case 'routes':
    case 'upstreams':
      return String(fields.name ?? record.path);
    case 'consumers':
      return String(fields.username ?? fields.custom_id ?? record.path);
    case 'targets':
      return `${parentKey}|${String(record.fields.upstream ?? '')}|${String(fields.target)}`;
    case 'jwt_secrets':
      return String(fields.key);
    case 'keyauth_credentials':
      return String(fields.key ?? fields.key_hash ?? record.path);
    case 'acls':
      return `${parentKey}|${JSON.stringify(record.fields.consumer ?? '')}|${String(fields.group)}`;
    case 'plugins':
      return `${parentKey}|${JSON.stringify([record.fields.service, record.fields.route, record.fields.consumer])}|${String(fields.name)}|${String(fields.instance_name ?? '')}`;
  }
}

type Index = Map<Kind, Map<string, Row>>;

function buildIndex(rows: Map<Kind, Row[]>, errors: FieldError[], derivedClashes: FieldError[]): Index {
  const index: Index = new Map();
  for (const [kind, list] of rows) {
    const byKey = new Map<string, Row>();
    for (const row of list) {
      if (byKey.has(row.value.id) && byKey.get(row.value.id) !== row) {
        (row.explicitId ? errors : derivedClashes).push({ path: `${row.record.path}.id`, message: `duplicate id ${row.value.id} (also at ${byKey.get(row.value.id)!.record.path})` });
      }
      byKey.set(row.value.id, row);
      for (const field of ['name', 'username'] as const) {
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
    if (record === key || (typeof key === 'string' && [record.fields.id, record.fields.name, record.fields.username].includes(key))) return true;
  }
  return false;
}

function resolveRefs(kind: Kind, row: Row, index: Index, refused: Refused, errors: FieldError[]): void {
  // a reference to a refused entity would only repeat that entity's errors
  let orphaned = false;
  for (const [field, { kind: target }] of Object.entries(ENTITIES[kind].foreign)) {
    let id: string | null = null;
    const parent = row.record.parent;
    if (parent && parent.kind === target) {
      id = (index.get(target)!.get(String(parent.fields.id ?? '')) ?? findRowByRecord(index, parent))?.value.id ?? null;
      if (id === null && isRefused(refused, target, parent)) orphaned = true;
    }
    const ref = row.refs[field];
    if (ref !== undefined && ref !== null) {
      const key = typeof ref === 'string' ? ref : typeof ref === 'object' ? ((ref as Record<string, unknown>).id ?? (ref as Record<string, unknown>).name ?? (ref as Record<string, unknown>).username) : undefined;
      const found = typeof key === 'string' ? index.get(target)!.get(key) : undefined;
      if (!found && isRefused(refused, target, key)) {
        orphaned = true;
        continue;
      }
      if (!found) {
        errors.push({ path: `${row.record.path}.${field}`, message: `references ${target.replace(/s$/, '')} ${JSON.stringify(key ?? ref)} which does not exist` });
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
  const needs: Partial<Record<Kind, string>> = { targets: 'upstream', jwt_secrets: 'consumer', keyauth_credentials: 'consumer', acls: 'consumer' };
  const required = needs[kind];
  if (required && !orphaned && row.resolved[required] == null && !errors.some((e) => e.path.startsWith(`${row.record.path}.${required}`))) {
    errors.push({ path: `${row.record.path}.${required}`, message: `required: nest it under a ${required} or name one` });
  }
}

function findRowByRecord(index: Index, record: RawRecord): Row | undefined {
  for (const row of index.get(record.kind)!.values()) if (row.record === record) return row;
  return undefined;
}

/**
 * Unique fields, in file order. Plain fields (names, usernames, credential keys) are compared across every record,
 * refused ones too, so a clash is listed with the schema errors rather than only after they are fixed; fields
 * that depend on resolved references compare the valid rows. Returns the paths of the records reported.
 */
function checkUniqueness(records: readonly RawRecord[], rows: Map<Kind, Row[]>, errors: FieldError[]): Set<string> {
  const reported = new Set<string>();
  const valid = new Map<RawRecord, Row>();
  for (const list of rows.values()) for (const row of list) valid.set(row.record, row);
  const plain: [Kind, string][] = [
    ['services', 'name'], ['routes', 'name'], ['upstreams', 'name'], ['consumers', 'username'], ['consumers', 'custom_id'],
    ['jwt_secrets', 'key'], ['keyauth_credentials', 'key'], ['keyauth_credentials', 'key_hash'],
  ];
  const clash = (path: string, field: string, first: string) => {
    // Credential keys are secrets: say where the clash is, never echo the value.
    errors.push({ path: `${path}.${field}`, message: `must be unique: already used at ${first}` });
    reported.add(path);
  };
  for (const [kind, field] of plain) {
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
  const resolved: [Kind, (r: Row) => string | undefined, string][] = [
    ['targets', (r) => `${r.resolved.upstream}|${str(r.value.target)}`, 'target'],
    ['acls', (r) => `${r.resolved.consumer}|${str(r.value.group)}`, 'group'],
    ['plugins', (r) => `${r.value.name}|${r.resolved.service}|${r.resolved.route}|${r.resolved.consumer}|${str(r.value.instance_name) ?? ''}`, 'name'],
    ['plugins', (r) => str(r.value.instance_name), 'instance_name'],
  ];
  for (const [kind, keyOf, field] of resolved) {
    const seen = new Map<string, Row>();
    for (const row of rows.get(kind)!) {
      const key = keyOf(row);
      if (key === undefined) continue;
      const first = seen.get(key);
      if (first) clash(row.record.path, field, first.record.path);
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
        else if (first.value[field] !== row.value[field]) errors.push({ path: `${row.record.path}.${field}`, message: lookalikeMessage(String(first.value[field]), first.record.path) });
      }
    }
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function toEntities(rows: Map<Kind, Row[]>): ConfigEntities {
  const list = (kind: Kind) => rows.get(kind)!;
  const strip = (row: Row, fks: string[]) => {
    const v: Record<string, unknown> = { ...row.value };
    for (const fk of fks) delete v[fk];
    return v;
  };
  return {
    services: list('services').map((r) => r.value as never),
    routes: list('routes').map((r) => ({ ...strip(r, ['service']), serviceId: r.resolved.service ?? null }) as never),
    upstreams: list('upstreams').map((r) => r.value as never),
    targets: list('targets').map((r) => ({ ...strip(r, ['upstream']), upstreamId: r.resolved.upstream! }) as never),
    consumers: list('consumers').map((r) => r.value as never),
    jwt_secrets: list('jwt_secrets').map((r) => ({ ...strip(r, ['consumer']), consumerId: r.resolved.consumer! }) as never),
    keyauth_credentials: list('keyauth_credentials').map((r) => {
      const { key_hash: key_hash, ...rest } = strip(r, ['consumer']);
      return { ...rest, ...(key_hash === undefined ? {} : { key_hash }), consumerId: r.resolved.consumer! } as never;
    }),
    acls: list('acls').map((r) => ({ ...strip(r, ['consumer']), consumerId: r.resolved.consumer! }) as never),
    plugins: list('plugins').map((r) => ({
      ...strip(r, ['service', 'route', 'consumer']),
      serviceId: r.resolved.service ?? null,
      routeId: r.resolved.route ?? null,
      consumerId: r.resolved.consumer ?? null,
    }) as never),
  };
}
