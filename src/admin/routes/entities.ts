// Every entity endpoint, generated from KIND_SPECS as Kong generates them from its schemas: `/services`,
// `/services/{id or name}`, nested collections under each foreign key's parent (`/services/{s}/routes`,
// `/consumers/{c}/key-auth`), the referenced entity (`/routes/{r}/service`), and `/plugins/enabled`.
// Targets exist only under their upstream, as in Kong 3.x.
import { KIND_SPECS, KIND_ORDER, type Kind } from '../../store/entity-kinds.ts';
import type { AdminRoute } from '../admin-route.ts';
import {
  createHandler, deleteHandler, foreignDeleteHandler, foreignGetHandler, foreignPatchHandler, foreignPutHandler,
  getHandler, listHandler, PARAM, patchHandler, putHandler, type Scope,
} from './entity-handlers.ts';

/** Kinds Kong serves only nested (`/targets` is disabled in favour of `/upstreams/{u}/targets`). */
const NESTED_ONLY: ReadonlySet<Kind> = new Set(['targets']);

function collection(path: string, kind: Kind, scope?: Scope): AdminRoute[] {
  return [
    { method: 'GET', pattern: path, write: false, handle: listHandler(kind, scope) },
    { method: 'POST', pattern: path, write: true, handle: createHandler(kind, scope) },
  ];
}

function entity(path: string, kind: Kind, scope?: Scope): AdminRoute[] {
  return [
    { method: 'GET', pattern: path, write: false, handle: getHandler(kind, scope) },
    { method: 'PUT', pattern: path, write: true, handle: putHandler(kind, scope) },
    { method: 'PATCH', pattern: path, write: true, handle: patchHandler(kind, scope) },
    { method: 'DELETE', pattern: path, write: true, handle: deleteHandler(kind, scope) },
  ];
}

function foreignEntity(path: string, kind: Kind, field: string): AdminRoute[] {
  return [
    { method: 'GET', pattern: path, write: false, handle: foreignGetHandler(kind, field) },
    { method: 'PUT', pattern: path, write: true, handle: foreignPutHandler(kind, field) },
    { method: 'PATCH', pattern: path, write: true, handle: foreignPatchHandler(kind, field) },
    { method: 'DELETE', pattern: path, write: true, handle: foreignDeleteHandler(kind, field) },
  ];
}

function generate(): AdminRoute[] {
  const routes: AdminRoute[] = [];
  for (const kind of KIND_ORDER) {
    const spec = KIND_SPECS[kind];
    const own = `/${spec.adminPath}`;
    if (!NESTED_ONLY.has(kind)) {
      routes.push(...collection(own, kind), ...entity(`${own}/:${PARAM[kind]}`, kind));
    }
    for (const [field, fk] of Object.entries(spec.foreign)) {
      const parent = `/${KIND_SPECS[fk.kind].adminPath}/:${PARAM[fk.kind]}/${spec.nestedPath ?? spec.adminPath}`;
      const scope = { field, parent: fk.kind };
      routes.push(...collection(parent, kind, scope), ...entity(`${parent}/:${PARAM[kind]}`, kind, scope));
      if (!NESTED_ONLY.has(kind)) routes.push(...foreignEntity(`${own}/:${PARAM[kind]}/${field}`, kind, field));
    }
  }
  // Kong 3.x keeps `/upstreams/{u}/targets/all` from the days of target history: the same list
  routes.push({ method: 'GET', pattern: '/upstreams/:upstream/targets/all', write: false, handle: listHandler('targets', { field: 'upstream', parent: 'upstreams' }) });
  routes.push({
    method: 'GET',
    pattern: '/plugins/enabled',
    write: false,
    handle: async (_req, ctx) => ({ status: 200, body: { enabled_plugins: [...ctx.plugins.keys()].sort() } }),
  });
  return routes;
}

export const entityRoutes: AdminRoute[] = generate();
