// Kong 3 traditional_compatible precedence: which of several matching routes wins.
/*
 * Kong packs a route's priority into one 64-bit integer (kong/router/transform.lua get_priority), highest
 * first, and tries routes in that order:
 *
 *   bits 61-63  number of non-empty attributes among methods, hosts, headers, snis, paths
 *   bit  60     `hosts` set and none of them a wildcard ("plain hosts only")
 *   bits 52-59  number of header names (capped at 255)
 *   bit  51     the paths are regexes
 *   bits 19-50  regex_priority (regex paths only)
 *   bits  0-18  length of the prefix path (prefix paths only)
 *
 * A route whose paths differ in kind or length is first split into one route per group (all regexes; each
 * prefix length), so each piece has one well-defined length (kong/router/transform.lua
 * split_routes_and_services_by_path). Ties: the older route (lower created_at) first, as Kong documents
 * for regex_priority, then the order routes were given in.
 *
 * We compare the fields instead of packing them: same order, and a negative regex_priority sorts below 0
 * instead of wrapping around as it does in Kong's unsigned shift.
 */
import type { RouterRoute } from './types.ts';

const MAX_HEADER_COUNT = 255;

export interface RoutePriority {
  readonly weight: number;
  readonly plainHostsOnly: boolean;
  readonly headerCount: number;
  readonly regex: boolean;
  readonly regexPriority: number;
  readonly prefixLength: number;
  /** created_at, or +Infinity when unknown (declarative files): such routes follow dated ones, in file order. */
  readonly createdAt: number;
  readonly configIndex: number;
}

function nonEmpty(v: readonly unknown[] | null | undefined): boolean {
  return v !== null && v !== undefined && v.length > 0;
}

/** `regex` / `prefixLength` describe the path group this piece of the route carries. */
export function routePriority(route: RouterRoute, configIndex: number, regex: boolean, prefixLength: number): RoutePriority {
  const headerNames = route.headers ? Object.keys(route.headers).length : 0;
  let weight = 0;
  if (nonEmpty(route.methods)) weight++;
  if (nonEmpty(route.hosts)) weight++;
  if (headerNames > 0) weight++;
  if (nonEmpty(route.snis)) weight++;
  if (nonEmpty(route.paths)) weight++;
  // Kong tests `type(hosts) == "table"`: an empty list counts as plain, null does not.
  const plainHostsOnly = Array.isArray(route.hosts) && !route.hosts.some((h) => h.includes('*'));
  return {
    weight,
    plainHostsOnly,
    headerCount: Math.min(headerNames, MAX_HEADER_COUNT),
    regex,
    regexPriority: regex ? route.regex_priority : 0,
    prefixLength: regex ? 0 : prefixLength,
    createdAt: route.created_at ?? Number.POSITIVE_INFINITY,
    configIndex,
  };
}

/** Sort comparator: negative when `a` must be tried before `b`. */
export function comparePriority(a: RoutePriority, b: RoutePriority): number {
  if (a.weight !== b.weight) return b.weight - a.weight;
  if (a.plainHostsOnly !== b.plainHostsOnly) return a.plainHostsOnly ? -1 : 1;
  if (a.headerCount !== b.headerCount) return b.headerCount - a.headerCount;
  if (a.regex !== b.regex) return a.regex ? -1 : 1;
  if (a.regexPriority !== b.regexPriority) return b.regexPriority - a.regexPriority;
  if (a.prefixLength !== b.prefixLength) return b.prefixLength - a.prefixLength;
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.configIndex - b.configIndex;
}
