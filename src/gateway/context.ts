// Per-request state handed to every plugin phase: the request as the upstream will see it, who the
// client is once authenticated, and what to add to the response. One object, built once per request.
import type { IncomingHttpHeaders } from 'node:http';
import type { RouterRoute } from './router/types.ts';
import type { CompiledService } from '../config/compiled.ts';
import type { ConsumerRecord } from '../config/consumer-directory.ts';
import { IdentityHeader } from './identity-headers.ts';
import { BODY_BUFFER_LIMIT, type BodyReader } from './request-body.ts';
import { DEFAULT_KONG_HEADERS, type KongHeaders } from './kong-headers.ts';
import { rawRequestPath } from './path/normalize.ts';

export interface AuthenticatedCredential {
  id: string;
  /** Which plugin authenticated it: 'jwt', 'key-auth', ... */
  type: string;
  /** Sent upstream as X-Credential-Identifier (Kong: the jwt `key`, the key-auth credential id). */
  identifier: string;
  /** Verified token claims, for JWTs. */
  claims?: Readonly<Record<string, unknown>>;
}

export interface ExitResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer | undefined;
}

/** Headers whose repeats Node drops (it keeps the first) or joins with "; " rather than ", " (node:_http_incoming). */
const NODE_KEEPS_FIRST: ReadonlySet<string> = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
  'cookie',
]);
const NO_CAPTURES: Readonly<Record<string, string>> = Object.freeze({});

export class RequestContext {
  readonly id: string;
  /** The method the upstream will receive (request-transformer's http_method may change it). */
  method: string;
  /** Normalised path (dot segments resolved, percent-encoding canonical); what routes and plugins see. */
  readonly path: string;
  /** Query string without the leading `?` (empty when none), as the upstream will receive it. */
  get querystring(): string {
    return this.rawQuery;
  }
  /** Headers the upstream will receive: the client's, minus hop-by-hop, identity and forwarding headers. */
  readonly headers: IncomingHttpHeaders;
  /** Header lines as the client sent them (name, value, name, value, ...): `headers` joins or drops repeats. */
  readonly rawHeaders: readonly string[];
  readonly clientIp: string;
  /** HTTP version of the client's request (`1.1`, `1.0`): what a signed request line names. */
  readonly httpVersion: string;
  readonly scheme: 'http' | 'https';
  /** Host the client asked for, lower case, without port. */
  readonly host: string;
  readonly startedAt: number;
  /** Which of Kong's Server, Via, X-Kong-* headers the gateway adds (its `headers` settings). */
  readonly kongHeaders: KongHeaders;
  /** performance.now() when the request left for the upstream; 0 while it has not (Kong's KONG_PROXIED). */
  proxiedAt = 0;

  route: RouterRoute | null = null;
  service: CompiledService | null = null;
  /** Part of the path the route matched; what strip_path removes. */
  matchedPath = '';
  /** Captures of a regex route path (Kong's uri_captures: `0`, positional, named); empty otherwise. */
  uriCaptures: Readonly<Record<string, string>> = NO_CAPTURES;
  consumer: ConsumerRecord | null = null;
  credential: AuthenticatedCredential | null = null;
  /** True once an auth plugin fell back to its `anonymous` consumer. */
  anonymous = false;
  /** Headers to add to the client's response (rate-limit counters, correlation ids, CORS). */
  readonly responseHeaders: Record<string, string | string[]> = {};
  /** Plugin-to-plugin data for this request (Kong's kong.ctx.shared). */
  readonly shared: Record<string, unknown> = {};
  /** Set by exit(): the pipeline stops and sends this instead of proxying. */
  response: ExitResponse | null = null;
  /** How the client framed its body (Transfer-Encoding and Content-Length are gone from `headers` by now). */
  readonly bodyFraming: 'none' | 'length' | 'chunked';
  /** The client sent `Expect: 100-continue` and waits for the gateway's go-ahead before sending the body. */
  readonly expectContinue: boolean;
  /** Client headers removed before any plugin ran (lower case, `_` spelled `-`): identity, forwarding, method overrides... */
  readonly strippedHeaders: readonly string[];
  /** Largest request body, in bytes, the proxy lets through while streaming (null: no limit). */
  requestBodyLimit: number | null = null;
  /** Status finally sent to the client, for log-phase plugins. */
  status = 0;
  /** Upstream path (without query) replacing the one built from service and route; null: built as usual. */
  upstreamPath: string | null = null;
  /** Host header for the upstream, overriding preserve_host and the target's; null: as usual. */
  upstreamHost: string | null = null;
  /** Set by the pipeline on requests that may carry a body: reads it whole, once. */
  bodyReader: BodyReader | null = null;
  /** Bytes the client sent, once a plugin buffered the body (null: not read, the body streams). */
  receivedBodyLength: number | null = null;

  private parsedQuery: URLSearchParams | undefined;
  private rawQuery: string;
  private readonly rawTarget: string | undefined;
  private body: Promise<Buffer> | null = null;
  private readBuffer: Buffer | null = null;
  private replacedBody: Buffer | null = null;

  constructor(init: {
    id: string;
    method: string;
    path: string;
    querystring: string;
    headers: IncomingHttpHeaders;
    rawHeaders?: readonly string[];
    /** The request target as sent (`req.url`); path and query when absent. */
    rawTarget?: string;
    /** `1.1` when absent. */
    httpVersion?: string;
    clientIp: string;
    scheme: 'http' | 'https';
    host: string;
    bodyFraming?: 'none' | 'length' | 'chunked';
    expectContinue?: boolean;
    strippedHeaders?: readonly string[];
    /** When the request arrived (performance.now()); now when absent. */
    startedAt?: number;
    kongHeaders?: KongHeaders;
  }) {
    this.id = init.id;
    this.method = init.method;
    this.path = init.path;
    this.rawQuery = init.querystring;
    this.headers = init.headers;
    this.rawHeaders = init.rawHeaders ?? [];
    this.rawTarget = init.rawTarget;
    this.httpVersion = init.httpVersion ?? '1.1';
    this.clientIp = init.clientIp;
    this.scheme = init.scheme;
    this.host = init.host;
    this.bodyFraming = init.bodyFraming ?? 'none';
    this.expectContinue = init.expectContinue ?? false;
    this.strippedHeaders = init.strippedHeaders ?? [];
    this.startedAt = init.startedAt ?? performance.now();
    this.kongHeaders = init.kongHeaders ?? DEFAULT_KONG_HEADERS;
  }

  /**
   * nginx's `$request_uri` (Kong's get_path_with_query): path and query exactly as the client sent them,
   * before normalisation, without an absolute-form target's scheme and host. Signatures cover these bytes.
   */
  get requestUri(): string {
    const raw = this.rawTarget;
    if (raw === undefined) return this.rawQuery === '' ? this.path : `${this.path}?${this.rawQuery}`;
    if (raw.charCodeAt(0) === 47) return raw; // origin form: `/path?query`
    const q = raw.indexOf('?', raw.indexOf('://') + 3);
    return q === -1 ? rawRequestPath(raw) : `${rawRequestPath(raw)}${raw.slice(q)}`;
  }

  /** Parsed query (lazy: most requests never look). */
  get query(): URLSearchParams {
    return (this.parsedQuery ??= new URLSearchParams(this.querystring));
  }

  /** Change the query string sent upstream (e.g. hide a credential); `query` reflects it. */
  setQuery(query: URLSearchParams | string): void {
    this.rawQuery = typeof query === 'string' ? query : query.toString();
    this.parsedQuery = undefined;
  }

  /**
   * The request body, buffered (the first call reads it; later calls get the same bytes, or what setBody
   * put there). Bounded by the request-size limit known so far, else BODY_BUFFER_LIMIT: beyond it the
   * request is refused with 413. Only requests whose plugins call this are buffered.
   */
  readBody(): Promise<Buffer> {
    if (this.replacedBody !== null) return Promise.resolve(this.replacedBody);
    if (this.body === null) {
      const limit = Math.min(this.requestBodyLimit ?? BODY_BUFFER_LIMIT, BODY_BUFFER_LIMIT);
      const read = this.bodyReader === null ? Promise.resolve(Buffer.alloc(0)) : this.bodyReader(limit);
      this.body = read.then((buf) => {
        this.receivedBodyLength = buf.length;
        this.readBuffer = buf;
        return buf;
      });
    }
    return this.body;
  }

  /** Replace the body the upstream receives (Content-Length follows). Call readBody() first. */
  setBody(body: Buffer | string): void {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    this.replacedBody = buf;
    this.headers['content-length'] = String(buf.length);
  }

  /** What the upstream receives instead of the client's stream: the buffered or replaced body, if any. */
  get bufferedBody(): Buffer | null {
    return this.replacedBody ?? this.readBuffer;
  }

  /** First value of a request header (lower-case name). */
  header(name: string): string | undefined {
    const value = this.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  /**
   * Kong's kong.request.get_header: the first value of a header the client repeated (Node would have joined a
   * custom one with ", "), else its current value. Lower-case name.
   */
  firstHeader(name: string): string | undefined {
    const value = this.headers[name];
    if (value === undefined || Array.isArray(value)) return value?.[0];
    // Without a comma the value is the first line: sent once, or a repeat Node already dropped.
    if (!value.includes(',') && name !== 'cookie') return value;
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) if (sameHeaderName(raw[i] ?? '', name)) return raw[i + 1];
    return value;
  }

  /**
   * Whether the client sent a header (lower-case name) more than once: Kong sees a repeated header as a list.
   * Node joins repeats of most headers with ", ", so a value without a comma needs no look at the raw lines.
   */
  headerRepeated(name: string): boolean {
    const value = this.headers[name];
    if (value === undefined) return false;
    if (Array.isArray(value)) return value.length > 1;
    if (!value.includes(',') && !NODE_KEEPS_FIRST.has(name)) return false;
    return this.headerCount(name) > 1;
  }

  /** How many times the client sent a header (lower-case name). */
  headerCount(name: string): number {
    return countHeader(this.rawHeaders, name);
  }

  /** Stop the pipeline and answer the client directly (CORS preflight, custom responses). */
  exit(status: number, body?: string | Buffer | object, headers: Record<string, string | string[]> = {}): void {
    let payload: string | Buffer | undefined;
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) payload = body;
    else {
      payload = JSON.stringify(body);
      headers = { 'content-type': 'application/json; charset=utf-8', ...headers };
    }
    this.response = { status, headers, body: payload };
  }

  /**
   * Record who is calling and set Kong's identity headers upstream. `credential` null with a consumer
   * means the anonymous fallback. Clears any identity header a previous plugin set.
   */
  authenticate(consumer: ConsumerRecord, credential: AuthenticatedCredential | null): void {
    const h = this.headers;
    this.consumer = consumer;
    this.credential = credential;
    this.anonymous = credential === null;
    h[IdentityHeader.consumerId] = consumer.id;
    setOrClear(h, IdentityHeader.consumerCustomId, consumer.custom_id);
    setOrClear(h, IdentityHeader.consumerUsername, consumer.username);
    setOrClear(h, IdentityHeader.credentialIdentifier, credential?.identifier);
    setOrClear(h, IdentityHeader.anonymous, credential === null ? 'true' : undefined);
  }
}

/** How many times a header (lower-case name) appears in Node's raw name/value list. */
export function countHeader(raw: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (sameHeaderName(raw[i] ?? '', name)) count++;
  return count;
}

/** `raw` (as sent) equals `lower` (lower case) ignoring ASCII case, without allocating a lower-cased copy. */
function sameHeaderName(raw: string, lower: string): boolean {
  if (raw.length !== lower.length) return false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function setOrClear(headers: IncomingHttpHeaders, name: string, value: string | null | undefined): void {
  if (value === null || value === undefined) Reflect.deleteProperty(headers, name);
  else headers[name] = value;
}
