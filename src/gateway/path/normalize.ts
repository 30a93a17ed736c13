// Canonicalises the request target once per request, before routing and before any plugin sees the path.
/*
 * What a route, an ACL and the upstream see must be one and the same path, or `/api/orders/../users`,
 * `%2e%2e`, `//` and `%2F` become ways around a route an ACL forbids. We do what Envoy does with
 * `normalize_path: true` + `merge_slashes: true` + `path_with_escaped_slashes_action: REJECT_REQUEST`,
 * and refuse (400) whatever is still ambiguous. The normalised path is also what goes upstream
 * (see upstream-path.ts), so the upstream cannot resolve it to something else.
 *
 * Accepted request-target forms
 *   - origin-form `/p?q` (the norm);
 *   - absolute-form `http://h/p?q` / `https://...`: its path is used (an empty path becomes `/`); the
 *     authority is ignored here (Host comes from the Host header).
 *   - `*` (asterisk-form), authority-form `h:443`, anything else not starting with `/`: BAD_REQUEST.
 *
 * Canonicalisation (slow path; the fast path below returns the input when it is already canonical)
 *   1. Percent-escapes of unreserved characters (ALPHA DIGIT - . _ ~) are decoded: `%2e` is `.`, `%41` is `A`.
 *      Every other escape is kept, its hex upper-cased (`%3b` -> `%3B`).
 *   2. Raw characters RFC 3986 forbids in a path but clients send anyway (`"<>[]^\`{|}`) and raw bytes
 *      0x80-0xFF (Node hands the request line over as latin1) are percent-encoded.
 *   3. Dot segments are resolved (RFC 3986 §5.2.4 remove_dot_segments), after decoding, so `%2e%2e` counts.
 *   4. Repeated slashes are merged (`/api//orders` -> `/api/orders`), after step 3 as in Envoy, so
 *      `/a//../b` is `/a/b`. A trailing slash is kept: `/a/` and `/a` stay distinct paths.
 *
 * Refused with PATH_AMBIGUOUS (400)
 *   - an encoded slash or backslash (`%2F`, `%5C`, any case): upstreams disagree on whether it separates;
 *   - a `..` that climbs above the root (`/..`, `/a/../..`);
 *   - invalid escapes (`%zz`, `%4`, a lone `%`);
 *   - double encoding: `%25` followed by two hex digits (`%252e` decodes to `%2e` a second time upstream);
 *   - encoded control characters (`%00`, `%0A`, `%7F`...);
 *   - percent-encoded or raw bytes >= 0x80 that are not valid UTF-8, which includes overlong forms such as
 *     `%C0%AE` (an old way to spell `.`) and encoded surrogates;
 *   - a dot segment carrying a path parameter (`..;`, `.;x`): Tomcat and Jetty treat `..;/` as `../`.
 * Refused with BAD_REQUEST (400)
 *   - raw control characters, DEL, spaces, a raw backslash, a `#` (fragments are never sent), characters
 *     beyond latin1, an empty path, a non-origin-form target. The query string is only checked for the same
 *     raw characters; otherwise it is returned exactly as received (without the `?`).
 */
import { GatewayError } from '../../errors/gateway-error.ts';
import { resolveDotSegments } from './dot-segments.ts';

export interface NormalizedTarget {
  /** Canonical path: starts with `/`, no dot segments, no `//`, canonical percent-encoding. */
  path: string;
  /** Raw query string without the leading `?`; empty when none. */
  querystring: string;
}

const SLASH = 0x2f;
const PERCENT = 0x25;
const QUESTION = 0x3f;
const DOT = 0x2e;

/** Raw character classes (ASCII only). */
const FAST = 1; // unreserved or `/`: the only characters the fast path accepts
const KEEP = 2; // other characters allowed raw in a path (sub-delims, `:`, `@`)
const ENCODE = 3; // not allowed raw but harmless once percent-encoded
const REJECT = 0; // control characters, space, DEL, `#`, `\`

const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-._~/]/.test(ch)) CLASS[c] = FAST;
  else if ("!$&'()*+,;=:@".includes(ch)) CLASS[c] = KEEP;
  else if ('"<>[]^`{|}'.includes(ch)) CLASS[c] = ENCODE;
  else CLASS[c] = REJECT; // < 0x20, space, '#', '%' (handled apart), '?' (never reached), '\', DEL
}

const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) UNRESERVED[c] = /[A-Za-z0-9\-._~]/.test(String.fromCharCode(c)) ? 1 : 0;

const HEX = '0123456789ABCDEF';

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function ambiguous(detail: string): never {
  throw new GatewayError('PATH_AMBIGUOUS', { detail });
}

function badRequest(detail: string): never {
  throw new GatewayError('BAD_REQUEST', { detail });
}

/** Splits, checks and canonicalises a raw request target (what the request line carries). */
export function normalizeRequestTarget(rawTarget: string): NormalizedTarget {
  let start = 0;
  if (rawTarget.charCodeAt(0) !== SLASH) start = absoluteFormPathStart(rawTarget);

  const q = rawTarget.indexOf('?', start);
  const end = q < 0 ? rawTarget.length : q;
  const querystring = q < 0 ? '' : rawTarget.slice(q + 1);
  if (q >= 0) checkQuery(querystring);

  if (start === end) return { path: '/', querystring }; // absolute-form with an empty path
  const path = start === 0 && end === rawTarget.length ? rawTarget : rawTarget.slice(start, end);
  if (isCanonical(path)) return { path, querystring };
  return { path: canonicalPath(path), querystring };
}

/**
 * Canonicalises a path alone (no query): what route prefixes go through at config load, so they are
 * spelled the way request paths will be. Throws GatewayError like normalizeRequestTarget.
 */
export function normalizePath(path: string): string {
  if (path.charCodeAt(0) !== SLASH) badRequest('path must start with /');
  return isCanonical(path) ? path : canonicalPath(path);
}

/**
 * The path as the client sent it, before canonicalisation and without the query: nginx's `$request_uri`
 * minus its arguments, what Kong sends upstream as X-Forwarded-Path. Only for targets that passed
 * normalizeRequestTarget.
 */
export function rawRequestPath(rawTarget: string): string {
  const start = rawTarget.charCodeAt(0) === SLASH ? 0 : absoluteFormPathStart(rawTarget);
  const q = rawTarget.indexOf('?', start);
  const end = q < 0 ? rawTarget.length : q;
  if (start === end) return '/';
  return start === 0 && end === rawTarget.length ? rawTarget : rawTarget.slice(start, end);
}

/** Where the path starts in an absolute-form target; throws for every other non-origin form. */
function absoluteFormPathStart(target: string): number {
  if (target.length === 0) badRequest('empty request target');
  if (target === '*') badRequest('asterisk-form request target is not accepted');
  const m = /^https?:\/\/[^/?#]+/i.exec(target);
  if (m === null) badRequest('request target is not in origin-form');
  const start = m[0].length;
  const next = target.charCodeAt(start);
  if (start < target.length && next !== SLASH && next !== QUESTION) badRequest('malformed absolute-form target');
  // `http://h?q` has an empty path: the caller maps start === end to `/`.
  return start;
}

/** Fast path: only unreserved characters and `/`, no `//`, no segment starting with a dot. */
function isCanonical(path: string): boolean {
  if (path.charCodeAt(0) !== SLASH) return false;
  let prevSlash = true;
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c >= 128 || CLASS[c] !== FAST) return false;
    if (prevSlash && (c === SLASH || c === DOT)) return false;
    prevSlash = c === SLASH;
  }
  return true;
}

function checkQuery(query: string): void {
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x23 || c > 0xff) badRequest('invalid character in query string');
  }
}

/**
 * UTF-8 validation state over the byte stream made of raw latin1 characters and decoded escapes.
 * `need` continuation bytes are expected; the next one must lie in [lo, hi] (this rejects overlongs,
 * surrogates and code points above U+10FFFF: the Unicode "well-formed byte sequences" table).
 */
interface Utf8State {
  need: number;
  lo: number;
  hi: number;
}

function feedUtf8(s: Utf8State, b: number): void {
  if (s.need > 0) {
    if (b < s.lo || b > s.hi) ambiguous('path is not valid UTF-8 (overlong or malformed sequence)');
    s.need--;
    s.lo = 0x80;
    s.hi = 0xbf;
    return;
  }
  if (b < 0x80) return;
  if (b >= 0xc2 && b <= 0xdf) {
    s.need = 1;
    return;
  }
  if (b === 0xe0) {
    s.need = 2;
    s.lo = 0xa0;
    return;
  }
  if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) {
    s.need = 2;
    return;
  }
  if (b === 0xed) {
    s.need = 2;
    s.hi = 0x9f;
    return;
  }
  if (b === 0xf0) {
    s.need = 3;
    s.lo = 0x90;
    return;
  }
  if (b >= 0xf1 && b <= 0xf3) {
    s.need = 3;
    return;
  }
  if (b === 0xf4) {
    s.need = 3;
    s.hi = 0x8f;
    return;
  }
  ambiguous('path is not valid UTF-8 (overlong or malformed sequence)');
}

/** Slow path: decode/re-encode per character, collect segments, then resolve dots and merge slashes. */
function canonicalPath(path: string): string {
  if (path.charCodeAt(0) !== SLASH) badRequest('request target is not in origin-form');
  const segments: string[] = [];
  const utf8: Utf8State = { need: 0, lo: 0x80, hi: 0xbf };
  let seg = '';
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === PERCENT) {
      const h1 = hexValue(path.charCodeAt(i + 1));
      const h2 = hexValue(path.charCodeAt(i + 2));
      if (h1 < 0 || h2 < 0) ambiguous('invalid percent-encoding in path');
      const b = (h1 << 4) | h2;
      i += 2;
      if (b >= 0x80) {
        feedUtf8(utf8, b);
        seg += '%' + HEX.charAt(h1) + HEX.charAt(h2);
        continue;
      }
      if (utf8.need > 0) feedUtf8(utf8, b); // throws: ASCII inside a multi-byte sequence
      if (b === SLASH || b === 0x5c) ambiguous('encoded slash or backslash in path');
      if (b < 0x20 || b === 0x7f) ambiguous('encoded control character in path');
      if (b === PERCENT && hexValue(path.charCodeAt(i + 1)) >= 0 && hexValue(path.charCodeAt(i + 2)) >= 0) {
        ambiguous('double percent-encoding in path');
      }
      seg += UNRESERVED[b] === 1 ? String.fromCharCode(b) : '%' + HEX.charAt(h1) + HEX.charAt(h2);
      continue;
    }
    if (c >= 0x80) {
      if (c > 0xff) badRequest('path contains characters outside latin1');
      feedUtf8(utf8, c);
      seg += '%' + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
      continue;
    }
    if (utf8.need > 0) feedUtf8(utf8, c); // throws
    const cls = CLASS[c];
    if (c === SLASH) {
      segments.push(seg);
      seg = '';
    } else if (cls === FAST || cls === KEEP) {
      seg += path.charAt(i);
    } else if (cls === ENCODE) {
      seg += '%' + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
    } else {
      badRequest(c === 0x5c ? 'backslash in path' : 'invalid character in path');
    }
  }
  if (utf8.need > 0) ambiguous('path is not valid UTF-8 (truncated sequence)');
  segments.push(seg);
  return resolveDotSegments(segments);
}
