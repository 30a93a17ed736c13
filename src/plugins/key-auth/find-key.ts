// Finds the API key in a request as Kong's key-auth does: for each key name in order, the header first,
// then the query parameter, then (key_in_body) the body field; the first name present wins, even when its
// value is empty.
import type { RequestContext } from '../../gateway/context.ts';
import { DUPLICATE_KEY, readBodyFields, type BodyFields } from './body-key.ts';
import type { KeyAuthConfig } from './schema.ts';

export { DUPLICATE_KEY };

export type FoundKey = string | undefined | typeof DUPLICATE_KEY;

/** Synchronous unless key_in_body is on and the search reaches the body (only then is it read). */
export type KeyFinder = (ctx: RequestContext) => FoundKey | Promise<FoundKey>;

/** The search needs the body, not read yet. */
const NEED_BODY = Symbol('need the body');

export function createKeyFinder(config: KeyAuthConfig): KeyFinder {
  const names = config.key_names;
  // Header names are compared in lower case (Node lower-cases incoming ones); query names stay exact.
  const headerNames = names.map((n) => n.toLowerCase());
  const inHeader = config.key_in_header;
  const inQuery = config.key_in_query;
  const inBody = config.key_in_body;
  const hide = config.hide_credentials;

  /** `body`: undefined while not read (returns NEED_BODY when it must be), null when it has no fields. */
  function find(ctx: RequestContext, body: BodyFields | null | undefined): FoundKey | typeof NEED_BODY {
    const headers = ctx.headers;
    // Most requests carry no query string: never parse one that is not there.
    const hasQuery = inQuery && ctx.querystring !== '';
    for (let i = 0; i < names.length; i++) {
      let value: string | string[] | undefined | typeof DUPLICATE_KEY;
      if (inHeader) value = headers[headerNames[i]];
      if (value === undefined && hasQuery) {
        const all = ctx.query.getAll(names[i]);
        if (all.length > 1) return DUPLICATE_KEY;
        if (all.length === 1) value = all[0];
      }
      if (value === undefined && inBody) {
        if (body === undefined) return NEED_BODY;
        value = body?.lookup(names[i]);
      }
      if (value === undefined) continue;
      if (Array.isArray(value) || value === DUPLICATE_KEY) return DUPLICATE_KEY;
      if (hide) {
        // Kong also strips the key name from the body, wherever the key was found.
        if (inBody && body === undefined) return NEED_BODY;
        delete headers[headerNames[i]];
        if (hasQuery && ctx.query.has(names[i])) ctx.setQuery(withoutQueryParam(ctx.querystring, names[i]));
        body?.hide(names[i]);
      }
      return value;
    }
    return undefined;
  }

  if (!inBody) return (ctx) => find(ctx, null) as FoundKey;
  return (ctx) => {
    const found = find(ctx, undefined);
    if (found !== NEED_BODY) return found;
    return readBodyFields(ctx).then((body) => find(ctx, body) as FoundKey);
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
