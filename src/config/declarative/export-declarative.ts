// ConfigEntities -> a Kong `_format_version: "3.0"` document nested the way decK dumps one (routes and plugins
// under services, targets under upstreams, credentials, acls and plugins under consumers), in a deterministic
// order, with ids (stable, so a round trip is exact) and defaults, without timestamps and without secrets.
import { stringify as stringifyYaml } from 'yaml';
import type { PluginRegistry } from '../../plugins/registry.ts';
import { declaredSecretFields, stripSecrets } from '../../secrets/secret-fields.ts';
import type { ConfigEntities, ConsumerRow, PluginRow, RouteRow, ServiceRow, UpstreamRow } from '../entities.ts';
import type { Kind } from '../../schema/entity-catalogue.ts';

export interface ExportOptions {
  /** Plugin config fields their schema marks `'x-secret'` are left out; required so none can slip through. */
  plugins: PluginRegistry;
  /** decK's `--select-tag`: only entities carrying every one of these tags; recorded as `_info.select_tags`. */
  selectTags?: readonly string[];
}

type Doc = Record<string, unknown>;

/** Row fields that are not Kong fields: references are written as nesting or as `service: <name>`. */
const ROW_ONLY = new Set(['serviceId', 'routeId', 'consumerId', 'upstreamId', 'key_hash', 'created_at', 'updated_at']);

export function exportDeclarative(entities: ConfigEntities, options: ExportOptions): Doc {
  const tags = options.selectTags ?? [];
  const pick = <T extends { tags?: string[] | null }>(rows: readonly T[]): T[] => rows.filter((r) => tags.every((t) => r.tags?.includes(t)));
  const e: ConfigEntities = {
    services: pick(entities.services),
    routes: pick(entities.routes),
    upstreams: pick(entities.upstreams),
    targets: pick(entities.targets),
    consumers: pick(entities.consumers),
    jwt_secrets: pick(entities.jwt_secrets),
    keyauth_credentials: pick(entities.keyauth_credentials),
    acls: pick(entities.acls),
    plugins: pick(entities.plugins),
  };
  const ids = (rows: readonly { id: string }[]) => new Set(rows.map((r) => r.id));
  const present = { services: ids(e.services), routes: ids(e.routes), upstreams: ids(e.upstreams), consumers: ids(e.consumers) };
  const record = (kind: Kind, row: object) => fields(kind, row, options.plugins);
  const name = { services: refNames(entities.services), routes: refNames(entities.routes), upstreams: refNames(entities.upstreams), consumers: refNames(entities.consumers) };
  // children by parent id, found once rather than by a search of the whole list per parent
  const single = e.plugins.filter((p) => scopes(p) === 1);
  const pluginsOf = { serviceId: Map.groupBy(single, (p) => p.serviceId), routeId: Map.groupBy(single, (p) => p.routeId), consumerId: Map.groupBy(single, (p) => p.consumerId) };
  const routesOf = Map.groupBy(e.routes, (r) => r.serviceId);
  const targetsOf = Map.groupBy(e.targets, (t) => t.upstreamId);
  const jwtSecretsOf = Map.groupBy(e.jwt_secrets, (s) => s.consumerId);
  const keyAuthOf = Map.groupBy(e.keyauth_credentials, (k) => k.consumerId);
  const aclsOf = Map.groupBy(e.acls, (a) => a.consumerId);

  /** Nested under its one scope when that parent is exported too; otherwise top level with named references. */
  const nestedPlugins = (field: 'serviceId' | 'routeId' | 'consumerId', parentId: string) =>
    sorted('plugins', pluginsOf[field].get(parentId) ?? []).map((p) => record('plugins', p));
  const route = (r: RouteRow) => withChildren(record('routes', r), { plugins: nestedPlugins('routeId', r.id) });

  const services = sorted('services', e.services).map((s) => withChildren(record('services', s), {
    routes: sorted('routes', routesOf.get(s.id) ?? []).map(route),
    plugins: nestedPlugins('serviceId', s.id),
  }));
  const routes = sorted('routes', e.routes.filter((r) => r.serviceId === null || !present.services.has(r.serviceId))).map((r) => ({
    ...route(r),
    ...(r.serviceId === null ? {} : { service: name.services(r.serviceId) }),
  }));
  const upstreams = sorted('upstreams', e.upstreams).map((u) => withChildren(record('upstreams', u), {
    targets: sorted('targets', targetsOf.get(u.id) ?? []).map((t) => record('targets', t)),
  }));
  const targets = sorted('targets', e.targets.filter((t) => !present.upstreams.has(t.upstreamId))).map((t) => ({ ...record('targets', t), upstream: name.upstreams(t.upstreamId) }));
  const consumers = sorted('consumers', e.consumers).map((c) => withChildren(record('consumers', c), {
    jwt_secrets: sorted('jwt_secrets', jwtSecretsOf.get(c.id) ?? []).map((s) => record('jwt_secrets', s)),
    keyauth_credentials: sorted('keyauth_credentials', keyAuthOf.get(c.id) ?? []).map((k) => record('keyauth_credentials', k)),
    acls: sorted('acls', aclsOf.get(c.id) ?? []).map((a) => record('acls', a)),
    plugins: nestedPlugins('consumerId', c.id),
  }));
  const orphan = <T extends { id: string; consumerId: string }>(kind: Kind, rows: readonly T[]) =>
    sorted(kind, rows.filter((r) => !present.consumers.has(r.consumerId))).map((r) => ({ ...record(kind, r), consumer: name.consumers(r.consumerId) }));
  const plugins = sorted('plugins', e.plugins.filter((p) => !nestedUnderExported(p, present))).map((p) => ({
    ...record('plugins', p),
    ...(p.serviceId === null ? {} : { service: name.services(p.serviceId) }),
    ...(p.routeId === null ? {} : { route: name.routes(p.routeId) }),
    ...(p.consumerId === null ? {} : { consumer: name.consumers(p.consumerId) }),
  }));

  const doc: Doc = { _format_version: '3.0' };
  if (tags.length > 0) doc._info = { select_tags: [...tags] };
  const lists: Doc = {
    services, routes, upstreams, targets, consumers,
    jwt_secrets: orphan('jwt_secrets', e.jwt_secrets),
    keyauth_credentials: orphan('keyauth_credentials', e.keyauth_credentials),
    acls: orphan('acls', e.acls),
    plugins,
  };
  for (const [key, list] of Object.entries(lists)) if ((list as unknown[]).length > 0) doc[key] = list;
  return sortKeys(doc) as Doc;
}

/** The document as text: YAML (what decK writes) or JSON, both ending in a newline. */
export function serializeDeclarative(doc: Doc, format: 'yaml' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  return stringifyYaml(doc, { lineWidth: 0 });
}

/** One entity's own Kong fields: no timestamps, no row-only references, secrets left out. */
function fields(kind: Kind, row: object, plugins: PluginRegistry): Doc {
  const out: Doc = {};
  for (const [key, value] of Object.entries(row)) if (value !== undefined && !ROW_ONLY.has(key)) out[key] = value;
  // The store never holds an API key in a readable form: its hash stands in for it and loads back as `key_hash`.
  const key_hash = (row as { key_hash?: string }).key_hash;
  if (kind === 'keyauth_credentials' && key_hash !== undefined) out.key_hash = key_hash;
  const stripped = stripSecrets(kind, out, plugins);
  // An unset secret (null) is left out as well: whether a secret is set is the server's business, and a file
  // that loads back with the default null then exports the same bytes.
  const name = kind === 'plugins' && typeof out.name === 'string' ? out.name : undefined;
  for (const field of declaredSecretFields(kind, name, plugins)) dropNulls(stripped, field.path);
  return stripped;
}

function dropNulls(node: unknown, path: readonly string[]): void {
  if (node === null || typeof node !== 'object' || path.length === 0) return;
  const [key, ...rest] = path;
  const children = key === '*' ? (Array.isArray(node) ? node : []) : [(node as Doc)[key]];
  if (rest.length > 0) for (const child of children) dropNulls(child, rest);
  else if (key !== '*' && !Array.isArray(node) && (node as Doc)[key] === null) delete (node as Doc)[key];
}

function withChildren(record: Doc, children: Record<string, Doc[]>): Doc {
  const out = { ...record };
  for (const [key, list] of Object.entries(children)) if (list.length > 0) out[key] = list;
  return out;
}

function scopes(p: PluginRow): number {
  return Number(p.serviceId !== null) + Number(p.routeId !== null) + Number(p.consumerId !== null);
}

function nestedUnderExported(p: PluginRow, present: Record<'services' | 'routes' | 'consumers', Set<string>>): boolean {
  if (scopes(p) !== 1) return false;
  return (p.serviceId !== null && present.services.has(p.serviceId))
    || (p.routeId !== null && present.routes.has(p.routeId))
    || (p.consumerId !== null && present.consumers.has(p.consumerId));
}

/** A reference as decK writes it: the name (username) when there is one, else the id. */
function refNames(rows: readonly (ServiceRow | RouteRow | UpstreamRow | ConsumerRow)[]): (id: string) => string {
  const names = new Map<string, string>();
  for (const row of rows) {
    const name = 'username' in row ? row.username : 'name' in row ? row.name : undefined;
    if (typeof name === 'string' && !names.has(row.id)) names.set(row.id, name);
  }
  return (id) => names.get(id) ?? id;
}

/** Each kind by its human key, then id: the same entities always come out in the same order. */
function sorted<T extends { id: string }>(kind: Kind, rows: readonly T[]): T[] {
  const key = (r: T): string[] => {
    const v = r as unknown as Record<string, unknown>;
    const s = (x: unknown) => (typeof x === 'string' ? x : '');
    switch (kind) {
      case 'consumers': return [s(v.username), s(v.custom_id), r.id];
      case 'targets': return [s(v.target), r.id];
      case 'jwt_secrets': return [s(v.key), r.id];
      case 'acls': return [s(v.group), r.id];
      case 'plugins': return [s(v.name), s(v.instance_name), r.id];
      case 'keyauth_credentials': return [r.id];
      default: return [s(v.name), r.id];
    }
  };
  return [...rows].sort((a, b) => compareKeys(key(a), key(b)));
}

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/** Keys in code-point order at every level (decK's dumps are alphabetical too); arrays keep their order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Doc = {};
  for (const key of Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[key] = sortKeys((value as Doc)[key]);
  return out;
}
