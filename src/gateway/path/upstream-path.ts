// The path sent upstream: Kong's path_handling v0 / v1 joining of service.path, the route's match and the request.
/*
 * Port of Kong's kong/router/utils.lua `get_upstream_uri_v0` (path_handling "v0", the default) and of the
 * "v1" branch of kong/router/traditional.lua. Kong's documented table (s = Service, r = Route):
 *
 *   s.path  r.path  r.strip_path  r.path_handling  request   proxied
 *   /s      /fv0    false         v0               /fv0req   /s/fv0req
 *   /s      /fv1    false         v1               /fv1req   /sfv1req
 *   /s      /tv0    true          v0               /tv0req   /s/req
 *   /s      /tv1    true          v1               /tv1req   /sreq
 *   /s      /fv0/   false         v0               /fv0/req  /s/fv0/req
 *   /s      /fv1/   false         v1               /fv1/req  /sfv1/req
 *   /s      /tv0/   true          v0               /tv0/req  /s/req
 *   /s      /tv1/   true          v1               /tv1/req  /sreq
 *
 * Kong 3.x's traditional_compatible router deprecates v1 and applies v0 whatever the route says; we keep
 * v1 working as the traditional router did, since the schema still accepts it.
 * The query string is not part of this: the caller appends `?` + querystring.
 */
import type { RouterRoute } from '../router/types.ts';

const SLASH = 0x2f;

/** Kong's sanitize_uri_postfix: a postfix must not start a dot segment upstream (`/foo..` matched by `/foo`). */
export function sanitizeUriPostfix(postfix: string): string {
  if (postfix === '') return postfix;
  if (postfix === '.' || postfix === '..') return '';
  if (postfix.startsWith('./')) return postfix.slice(2);
  if (postfix.startsWith('../')) return postfix.slice(3);
  return postfix;
}

/**
 * @param servicePath the service's `path` (null or undefined means `/`)
 * @param route the matched route (only strip_path and path_handling are read)
 * @param requestPath the normalised request path
 * @param matchedPath what the route's path matched (the prefix, or a regex's whole match);
 *   '' when the route has no paths, which Kong treats like a match of `/`.
 */
export function buildUpstreamPath(
  servicePath: string | null | undefined,
  route: Pick<RouterRoute, 'strip_path' | 'path_handling'>,
  requestPath: string,
  matchedPath: string,
): string {
  const base = servicePath || '/';
  const prefixLength = matchedPath === '' ? 1 : matchedPath.length;
  const postfix = sanitizeUriPostfix(requestPath.slice(prefixLength));
  if (route.path_handling === 'v1') return upstreamPathV1(base, route.strip_path, postfix, requestPath);
  return upstreamPathV0(base, route.strip_path, postfix, requestPath);
}

function endsWithSlash(s: string): boolean {
  return s.charCodeAt(s.length - 1) === SLASH;
}

/** v0: joins service path and the rest of the request with exactly one slash (Kong 0.x and 2.x+). */
function upstreamPathV0(base: string, strip: boolean, postfix: string, requestPath: string): string {
  if (endsWithSlash(base)) {
    if (!strip) return base + requestPath.slice(1);
    if (postfix === '') {
      if (base === '/') return '/';
      return endsWithSlash(requestPath) ? base : base.slice(0, -1);
    }
    return postfix.charCodeAt(0) === SLASH ? base.slice(0, -1) + postfix : base + postfix;
  }
  if (!strip) return requestPath === '/' ? base : base + requestPath;
  if (postfix === '') return requestPath.length > 1 && endsWithSlash(requestPath) ? base + '/' : base;
  return postfix.charCodeAt(0) === SLASH ? base + postfix : base + '/' + postfix;
}

/** v1: the service path is a plain prefix of the rest of the request (Kong 1.x); only `//` is avoided. */
function upstreamPathV1(base: string, strip: boolean, postfix: string, requestPath: string): string {
  if (!strip) return base + requestPath.slice(1);
  if (endsWithSlash(base) && postfix.charCodeAt(0) === SLASH) return base.slice(0, -1) + postfix;
  return base + postfix;
}
