// Every entity endpoint, generated from ENTITIES as Kong generates them from its schemas: `/services`,
// `/services/{id or name}`, nested collections under each foreign key's parent (`/services/{s}/routes`,
// `/consumers/{c}/key-auth`), the referenced entity (`/routes/{r}/service`), and `/plugins/enabled`.
// Targets exist only under their upstream, as in Kong 3.x.
import { ENTITIES, KINDS, type Kind, kindOf, parentKindOf } from '../../schema/entity-catalogue.ts';
import type { AdminRoute } from '../admin-route.ts';
import {
  createHandler,
  deleteHandler,
  foreignDeleteHandler,
  foreignGetHandler,
  foreignPatchHandler,
  foreignPutHandler,
  getHandler,
  listHandler,
  PARAM,
  patchHandler,
  putHandler,
  type Scope,
} from './entity-handlers.ts';

/** Kinds Kong serves only nested (`/targets` is disabled in favour of `/upstreams/{u}/targets`). */
const NESTED_ONLY: ReadonlySet<Kind> = new Set(['targets']);

// Summaries for docs/admin-api.md, worded from ENTITIES: `jwt_secrets` -> "a jwt secret", keys, delete rules.
const one = (kind: Kind) => kind.replace(/s$/, '').replaceAll('_', ' ');
const a = (kind: Kind) => `${/^[aeiou]/.test(one(kind)) ? 'an' : 'a'} ${one(kind)}`;
const byKey = (kind: Kind) => `by id or ${ENTITIES[kind].endpointKey ?? 'id'}`;

/** What else a delete does: children that go with the entity, children that refuse it. */
function deleteRule(kind: Kind): string {
  const children = (rule: 'cascade' | 'restrict') =>
    KINDS.filter((k) => Object.values(ENTITIES[k].foreign).some((fk) => kindOf(fk.kind) === kind && fk.onDelete === rule));
  const cascade = children('cascade').map((k) => k.replaceAll('_', ' '));
  const restrict = children('restrict').map((k) => k.replaceAll('_', ' '));
  return (cascade.length > 0 ? ` with its ${cascade.join(', ')}` : '') + (restrict.length > 0 ? `; refused while ${restrict.join(', ')} refer to it` : '');
}

function collection(path: string, kind: Kind, scope?: Scope): AdminRoute[] {
  const list = `list ${kind.replaceAll('_', ' ')}${scope ? ` of the ${one(scope.parent)}` : ''} (\`size\`, \`offset\`, \`tags\`)`;
  return [
    { method: 'GET', pattern: path, write: false, handle: listHandler(kind, scope), summary: list },
    {
      method: 'POST',
      pattern: path,
      write: true,
      handle: createHandler(kind, scope),
      summary: `create ${a(kind)}${scope ? ` for the ${one(scope.parent)}` : ''}`,
    },
  ];
}

function entity(path: string, kind: Kind, scope?: Scope): AdminRoute[] {
  const fetch = `fetch ${a(kind)}${scope ? ` of the ${one(scope.parent)}` : ''} ${byKey(kind)}`;
  return [
    { method: 'GET', pattern: path, write: false, handle: getHandler(kind, scope), summary: fetch },
    // docs/admin-api.md shows these in one row after GET's "fetch a service by id or name"
    { method: 'PUT', pattern: path, write: true, handle: putHandler(kind, scope), summary: 'create or replace it' },
    { method: 'PATCH', pattern: path, write: true, handle: patchHandler(kind, scope), summary: 'update some of its fields' },
    { method: 'DELETE', pattern: path, write: true, handle: deleteHandler(kind, scope), summary: `delete it${deleteRule(kind)}` },
  ];
}

function foreignEntity(path: string, kind: Kind, field: string): AdminRoute[] {
  const target = parentKindOf(kind, field);
  const it = `the ${one(target)} this ${one(kind)} refers to`;
  return [
    { method: 'GET', pattern: path, write: false, handle: foreignGetHandler(kind, field), summary: `fetch ${it}` },
    {
      method: 'PUT',
      pattern: path,
      write: true,
      handle: foreignPutHandler(kind, field),
      summary: `replace it (or create one and point the ${one(kind)} at it)`,
    },
    { method: 'PATCH', pattern: path, write: true, handle: foreignPatchHandler(kind, field), summary: 'update some of its fields' },
    {
      method: 'DELETE',
      pattern: path,
      write: true,
      handle: foreignDeleteHandler(kind, field),
      summary: `refused (405) as in Kong: delete the ${one(target)} at its own path`,
    },
  ];
}

function generate(): AdminRoute[] {
  const routes: AdminRoute[] = [];
  for (const kind of KINDS) {
    const spec = ENTITIES[kind];
    const own = `/${spec.adminPath}`;
    if (!NESTED_ONLY.has(kind)) {
      routes.push(...collection(own, kind), ...entity(`${own}/:${PARAM[kind]}`, kind));
    }
    for (const [field, fk] of Object.entries(spec.foreign)) {
      const parent = `/${ENTITIES[kindOf(fk.kind)].adminPath}/:${PARAM[kindOf(fk.kind)]}/${spec.nestedPath ?? spec.adminPath}`;
      const scope = { field, parent: kindOf(fk.kind) };
      routes.push(...collection(parent, kind, scope), ...entity(`${parent}/:${PARAM[kind]}`, kind, scope));
      if (!NESTED_ONLY.has(kind)) routes.push(...foreignEntity(`${own}/:${PARAM[kind]}/${field}`, kind, field));
    }
  }
  // Kong 3.x keeps `/upstreams/{u}/targets/all` from the days of target history: the same list
  routes.push({
    method: 'GET',
    pattern: '/upstreams/:upstream/targets/all',
    write: false,
    summary: 'the same list as `/upstreams/{upstream}/targets`',
    handle: listHandler('targets', { field: 'upstream', parent: 'upstreams' }),
  });
  routes.push({
    method: 'GET',
    pattern: '/plugins/enabled',
    write: false,
    summary: 'names of the plugins this node can run',
    handle: (_req, ctx) => Promise.resolve({ status: 200, body: { enabled_plugins: [...ctx.plugins.keys()].sort() } }),
  });
  return routes;
}

export const entityRoutes: AdminRoute[] = generate();
