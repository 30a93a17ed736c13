// Finds the API key in a request as Kong's key-auth does (kong/plugins/key-auth/handler.lua): for each key
// name in order, the header, then the query parameter; the first string found wins, even an empty one. A
// name sent more than once (two headers, two parameters) is a list in Kong and refused as a duplicate.
import { unescape as unescapeComponent } from 'node:querystring';
import type { RequestContext } from '../../gateway/context.ts';
import type { KeyAuthConfig } from './schema.ts';

/** More than one value under the key name that was found: Kong refuses rather than guess. */
export const DUPLICATE_KEY = Symbol('duplicate API key');

export type KeyFinder = (ctx: RequestContext) => string | undefined | typeof DUPLICATE_KEY;

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
  const hide = config.hide_credentials;

  return (ctx) => {
    for (let i = 0; i < names.length; i++) {
      const key = names[i];
      let value: string | typeof FLAG | typeof DUPLICATE_KEY | undefined;
      if (inHeader) value = headerValue(ctx, key.headers);
      if (value === undefined && inQuery && ctx.querystring !== '') value = queryValue(ctx.querystring, key.name);
      if (value === undefined || value === FLAG) continue;
      if (value === DUPLICATE_KEY) return DUPLICATE_KEY;
      // Kong clears both places whichever held the key, whatever key_in_header and key_in_query say.
      if (hide) hideKey(ctx, key);
      return value;
    }
    return undefined;
  };
}

function headerValue(ctx: RequestContext, headerNames: readonly string[]): string | typeof DUPLICATE_KEY | undefined {
  for (let i = 0; i < headerNames.length; i++) {
    const value = ctx.headers[headerNames[i]];
    if (value === undefined) continue;
    // Node joins a repeated custom header with ", " (and keeps only the first of some standard ones):
    // what counts is what the client sent, as Kong's header table would show it.
    if (typeof value !== 'string' || ctx.headerRepeated(headerNames[i])) return DUPLICATE_KEY;
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
  for (const header of key.headers) delete ctx.headers[header];
  if (ctx.querystring === '') return;
  const rest = withoutQueryParam(ctx.querystring, key.name);
  if (rest !== ctx.querystring) ctx.setQuery(rest);
}

/**
 * The query string minus every `name` parameter. The other parameters keep their exact bytes and order:
 * re-encoding them (as URLSearchParams, or Kong's ada-based clear_query_arg, would) changes what the upstream receives.
 */
export function withoutQueryParam(querystring: string, name: string): string {
  return querystring.split('&').filter((part) => {
    const eq = part.indexOf('=');
    return decodeComponent(eq === -1 ? part : part.slice(0, eq)) !== name;
  }).join('&');
}

function decodeComponent(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  return unescapeComponent(text.replace(/\+/g, ' '));
}
