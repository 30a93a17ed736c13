// Finds the API key in a request as Kong's key-auth does (kong/plugins/key-auth/handler.lua): for each key
// name in order, the header, then the query parameter, then (key_in_body) the body field; the first string
// found wins, even an empty one. A name sent more than once (two headers, two parameters) is a list in Kong
// and refused as a duplicate.
import { unescape as unescapeComponent } from 'node:querystring';
import type { RequestContext } from '../../gateway/context.ts';
import { DUPLICATE_KEY, readBodyFields, type BodyFields } from './body-key.ts';
import type { KeyAuthConfig } from './schema.ts';

export { DUPLICATE_KEY };

export type FoundKey = string | undefined | typeof DUPLICATE_KEY;

/** Synchronous unless key_in_body is on and the search reaches the body (only then is it read). */
export type KeyFinder = (ctx: RequestContext) => FoundKey | Promise<FoundKey>;

/** The search needs the body, not read yet. */
const NEED_BODY = Symbol('need the body');

/** A query parameter sent without `=` (`?apikey`): Kong reads it as `true`, not a key, and tries the next name. */
const FLAG = Symbol('parameter without a value');

interface KeyName {
  /** As configured: the query parameter name (case-sensitive). */
  readonly name: string;
  /** Header names to look under, lower case: nginx's lookup also finds `api_key` sent as `api-key`. */
  readonly headers: readonly string[];
}

export function createKeyFinder(config: KeyAuthConfig): KeyFinder {
  const names: KeyName[] = config.key_names.map((name) => {
    const lower = name.toLowerCase();
    const hyphenated = lower.replace(/_/g, '-');
    return { name, headers: hyphenated === lower ? [lower] : [lower, hyphenated] };
  });
  const inHeader = config.key_in_header;
  const inQuery = config.key_in_query;
  const inBody = config.key_in_body;
  const hide = config.hide_credentials;

  /** `body`: undefined while not read (returns NEED_BODY when it must be), null when it has no fields. */
  function find(ctx: RequestContext, body: BodyFields | null | undefined): FoundKey | typeof NEED_BODY {
    for (const key of names) {
      let value: string | typeof FLAG | typeof DUPLICATE_KEY | undefined;
      if (inHeader) value = headerValue(ctx, key.headers);
      if (value === undefined && inQuery && ctx.querystring !== '') value = queryValue(ctx.querystring, key.name);
      if (value === undefined && inBody) {
        if (body === undefined) return NEED_BODY;
        value = body?.lookup(key.name);
      }
      if (value === undefined || value === FLAG) continue;
      if (value === DUPLICATE_KEY) return DUPLICATE_KEY;
      if (hide) {
        // Kong clears every place whichever held the key, whatever key_in_header/query/body say.
        if (inBody && body === undefined) return NEED_BODY;
        hideKey(ctx, key);
        body?.hide(key.name);
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

function headerValue(ctx: RequestContext, headerNames: readonly string[]): string | typeof DUPLICATE_KEY | undefined {
  for (const name of headerNames) {
    const value = ctx.headers[name];
    if (value === undefined) continue;
    // Node joins a repeated custom header with ", " (and keeps only the first of some standard ones):
    // what counts is what the client sent, as Kong's header table would show it.
    if (typeof value !== 'string' || ctx.headerRepeated(name)) return DUPLICATE_KEY;
    return value;
  }
  return undefined;
}

/** The value of parameter `name` as nginx's get_uri_args decodes it: `+` is a space, bad escapes stay as sent. */
function queryValue(querystring: string, name: string): string | typeof FLAG | typeof DUPLICATE_KEY | undefined {
  // Most query strings never mention the name: skip parsing unless an escape could hide it.
  if (!querystring.includes(name) && !querystring.includes('%') && !querystring.includes('+')) return undefined;
  let found: string | typeof FLAG | undefined;
  for (const part of querystring.split('&')) {
    const eq = part.indexOf('=');
    if (decodeComponent(eq === -1 ? part : part.slice(0, eq)) !== name) continue;
    if (found !== undefined) return DUPLICATE_KEY;
    found = eq === -1 ? FLAG : decodeComponent(part.slice(eq + 1));
  }
  return found;
}

function hideKey(ctx: RequestContext, key: KeyName): void {
  for (const header of key.headers) Reflect.deleteProperty(ctx.headers, header);
  if (ctx.querystring === '') return;
  const rest = withoutQueryParam(ctx.querystring, key.name);
  if (rest !== ctx.querystring) ctx.setQuery(rest);
}

/**
 * The query string minus every `name` parameter. The other parameters keep their exact bytes and order:
 * re-encoding them (as URLSearchParams, or Kong's ada-based clear_query_arg, would) changes what the upstream receives.
 */
export function withoutQueryParam(querystring: string, name: string): string {
  return querystring
    .split('&')
    .filter((part) => {
      const eq = part.indexOf('=');
      return decodeComponent(eq === -1 ? part : part.slice(0, eq)) !== name;
    })
    .join('&');
}

function decodeComponent(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  return unescapeComponent(text.replace(/\+/g, ' '));
}
