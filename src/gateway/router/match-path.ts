// Route `paths`: string prefixes (Kong: no segment boundary, `/foo` matches `/foobar`) or anchored regexes.
import type { CompiledRoute, MatchResult } from './compile-route.ts';
import type { Indexed } from '../indexed.ts';
import type { RouterRoute } from './types.ts';

/** The match for this route piece, or null. Prefix and path-less matches return a shared frozen result. */
export function matchPath(c: CompiledRoute, path: string): MatchResult | null {
  const prefixes: Indexed<MatchResult> | null = c.prefixResults;
  if (prefixes !== null) {
    for (let i = 0; i < prefixes.length; i++) {
      const result = prefixes[i];
      if (result !== undefined && path.startsWith(result.matchedPath)) return result;
    }
    return null;
  }
  const regexes: Indexed<RegExp> | null = c.regexes;
  if (regexes !== null) {
    for (let i = 0; i < regexes.length; i++) {
      const m = regexes[i]?.exec(path);
      if (m) return regexResult(c.route, m);
    }
    return null;
  }
  return c.noPathResult;
}

/**
 * Kong's uri_captures: `0` is the whole match, then positional groups, then named groups by name
 * (a named group is also numbered). Only set when the regex has groups; unmatched groups are left out.
 */
function regexResult(route: RouterRoute, m: RegExpExecArray): MatchResult {
  if (m.length === 1) return { kind: 'match', route, matchedPath: m[0] };
  const captures: Record<string, string> = {};
  // An unmatched group is undefined, which RegExpExecArray's type leaves out.
  const values: Indexed<string> = m;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== undefined) captures[i] = v;
  }
  const groups: Readonly<Record<string, string | undefined>> | undefined = m.groups;
  if (groups !== undefined) {
    for (const name in groups) {
      const v = groups[name];
      if (v !== undefined) captures[name] = v;
    }
  }
  return { kind: 'match', route, matchedPath: m[0], captures };
}
