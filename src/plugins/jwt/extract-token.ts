// Finds the request's JWT as Kong does: query parameters, then cookies, then `Bearer` headers; several
// distinct tokens are an error, the same token twice is not.
import type { RequestContext } from '../../gateway/context.ts';
import { GatewayError } from '../../errors/gateway-error.ts';

export type TokenExtractor = (ctx: RequestContext) => string | undefined;

/** Thrown when the request carries more than one distinct token. */
function multipleTokens(): GatewayError {
  return new GatewayError('JWT_MULTIPLE_TOKENS', { detail: 'The request carries more than one distinct token.' });
}

/**
 * Builds the extractor once per plugin instance. The common request (token in `Authorization`, no
 * query string, no cookie names configured) costs a header read and a few character compares.
 */
export function createTokenExtractor(config: {
  uri_param_names: readonly string[];
  cookie_names: readonly string[];
  header_names: readonly string[];
}): TokenExtractor {
  const params = [...new Set(config.uri_param_names)];
  const cookies = [...new Set(config.cookie_names)];
  const headers = [...new Set(config.header_names.map((h) => h.toLowerCase()))];

  return (ctx) => {
    let token: string | undefined;
    if (params.length > 0 && ctx.querystring !== '' && mayHaveParam(ctx.querystring, params)) {
      const query = ctx.query;
      for (const name of params) for (const value of query.getAll(name)) token = merge(token, value);
    }
    if (cookies.length > 0) {
      const cookieHeader = ctx.headers.cookie;
      if (cookieHeader) for (const name of cookies) token = merge(token, cookieValue(cookieHeader, name));
    }
    for (const name of headers) {
      const value = ctx.headers[name];
      if (value !== undefined) token = merge(token, bearerToken(firstHeaderValue(name, value)));
    }
    return token;
  };
}

/**
 * Kong reads the first occurrence of a repeated header. Node keeps only the first `Authorization` but joins
 * other repeated headers with ", "; a compact JWS never holds a comma, so the text before the first one is
 * the first occurrence (a lone header with a comma in its token would fail to decode anyway).
 */
function firstHeaderValue(name: string, value: string | string[]): string {
  const first = Array.isArray(value) ? value[0] : value;
  if (name === 'authorization') return first;
  const comma = first.indexOf(',');
  return comma === -1 ? first : first.slice(0, comma);
}

/** Adds one candidate: empty ones are ignored (as Kong does), a second distinct one is an error. */
function merge(token: string | undefined, value: string): string | undefined {
  if (value === '' || value === token) return token;
  if (token === undefined) return value;
  throw multipleTokens();
}

/**
 * Cheap pre-check so a request with an unrelated query string never pays for parsing it. A `%` or
 * `+` might hide an encoded name, so those always get the full parse.
 */
function mayHaveParam(querystring: string, names: readonly string[]): boolean {
  if (querystring.includes('%') || querystring.includes('+')) return true;
  for (const name of names) if (querystring.includes(name)) return true;
  return false;
}

/** `Bearer <token>` (scheme in any case, RFC 9110 §11.1) -> token; anything else -> ''. */
export function bearerToken(value: string): string {
  let i = 0;
  while (isSpace(value.charCodeAt(i))) i++;
  if (value.length - i < 8) return '';
  // "bearer" compared case-insensitively without allocating a lower-cased copy.
  for (let k = 0; k < 6; k++) {
    if ((value.charCodeAt(i + k) | 0x20) !== BEARER.charCodeAt(k)) return '';
  }
  i += 6;
  if (!isSpace(value.charCodeAt(i))) return '';
  while (isSpace(value.charCodeAt(i))) i++;
  let end = value.length;
  while (end > i && isSpace(value.charCodeAt(end - 1))) end--;
  return value.slice(i, end);
}

const BEARER = 'bearer';

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}

/** First cookie called `name` (nginx's `$cookie_<name>`), '' when absent. */
export function cookieValue(header: string | string[], name: string): string {
  const joined = Array.isArray(header) ? header.join('; ') : header;
  let start = 0;
  while (start < joined.length) {
    let end = joined.indexOf(';', start);
    if (end === -1) end = joined.length;
    const eq = joined.indexOf('=', start);
    if (eq !== -1 && eq < end && joined.slice(start, eq).trim() === name) {
      let value = joined.slice(eq + 1, end).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      return value;
    }
    start = end + 1;
  }
  return '';
}
