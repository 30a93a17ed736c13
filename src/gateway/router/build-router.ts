// buildRouter: compile and sort routes once; find() walks the few candidates for a path, best first.
/*
 * Matching follows Kong 3's traditional_compatible flavour (see route-priority.ts for the order, and
 * match-host.ts, match-headers.ts, match-path.ts for each attribute): a route matches when every attribute
 * it sets matches; the first match in priority order wins.
 *
 * Protocols are not a matching attribute in Kong: the winning route's protocols are checked afterwards.
 *   - http request, https-only winner: `https-required` (Kong's 426 or redirect), no fall-through to a
 *     weaker route, so a plaintext request never reaches another service through an https-only path.
 *   - https request, http-only winner: the route does not match and the search goes on (Kong's docs say such
 *     requests are "answered with an error"; a weaker route that accepts https may serve them).
 *   - WebSocket handshakes are accepted by `http`/`https` routes (as nginx proxies any upgrade) and by `ws` (plain)
 *     / `wss` (TLS) routes; a request that is no handshake on a WebSocket-only winner: `websocket-required` (426).
 * Beyond Kong: when nothing matches but some route would if the method were different, the answer is
 * `method-not-allowed` with the union of those routes' methods (the gateway sends 405 + Allow).
 */
import { compileRoute, type CompiledRoute } from './compile-route.ts';
import { matchHeaders } from './match-headers.ts';
import { matchHost } from './match-host.ts';
import { matchPath } from './match-path.ts';
import { pathIndexSteps } from './path-index.ts';
import { comparePriority } from './route-priority.ts';
import type { Indexed } from '../indexed.ts';
import { runAtOnce, sortSteps, type Steps } from '../../config/steps.ts';
import type { RouteRequest, RouteResult, Router, RouterRoute } from './types.ts';

const NONE: RouteResult = Object.freeze({ kind: 'none' });

/** Paths compiled between two pause points (normalising and grouping one takes about a microsecond). */
const PATHS_PER_STEP = 512;

/** Everything but method and protocol. Path last: a regex exec is the most expensive check. */
function matchesIgnoringMethod(c: CompiledRoute, req: RouteRequest): RouteResult | null {
  if (c.hosts !== null && !matchHost(c.hosts, req.host, req.port)) return null;
  if (c.snis !== null && req.scheme === 'https' && (req.sni === undefined || !c.snis.has(req.sni))) return null;
  if (c.headers !== null && !matchHeaders(c.headers, req.headers)) return null;
  return matchPath(c, req.path);
}

function allowsScheme(c: CompiledRoute, req: RouteRequest): boolean {
  if (req.scheme === 'https') return c.allowsHttps || (c.allowsWss && req.upgrade === true);
  return c.allowsHttp || (c.allowsWs && req.upgrade === true);
}

export interface BuildRouterOptions {
  /** Use the first-segment index (default true); false gives the plain priority-ordered scan. */
  index?: boolean;
}

/** Throws an Error naming the route when a route cannot be compiled (bad regex, wildcard, path). */
export function buildRouter(routes: readonly RouterRoute[], options: BuildRouterOptions = {}): Router {
  return runAtOnce(buildRouterSteps(routes, options));
}

/** buildRouter as pausable steps (see config/steps.ts): every stage is linear in paths, or n log n (the sort). */
export function* buildRouterSteps(routes: readonly RouterRoute[], options: BuildRouterOptions = {}): Steps<Router> {
  const compiled: CompiledRoute[] = [];
  let paths = 0;
  for (let i = 0; i < routes.length; i++) {
    const route = routes[i];
    if (route === undefined) continue;
    for (const piece of compileRoute(route, i)) compiled.push(piece);
    paths += route.paths?.length ?? 1;
    if (paths >= PATHS_PER_STEP) {
      paths = 0;
      yield;
    }
  }
  const pieces = Object.freeze(yield* sortSteps(compiled, (a, b) => comparePriority(a.priority, b.priority)));
  const index = options.index === false ? { candidates: () => pieces } : yield* pathIndexSteps(pieces);
  const someRouteHasMethods = pieces.some((c) => c.methods !== null);

  function find(req: RouteRequest): RouteResult {
    const candidates = index.candidates(req.path);
    const scan: Indexed<CompiledRoute> = candidates;
    for (let i = 0; i < scan.length; i++) {
      const c = scan[i];
      if (c === undefined) break;
      if (c.methods !== null && !c.methods.has(req.method)) continue;
      const result = matchesIgnoringMethod(c, req);
      if (result === null) continue;
      if (allowsScheme(c, req)) return result;
      if (req.upgrade !== true && (req.scheme === 'https' ? c.allowsWss : c.allowsWs)) return c.websocketRequired;
      if (req.scheme === 'http') return c.httpsRequired;
    }
    return someRouteHasMethods ? methodNotAllowed(candidates, req) : NONE;
  }

  return Object.freeze({ find });
}

/** The slow path after a miss: would some route match with another method? */
function methodNotAllowed(candidates: readonly CompiledRoute[], req: RouteRequest): RouteResult {
  let allow: Set<string> | null = null;
  for (const c of candidates) {
    if (c.methods === null) continue; // it matched on method already, so something else failed
    if (req.scheme === 'https' && !allowsScheme(c, req)) continue;
    if (matchesIgnoringMethod(c, req) === null) continue;
    allow ??= new Set();
    for (const m of c.methodList) allow.add(m);
  }
  return allow === null ? NONE : { kind: 'method-not-allowed', allow: [...allow].sort() };
}
