// Every admin API route, in one list for startAdminServer: node info, status, schemas, config, audit, admin
// tokens, the entity endpoints, and Kong's GET /endpoints listing them all.
import type { AdminRoute } from '../admin-route.ts';
import { displayPath } from '../match-route.ts';
import { adminTokenRoutes } from './admin-tokens.ts';
import { auditRoutes } from './audit.ts';
import { configRoutes } from './config.ts';
import { entityRoutes } from './entities.ts';
import { rootRoutes } from './root.ts';
import { schemaRoutes } from './schemas.ts';
import { statusRoutes } from './status.ts';

/** Kong's `/endpoints`: every path pattern, `:name` written `{name}`, sorted segment by segment. */
export function endpointsRoute(routes: readonly AdminRoute[]): AdminRoute {
  const paths = [...new Set([...routes.map((r) => r.pattern), '/endpoints'])].map(displayPath);
  // "/" sorts below every other character, so `/a/z` comes before `/ab` as in Kong's listing
  paths.sort((a, b) => {
    const ka = a.replaceAll('/', '\u0000');
    const kb = b.replaceAll('/', '\u0000');
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return {
    method: 'GET',
    pattern: '/endpoints',
    write: false,
    summary: 'every path of this API',
    handle: () => Promise.resolve({ status: 200, body: { data: paths } }),
  };
}

export function allAdminRoutes(): AdminRoute[] {
  const routes = [...rootRoutes, ...statusRoutes, ...schemaRoutes, ...configRoutes, ...auditRoutes, ...adminTokenRoutes, ...entityRoutes];
  return [...routes, endpointsRoute(routes)];
}
