// A parsed declarative document -> validated, normalised ConfigEntities, or a ConfigError listing every problem.
import { randomBytes } from 'node:crypto';
import type { TSchema } from '@sinclair/typebox';
import { applySchema, type FieldError } from '../../schema/validate.ts';
import { ServiceSchema } from '../../schema/entities/service.ts';
import { RouteSchema } from '../../schema/entities/route.ts';
import { UpstreamSchema, TargetSchema } from '../../schema/entities/upstream.ts';
import { ConsumerSchema, JwtSecretSchema, KeyAuthCredentialSchema, AclSchema } from '../../schema/entities/consumer.ts';
import { PluginEntitySchema } from '../../schema/entities/plugin.ts';
import type { PluginRegistry } from '../../plugins/registry.ts';
import { ConfigError } from '../config-error.ts';
import { stableId } from '../stable-id.ts';
import type { ConfigEntities } from '../entities.ts';
import { flattenDeclarative, type Kind, type RawRecord } from './flatten.ts';
import { expandServiceUrl } from './service-url.ts';
import { dropUnsetNulls } from './unset-nulls.ts';
import { coveredBy, unsupportedFeatures, unsupportedWorkspaces } from './unsupported-features.ts';

const SCHEMAS: Record<Kind, TSchema> = {
  services: ServiceSchema,
  routes: RouteSchema,
  upstreams: UpstreamSchema,
  targets: TargetSchema,
  consumers: ConsumerSchema,
  jwt_secrets: JwtSecretSchema,
  keyauth_credentials: KeyAuthCredentialSchema,
  acls: AclSchema,
  plugins: PluginEntitySchema,
};

/** Foreign keys per kind: field name -> kind referred to. */
const REFS: Partial<Record<Kind, Record<string, Kind>>> = {
  routes: { service: 'services' },
  targets: { upstream: 'upstreams' },
  jwt_secrets: { consumer: 'consumers' },
  keyauth_credentials: { consumer: 'consumers' },
  acls: { consumer: 'consumers' },
  plugins: { service: 'services', route: 'routes', consumer: 'consumers' },
};

interface Row {
  record: RawRecord;
  value: Record<string, unknown> & { id: string };
  refs: Record<string, unknown>;
  resolved: Record<string, string | null>;
}

export function loadDeclarative(doc: Record<string, unknown>, plugins: PluginRegistry, source?: string): ConfigEntities {
  const { records, errors } = flattenDeclarative(doc);
  errors.push(...unsupportedWorkspaces(records));
  const rows = new Map<Kind, Row[]>();
  for (const kind of Object.keys(SCHEMAS) as Kind[]) rows.set(kind, []);

  const refused: Refused = new Map();
  for (const record of records) {
    const row = validateRecord(record, plugins, errors);
    if (row) rows.get(record.kind)!.push(row);
    else if (!refused.has(record.kind)) refused.set(record.kind, new Set([record]));
    else refused.get(record.kind)!.add(record);
  }
  const index = buildIndex(rows, errors);
  for (const [kind, list] of rows) for (const row of list) resolveRefs(kind, row, index, refused, errors);
  checkUniqueness(rows, errors);
  checkRouteRules(rows.get('routes')!, errors);
  if (errors.length > 0) throw new ConfigError(errors, source);
  return toEntities(rows);
}

function validateRecord(record: RawRecord, plugins: PluginRegistry, errors: FieldError[]): Row | undefined {
  const fields = structuredClone(record.fields);
  const refs: Record<string, unknown> = {};
  for (const field of Object.keys(REFS[record.kind] ?? {})) {
    if (field in fields) {
      refs[field] = fields[field];
      delete fields[field];
    }
  }
  if (record.kind === 'services') expandServiceUrl(fields, record.path, errors);
  dropUnsetNulls(SCHEMAS[record.kind], fields);
  fillGeneratedFields(record.kind, fields);
  const before = errors.length;
  const refused = unsupportedFeatures(record.kind, fields, record.path);
  errors.push(...refused, ...applySchema(SCHEMAS[record.kind], fields, record.path).filter((e) => !coveredBy(refused, e.path)));
  if (record.kind === 'plugins') validatePluginConfig(fields, record, plugins, errors);
  if (errors.length > before) return undefined;
  if (record.kind === 'services' && fields.port === undefined) fields.port = fields.protocol === 'https' ? 443 : 80;
  const id = typeof fields.id === 'string' ? fields.id : stableId(record.kind, naturalKey(record, fields));
  return { record, value: { ...fields, id }, refs, resolved: {} };
}

/** Kong generates credential keys and secrets the file leaves out. */
function fillGeneratedFields(kind: Kind, fields: Record<string, unknown>): void {
  if ((kind === 'jwt_secrets' || kind === 'keyauth_credentials') && fields.key === undefined) fields.key = randomBytes(16).toString('hex');
  if (kind === 'jwt_secrets' && fields.secret === undefined) fields.secret = randomBytes(32).toString('hex');
}

function validatePluginConfig(fields: Record<string, unknown>, record: RawRecord, plugins: PluginRegistry, errors: FieldError[]): void {
  const path = record.path;
  if (typeof fields.name !== 'string') return;
  const module = plugins.get(fields.name);
  if (!module) {
    errors.push({ path: `${path}.name`, message: `plugin '${fields.name}' not enabled; available: ${[...plugins.keys()].sort().join(', ')}` });
    return;
  }
  if (module.noConsumer && ((record.fields.consumer ?? null) !== null || record.parent?.kind === 'consumers')) {
    errors.push({ path: record.parent?.kind === 'consumers' ? path : `${path}.consumer`, message: `plugin '${fields.name}' cannot be configured on a consumer` });
  }
  const config = (fields.config ??= {}) as Record<string, unknown>;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    errors.push({ path: `${path}.config`, message: 'expected an object' });
    return;
  }
  const configErrors = applySchema(module.configSchema, config, `${path}.config`);
  errors.push(...configErrors);
  if (configErrors.length === 0 && module.validate) {
    for (const [field, message] of Object.entries(module.validate(config as never))) errors.push({ path: `${path}.${field}`, message });
  }
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
    case 'keyauth_credentials':
      return String(fields.key);
    case 'acls':
      return `${parentKey}|${JSON.stringify(record.fields.consumer ?? '')}|${String(fields.group)}`;
    case 'plugins':
      return `${parentKey}|${JSON.stringify([record.fields.service, record.fields.route, record.fields.consumer])}|${String(fields.name)}|${String(fields.instance_name ?? '')}`;
  }
}

type Index = Map<Kind, Map<string, Row>>;

function buildIndex(rows: Map<Kind, Row[]>, errors: FieldError[]): Index {
  const index: Index = new Map();
  for (const [kind, list] of rows) {
    const byKey = new Map<string, Row>();
    for (const row of list) {
      if (byKey.has(row.value.id) && byKey.get(row.value.id) !== row) {
        errors.push({ path: `${row.record.path}.id`, message: `duplicate id ${row.value.id} (also at ${byKey.get(row.value.id)!.record.path})` });
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
  for (const [field, target] of Object.entries(REFS[kind] ?? {})) {
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

function checkUniqueness(rows: Map<Kind, Row[]>, errors: FieldError[]): void {
  const unique: [Kind, (r: Row) => string | undefined, string][] = [
    ['services', (r) => str(r.value.name), 'name'],
    ['routes', (r) => str(r.value.name), 'name'],
    ['upstreams', (r) => str(r.value.name), 'name'],
    ['consumers', (r) => str(r.value.username), 'username'],
    ['consumers', (r) => str(r.value.custom_id), 'custom_id'],
    ['jwt_secrets', (r) => str(r.value.key), 'key'],
    ['keyauth_credentials', (r) => str(r.value.key), 'key'],
    ['targets', (r) => `${r.resolved.upstream}|${str(r.value.target)}`, 'target'],
    ['acls', (r) => `${r.resolved.consumer}|${str(r.value.group)}`, 'group'],
    ['plugins', (r) => `${r.value.name}|${r.resolved.service}|${r.resolved.route}|${r.resolved.consumer}|${str(r.value.instance_name) ?? ''}`, 'name'],
  ];
  for (const [kind, keyOf, field] of unique) {
    const seen = new Map<string, Row>();
    for (const row of rows.get(kind)!) {
      const key = keyOf(row);
      if (key === undefined) continue;
      const first = seen.get(key);
      // Credential keys are secrets: say where the clash is, never echo the value.
      if (first) errors.push({ path: `${row.record.path}.${field}`, message: `must be unique: already used at ${first.record.path}` });
      else seen.set(key, row);
    }
  }
}

function checkRouteRules(routes: Row[], errors: FieldError[]): void {
  for (const row of routes) {
    const v = row.value;
    const has = (f: string) => { const x = v[f]; return x !== null && x !== undefined && (Array.isArray(x) ? x.length > 0 : Object.keys(x as object).length > 0); };
    if (!['methods', 'hosts', 'headers', 'paths', 'snis'].some(has)) {
      errors.push({ path: row.record.path, message: "must set at least one of 'methods', 'hosts', 'headers', 'paths' or 'snis'" });
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
    jwtSecrets: list('jwt_secrets').map((r) => ({ ...strip(r, ['consumer']), consumerId: r.resolved.consumer! }) as never),
    keyAuth: list('keyauth_credentials').map((r) => ({ ...strip(r, ['consumer']), consumerId: r.resolved.consumer! }) as never),
    acls: list('acls').map((r) => ({ ...strip(r, ['consumer']), consumerId: r.resolved.consumer! }) as never),
    plugins: list('plugins').map((r) => ({
      ...strip(r, ['service', 'route', 'consumer']),
      serviceId: r.resolved.service ?? null,
      routeId: r.resolved.route ?? null,
      consumerId: r.resolved.consumer ?? null,
    }) as never),
  };
}
