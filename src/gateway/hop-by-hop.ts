// Hop-by-hop headers (RFC 9110 §7.6.1) and those a client could use to pass itself off as the gateway.
import type { IncomingHttpHeaders } from 'node:http';
import { IDENTITY_HEADERS } from './identity-headers.ts';

/**
 * Never forwarded in either direction. `expect` too: the gateway answers 100-continue itself. `proxy`: no
 * such header exists, but CGI-style upstreams turn it into HTTP_PROXY, their outbound proxy (httpoxy).
 */
export const HOP_BY_HOP: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'http2-settings',
  'proxy',
];

/** Forwarding headers: only honoured from trusted proxies, otherwise dropped and rebuilt by the gateway. */
export const FORWARDING: readonly string[] = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-path',
  'x-forwarded-prefix',
  'x-real-ip',
];

/** Headers that make many frameworks run another method than the one the gateway authorized. */
export const METHOD_OVERRIDE: readonly string[] = ['x-http-method-override', 'x-http-method', 'x-method-override'];

/**
 * Claims no client may make and the gateway never rebuilds: method overrides, the path some upstreams route
 * on instead of the request line's (IIS, Symfony, Laravel), and client-address headers of other proxies and
 * CDNs (the client's address reaches the upstream as X-Real-IP / X-Forwarded-For).
 */
export const SPOOFABLE: readonly string[] = [...METHOD_OVERRIDE, 'x-original-url', 'x-rewrite-url', 'true-client-ip', 'x-client-ip', 'cf-connecting-ip'];

const HOP_BY_HOP_NAMES: ReadonlySet<string> = new Set(HOP_BY_HOP);

/** Removes hop-by-hop headers and the ones named in `Connection` (lower-case names, as Node and undici give them). */
export function stripHopByHop(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): void {
  stripConnectionTokens(headers);
  // One pass over the few headers present, rather than a delete for each of the twelve listed names.
  for (const name in headers) if (HOP_BY_HOP_NAMES.has(name)) Reflect.deleteProperty(headers, name);
}

/**
 * The headers without hop-by-hop ones and those named in `Connection`, for the hot path: the same object when none
 * is present, else a copy. Not deleted in place: V8 turns an object it deletes from into a slower dictionary, and
 * every header a plugin adds afterwards, and Node writing the response head, would pay for it.
 */
export function withoutHopByHop<V extends string | string[] | undefined>(headers: Record<string, V>): Record<string, V> {
  let present = false;
  for (const name in headers) {
    if (HOP_BY_HOP_NAMES.has(name)) {
      present = true;
      break;
    }
  }
  if (!present) return headers;
  const connection = headers.connection;
  const named = connection === undefined || connection === 'keep-alive' || connection === 'close' ? null : connectionTokens(connection);
  const out: Record<string, V> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP_NAMES.has(name) || named?.has(name) === true) continue;
    // A header named __proto__ must stay a header, not become the copy's prototype.
    if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, configurable: true, writable: true });
    else out[name] = value;
  }
  return out;
}

function connectionTokens(connection: string | readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const name of String(connection).split(',')) {
    const n = name.trim().toLowerCase();
    if (n !== '') names.add(n);
  }
  return names;
}

function stripConnectionTokens(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): void {
  const connection = headers.connection;
  // The usual values name no header beyond Keep-Alive, which is hop-by-hop anyway: nothing to split.
  if (connection !== undefined && connection !== 'keep-alive' && connection !== 'close') {
    for (const name of String(connection).split(',')) {
      const n = name.trim().toLowerCase();
      if (n !== '') Reflect.deleteProperty(headers, n);
    }
  }
}

const NOTHING: readonly string[] = Object.freeze([]);

/** A client's request headers once scrubbed, and the names the scrub removed that the client chose to send. */
export interface ScrubbedHeaders {
  headers: IncomingHttpHeaders;
  removed: readonly string[];
}

/**
 * Cleans a client's request headers before any plugin runs: the same object when there is nothing to remove
 * (most requests), else a copy without them (deleting would turn Node's object into a slower dictionary, and
 * undici reads every header of it again). Answers, too, the names it removed that a client chose to send (lower
 * case, `_` spelled `-`), hop-by-hop ones and those named in `Connection` aside. Headers named in `Connection`,
 * hop-by-hop, forwarding (read before this, from trusted proxies only), identity (Kong's and the operator's
 * `extraIdentity`) and SPOOFABLE go, and so does any spelling with underscores of one of them: CGI-style
 * servers (PHP, WSGI, Rack) read `X_Consumer_ID` as `X-Consumer-ID`. Other underscore names (`api_key`) stay.
 */
export function createClientHeaderScrub(extraIdentity: readonly string[] = []): (headers: IncomingHttpHeaders) => ScrubbedHeaders {
  const claims = new Set([...FORWARDING, ...IDENTITY_HEADERS, ...SPOOFABLE, ...extraIdentity.map(dashed)]);
  const hop = new Set(HOP_BY_HOP);
  return (headers) => {
    const connection = headers.connection;
    // The usual values name no header beyond Keep-Alive, which is hop-by-hop anyway: nothing to split.
    const named = connection === undefined || connection === 'keep-alive' || connection === 'close' ? null : connectionTokens(connection);
    let removed: string[] | null = null;
    let drop = false;
    // One pass over what the client sent, rather than one lookup per listed name.
    for (const name in headers) {
      if (named?.has(name) === true) drop = true;
      else {
        const canonical = name.includes('_') ? dashed(name) : name;
        if (claims.has(canonical)) {
          (removed ??= []).push(canonical);
          drop = true;
        } else if (hop.has(canonical)) drop = true;
      }
    }
    if (!drop) return { headers, removed: NOTHING };
    const kept: IncomingHttpHeaders = {};
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined || named?.has(name) === true) continue;
      const canonical = name.includes('_') ? dashed(name) : name;
      if (claims.has(canonical) || hop.has(canonical)) continue;
      // A header named __proto__ must stay a header, not become the copy's prototype.
      if (name === '__proto__') Object.defineProperty(kept, name, { value, enumerable: true, configurable: true, writable: true });
      else kept[name] = value;
    }
    return { headers: kept, removed: removed ?? NOTHING };
  };
}

function dashed(name: string): string {
  return name.replaceAll('_', '-');
}

/** True when the client sent a method-override header (in any spelling) that the scrub removed. */
export function sentMethodOverride(removed: readonly string[]): boolean {
  for (const name of removed) if (METHOD_OVERRIDE.includes(name)) return true;
  return false;
}
