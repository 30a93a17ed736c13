// Admin paths -> routes: `:name` segments capture one decoded segment, literal segments beat captures (so
// `/plugins/enabled` wins over `/plugins/:plugin`), and a path known under other methods is a 405 with Allow.
import type { AdminMethod, AdminRoute } from './admin-route.ts';

export type RouteMatch =
  { kind: 'found'; route: AdminRoute; params: Record<string, string> } | { kind: 'method-not-allowed'; allow: AdminMethod[] } | { kind: 'not-found' };

interface Pattern {
  pattern: string;
  /** Literal segment, or `null` for a capture. */
  segments: (string | null)[];
  names: (string | null)[];
  byMethod: Map<AdminMethod, AdminRoute>;
}

export interface RouteTable {
  match(method: string, segments: readonly string[]): RouteMatch;
}

export function compileRoutes(routes: readonly AdminRoute[]): RouteTable {
  const patterns = new Map<string, Pattern>();
  for (const route of routes) {
    const parts = route.pattern === '/' ? [] : route.pattern.split('/').slice(1);
    // `/services/:service` and `/services/:id` are the same path: key on the shape, not the names
    const shape = parts.map((p) => (p.startsWith(':') ? ':' : p)).join('/');
    let entry = patterns.get(shape);
    if (!entry) {
      entry = {
        pattern: route.pattern,
        segments: parts.map((p) => (p.startsWith(':') ? null : p)),
        names: parts.map((p) => (p.startsWith(':') ? p.slice(1) : null)),
        byMethod: new Map(),
      };
      patterns.set(shape, entry);
    }
    if (entry.pattern !== route.pattern) throw new Error(`admin routes ${entry.pattern} and ${route.pattern} name the same captures differently`);
    if (entry.byMethod.has(route.method)) throw new Error(`admin route ${route.method} ${route.pattern} is defined twice`);
    entry.byMethod.set(route.method, route);
  }
  const byLength = new Map<number, Pattern[]>();
  for (const p of patterns.values()) {
    const list = byLength.get(p.segments.length) ?? [];
    list.push(p);
    byLength.set(p.segments.length, list);
  }
  // most specific first: at the first segment where two patterns differ, a literal comes before a capture
  for (const list of byLength.values()) list.sort(compareSpecificity);

  return {
    match(method, segments) {
      for (const p of byLength.get(segments.length) ?? []) {
        if (!p.segments.every((s, i) => s === null || s === segments[i])) continue;
        const route = p.byMethod.get(method as AdminMethod);
        if (!route) return { kind: 'method-not-allowed', allow: [...p.byMethod.keys()] };
        const params: Record<string, string> = {};
        p.names.forEach((name, i) => {
          const value = segments.at(i);
          if (name !== null && value !== undefined) params[name] = value;
        });
        return { kind: 'found', route, params };
      }
      return { kind: 'not-found' };
    },
  };
}

/** `/services/:service/routes` -> `/services/{service}/routes`, as Kong's /endpoints writes paths. */
export function displayPath(pattern: string): string {
  return pattern.replace(/:([^/]+)/g, '{$1}');
}

function compareSpecificity(a: Pattern, b: Pattern): number {
  for (let i = 0; i < a.segments.length; i++) {
    const la = a.segments[i] !== null;
    const lb = b.segments[i] !== null;
    if (la !== lb) return la ? -1 : 1;
  }
  return 0;
}

/**
 * `/services/a%20b/routes` -> ['services', 'a b', 'routes']; one trailing slash is ignored, as Kong does.
 * Undefined for an empty segment or bad percent-encoding.
 */
export function splitPath(path: string): string[] | undefined {
  let trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (!trimmed.startsWith('/')) return undefined;
  trimmed = trimmed.slice(1);
  if (trimmed === '') return [];
  const out: string[] = [];
  for (const raw of trimmed.split('/')) {
    if (raw === '') return undefined;
    try {
      out.push(decodeURIComponent(raw));
    } catch {
      return undefined;
    }
  }
  return out;
}
