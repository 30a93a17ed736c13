// Kong's `headers` and `headers_upstream` settings (kong.conf): which of Server, Via, X-Kong-*-Latency,
// X-Kong-Upstream-Status and X-Kong-Request-Id the gateway adds, parsed once at start into booleans and
// precomputed values, so a request pays a few assignments and one clock read for them.
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { ResponseHead } from '../plugins/contract.ts';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Where Kong writes `kong/<version>` (meta._SERVER_TOKENS). */
export const SERVER_TOKEN = `portcullis/${version}`;

export interface KongHeaders {
  /** `Server: portcullis/x` on responses the gateway made; on proxied ones only when the upstream sent none. */
  readonly server: boolean;
  /** `Via` appended on proxied responses. (Via towards the upstream is always appended, as Kong does.) */
  readonly via: boolean;
  readonly proxyLatency: boolean;
  readonly responseLatency: boolean;
  readonly upstreamLatency: boolean;
  /** Accepted for Kong's sake; the admin API does not send it. */
  readonly adminLatency: boolean;
  readonly upstreamStatus: boolean;
  readonly requestId: boolean;
  /** headers_upstream: X-Kong-Request-Id on the request to the upstream. */
  readonly upstreamRequestId: boolean;
}

/** Kong's defaults (kong.conf.default). */
export const DEFAULT_HEADERS = 'server_tokens, latency_tokens, X-Kong-Request-Id';
export const DEFAULT_HEADERS_UPSTREAM = 'X-Kong-Request-Id';

type Flag = Exclude<keyof KongHeaders, 'upstreamRequestId'>;

/** Kong's HEADER_KEY_TO_NAME, lower case (Kong reads the tokens case-insensitively). */
const TOKENS: ReadonlyMap<string, readonly Flag[]> = new Map<string, readonly Flag[]>([
  ['server_tokens', ['server', 'via']],
  ['latency_tokens', ['proxyLatency', 'responseLatency', 'adminLatency', 'upstreamLatency']],
  ['server', ['server']],
  ['via', ['via']],
  ['x-kong-proxy-latency', ['proxyLatency']],
  ['x-kong-response-latency', ['responseLatency']],
  ['x-kong-admin-latency', ['adminLatency']],
  ['x-kong-upstream-latency', ['upstreamLatency']],
  ['x-kong-upstream-status', ['upstreamStatus']],
  ['x-kong-request-id', ['requestId']],
]);

/**
 * `headers` and `headers_upstream` as Kong reads them: comma-separated, case-insensitive; `off` first (or an empty
 * list) turns everything off, `off` later in the list is ignored. An unknown token throws, naming it.
 */
export function parseKongHeaders(headers: string = DEFAULT_HEADERS, headersUpstream: string = DEFAULT_HEADERS_UPSTREAM): KongHeaders {
  const on: Record<keyof KongHeaders, boolean> = {
    server: false,
    via: false,
    proxyLatency: false,
    responseLatency: false,
    upstreamLatency: false,
    adminLatency: false,
    upstreamStatus: false,
    requestId: false,
    upstreamRequestId: false,
  };
  const list = tokens(headers);
  for (const token of list) {
    if (token !== 'off' && !TOKENS.has(token))
      throw new Error(`headers: unknown value '${token}' (expected server_tokens, latency_tokens, off or one of ${[...TOKENS.keys()].slice(2).join(', ')})`);
  }
  if (list.length > 0 && list[0] !== 'off') for (const token of list) for (const flag of TOKENS.get(token) ?? []) on[flag] = true;
  const upstream = tokens(headersUpstream);
  for (const token of upstream) {
    if (token !== 'off' && token !== 'x-kong-request-id') throw new Error(`headers-upstream: unknown value '${token}' (expected X-Kong-Request-Id or off)`);
  }
  on.upstreamRequestId = upstream.length > 0 && upstream[0] !== 'off' && upstream.includes('x-kong-request-id');
  return Object.freeze(on);
}

export const DEFAULT_KONG_HEADERS: KongHeaders = parseKongHeaders();

function tokens(value: string): string[] {
  return value
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}

const VIA_11 = `1.1 ${SERVER_TOKEN}`;
const VIA_10 = `1.0 ${SERVER_TOKEN}`;

/** The upstream's Via (absent when it sent none) with the gateway's hop appended. */
function appendVia(via: string | string[] | undefined): string {
  return via === undefined ? VIA_11 : `${Array.isArray(via) ? via.join(', ') : via}, ${VIA_11}`;
}

/**
 * The request as it leaves for the upstream (after the access phase, so plugins cannot override these): Kong's
 * `Via` appended whatever the settings, and X-Kong-Request-Id when headers_upstream has it (a client's replaced).
 */
export function stampUpstreamRequest(headers: IncomingHttpHeaders, httpVersion: string, requestId: string, settings: KongHeaders): void {
  const ours = httpVersion === '1.0' ? VIA_10 : VIA_11;
  const via = headers.via;
  headers.via = via === undefined || via === '' ? ours : `${via}, ${ours}`;
  if (settings.upstreamRequestId) headers['x-kong-request-id'] = requestId;
}

/** What a response stamp needs to know about the request (a RequestContext, or less before one exists). */
export interface StampSource {
  readonly id: string;
  readonly startedAt: number;
  readonly kongHeaders: KongHeaders;
  /** performance.now() when the request left for the upstream; 0: never proxied (a plugin or the gateway answered). */
  readonly proxiedAt: number;
}

/** Before the plugins' header filters, as Kong's runloop header_filter `before`: the upstream's own status. */
export function stampUpstreamStatus(source: StampSource, head: ResponseHead): void {
  if (source.kongHeaders.upstreamStatus && source.proxiedAt !== 0) head.headers['x-kong-upstream-status'] = String(head.status);
}

/**
 * After the plugins' header filters, as Kong's runloop header_filter `after`. Proxied: X-Kong-Upstream-Latency
 * (waiting for the upstream's head), X-Kong-Proxy-Latency (the gateway's own time before it), Via appended, Server
 * only if the upstream sent none. Answered by the gateway or a plugin: X-Kong-Response-Latency, and Server set (or
 * removed when off) unless a plugin wrote Kong's own Via. Both: X-Kong-Request-Id.
 */
export function stampResponse(source: StampSource, head: ResponseHead): void {
  const s = source.kongHeaders;
  const h = head.headers;
  if (source.proxiedAt !== 0) {
    if (s.upstreamLatency || s.proxyLatency) {
      const now = performance.now();
      if (s.upstreamLatency) h['x-kong-upstream-latency'] = String(Math.round(now - source.proxiedAt));
      if (s.proxyLatency) h['x-kong-proxy-latency'] = String(Math.round(source.proxiedAt - source.startedAt));
    }
    if (s.via) h.via = appendVia(h.via);
    if (s.server) h['server'] ??= SERVER_TOKEN;
  } else {
    if (s.responseLatency) h['x-kong-response-latency'] = String(Math.round(performance.now() - source.startedAt));
    if (!(s.via && h.via === SERVER_TOKEN)) {
      if (s.server) h.server = SERVER_TOKEN;
      else delete h.server;
    }
  }
  if (s.requestId) h['x-kong-request-id'] = source.id;
}
