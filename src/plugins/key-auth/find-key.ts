// Finds the API key in a request as Kong's key-auth does: for each key name in order, the header first,
// then the query parameter; the first name present wins, even when its value is empty.
import type { RequestContext } from '../../gateway/context.ts';
import type { KeyAuthConfig } from './schema.ts';

/** More than one value under the key name that was found: Kong refuses rather than guess. */
export const DUPLICATE_KEY = Symbol('duplicate API key');

export type KeyFinder = (ctx: RequestContext) => string | undefined | typeof DUPLICATE_KEY;

export function createKeyFinder(config: KeyAuthConfig): KeyFinder {
  const names = config.key_names;
  // Header names are compared in lower case (Node lower-cases incoming ones); query names stay exact.
  const headerNames = names.map((n) => n.toLowerCase());
  const inHeader = config.key_in_header;
  const inQuery = config.key_in_query;
  const hide = config.hide_credentials;

  return (ctx) => {
    const headers = ctx.headers;
    // Most requests carry no query string: never parse one that is not there.
    const hasQuery = inQuery && ctx.querystring !== '';
    for (let i = 0; i < names.length; i++) {
      let value: string | string[] | undefined;
      if (inHeader) value = headers[headerNames[i]];
      if (value === undefined && hasQuery) {
        const all = ctx.query.getAll(names[i]);
        if (all.length > 1) return DUPLICATE_KEY;
        if (all.length === 1) value = all[0];
      }
      if (value === undefined) continue;
      if (Array.isArray(value)) return DUPLICATE_KEY;
      if (hide) {
        delete headers[headerNames[i]];
        if (hasQuery && ctx.query.has(names[i])) ctx.setQuery(withoutQueryParam(ctx.querystring, names[i]));
      }
      return value;
    }
    return undefined;
  };
}

/**
 * The query string minus every `name` parameter. The other parameters keep their exact bytes: re-encoding
 * them (as URLSearchParams would) could change what the upstream receives.
 */
export function withoutQueryParam(querystring: string, name: string): string {
  return querystring.split('&').filter((part) => {
    const eq = part.indexOf('=');
    return decodeComponent(eq === -1 ? part : part.slice(0, eq)) !== name;
  }).join('&');
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
