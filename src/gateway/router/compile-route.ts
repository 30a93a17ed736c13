// One route entity -> the frozen, precompiled pieces the router scans (one piece per path group).
import { GatewayError } from '../../errors/gateway-error.ts';
import { normalizePath } from '../path/normalize.ts';
import { compileUserRegex } from './compile-regex.ts';
import { compileHeaders, type HeaderRule } from './match-headers.ts';
import { compileHosts, type HostMatcher } from './match-host.ts';
import { routePriority, type RoutePriority } from './route-priority.ts';
import type { RouteResult, RouterRoute } from './types.ts';

export type MatchResult = Extract<RouteResult, { kind: 'match' }>;
export type HttpsRequiredResult = Extract<RouteResult, { kind: 'https-required' }>;
export type WebSocketRequiredResult = Extract<RouteResult, { kind: 'websocket-required' }>;

export interface CompiledRoute {
  readonly route: RouterRoute;
  readonly priority: RoutePriority;
  /** null: any method. */
  readonly methods: ReadonlySet<string> | null;
  /** Sorted, for the 405 Allow header. */
  readonly methodList: readonly string[];
  readonly hosts: HostMatcher | null;
  readonly headers: readonly HeaderRule[] | null;
  /** Checked on https only, as Kong does (`net.protocol != "https" || tls.sni == ...`). */
  readonly snis: ReadonlySet<string> | null;
  /**
   * One frozen result per normalised prefix (its matchedPath), all of one length, so a prefix match allocates
   * nothing; null when the piece has regexes or no paths.
   */
  readonly prefixResults: readonly MatchResult[] | null;
  readonly regexes: readonly RegExp[] | null;
  /** The configured regex sources (without `~`), for the path index. */
  readonly regexSources: readonly string[] | null;
  /** Frozen result for a route without paths (matchedPath ''). */
  readonly noPathResult: MatchResult;
  readonly allowsHttp: boolean;
  readonly allowsHttps: boolean;
  /** `ws` / `wss`: WebSocket handshakes over plain HTTP / over TLS. */
  readonly allowsWs: boolean;
  readonly allowsWss: boolean;
  readonly httpsRequired: HttpsRequiredResult;
  readonly websocketRequired: WebSocketRequiredResult;
}

function isRegexPath(p: string): boolean {
  return p.charCodeAt(0) === 0x7e; // '~'
}

function normalizePrefix(path: string, routeId: string): string {
  try {
    return normalizePath(path);
  } catch (err) {
    const why = err instanceof GatewayError ? err.detail : (err as Error).message;
    throw new Error(`route ${routeId}: path '${path}' cannot be normalised: ${why}`, { cause: err });
  }
}

/** Kong's split by path: all regexes together, then one group per prefix length (after normalisation). */
/** A piece's paths: regexes, or normalised prefixes that are all `length` characters long (0 for regexes). */
interface PathGroup {
  regex: boolean;
  length: number;
  paths: string[];
}

function groupPaths(paths: readonly string[], routeId: string): PathGroup[] {
  const regexes: string[] = [];
  // Sets (insertion-ordered): a list's includes() made a route of 10,000 paths quadratic.
  const byLength = new Map<number, Set<string>>();
  for (const p of paths) {
    if (isRegexPath(p)) {
      regexes.push(p.slice(1));
      continue;
    }
    const prefix = normalizePrefix(p, routeId);
    const group = byLength.get(prefix.length);
    if (group === undefined) byLength.set(prefix.length, new Set([prefix]));
    else group.add(prefix);
  }
  const groups: PathGroup[] = [];
  if (regexes.length > 0) groups.push({ regex: true, length: 0, paths: regexes });
  for (const [length, set] of byLength) groups.push({ regex: false, length, paths: [...set] });
  return groups;
}

export function compileRoute(route: RouterRoute, configIndex: number): CompiledRoute[] {
  const id = route.id;
  if ((route.sources && route.sources.length > 0) || (route.destinations && route.destinations.length > 0)) {
    throw new Error(`route ${id}: 'sources' and 'destinations' apply to stream routes only`);
  }
  const methodList = route.methods && route.methods.length > 0 ? [...new Set(route.methods)].sort() : [];
  const shared = {
    route,
    methods: methodList.length > 0 ? new Set(methodList) : null,
    methodList,
    hosts: route.hosts && route.hosts.length > 0 ? compileHosts(route.hosts, id) : null,
    headers: route.headers && Object.keys(route.headers).length > 0 ? compileHeaders(route.headers, id) : null,
    snis: route.snis && route.snis.length > 0 ? new Set(route.snis.map(stripTrailingDot)) : null,
    noPathResult: Object.freeze({ kind: 'match', route, matchedPath: '' }) as MatchResult,
    allowsHttp: route.protocols.includes('http'),
    allowsHttps: route.protocols.includes('https'),
    allowsWs: route.protocols.includes('ws'),
    allowsWss: route.protocols.includes('wss'),
    httpsRequired: Object.freeze({ kind: 'https-required', route }) as HttpsRequiredResult,
    websocketRequired: Object.freeze({ kind: 'websocket-required', route }) as WebSocketRequiredResult,
  };
  const paths = route.paths ?? [];
  if (paths.length === 0) {
    return [
      {
        ...shared,
        priority: routePriority(route, configIndex, false, 0),
        prefixResults: null,
        regexes: null,
        regexSources: null,
      },
    ];
  }
  return groupPaths(paths, id).map((group): CompiledRoute => {
    if (group.regex) {
      return {
        ...shared,
        priority: routePriority(route, configIndex, true, 0),
        prefixResults: null,
        regexes: group.paths.map((src) => compileUserRegex(src, '', id, 'path', true)),
        regexSources: group.paths,
      };
    }
    return {
      ...shared,
      priority: routePriority(route, configIndex, false, group.length),
      prefixResults: group.paths.map((p) => Object.freeze({ kind: 'match', route, matchedPath: p }) as MatchResult),
      regexes: null,
      regexSources: null,
    };
  });
}

function stripTrailingDot(sni: string): string {
  // Kong: "last dot in FQDNs must not be used for routing"
  return sni.length > 1 && sni.endsWith('.') ? sni.slice(0, -1).toLowerCase() : sni.toLowerCase();
}
