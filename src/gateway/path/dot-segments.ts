// RFC 3986 remove_dot_segments over decoded path segments, then slash merging; refuses climbs above the root.
import { GatewayError } from '../../errors/gateway-error.ts';

/**
 * `segments` are the decoded pieces between raw slashes of a path that starts with `/`
 * (`/a//b/` gives `['a', '', 'b', '']`). Returns the canonical path.
 */
export function resolveDotSegments(segments: readonly string[]): string {
  const out: string[] = [];
  let left = segments.length;
  for (const s of segments) {
    left--;
    if (s === '.' || s === '..') {
      if (s === '..') {
        if (out.length === 0) throw new GatewayError('PATH_AMBIGUOUS', { detail: 'dot segments climb above the root' });
        out.pop();
      }
      // A final dot segment leaves a directory: `/a/b/..` is `/a/`.
      if (left === 0) out.push('');
      continue;
    }
    if (isDotWithParameter(s)) {
      // Tomcat and Jetty strip `;params` before resolving, so `..;` climbs there but not here.
      throw new GatewayError('PATH_AMBIGUOUS', { detail: 'dot segment with a path parameter' });
    }
    out.push(s);
  }
  // Merge slashes: drop empty segments except a final one, which is the trailing slash.
  let path = '';
  left = out.length;
  for (const s of out) {
    left--;
    if (s === '' && left !== 0) continue;
    path += '/' + s;
  }
  return path === '' ? '/' : path;
}

function isDotWithParameter(s: string): boolean {
  if (s.charCodeAt(0) !== 0x2e) return false;
  if (s.charCodeAt(1) === 0x3b) return true; // .;
  return s.charCodeAt(1) === 0x2e && s.charCodeAt(2) === 0x3b; // ..;
}
