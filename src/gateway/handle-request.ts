// The request path, in order: normalise the target, scrub headers a client must not control, rewrite
// (global plugins), route, access (plugins by priority, re-resolved once a consumer is known), proxy, log.
// WebSocket handshakes take the same path; only the proxy step differs (a tunnel instead of a request).
import { ServerResponse, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { CompiledConfig, PluginRuntime } from '../config/compiled.ts';
import type { ConsumerRecord } from '../config/consumer-directory.ts';
import type { PhaseResult } from '../plugins/contract.ts';
import { GatewayError, refusedBy } from '../errors/gateway-error.ts';
import type { BodyIdleWatch, BodyWatch } from './client-timeouts.ts';
import { countHeader, RequestContext } from './context.ts';
import { faultScope, type FaultScope } from './fault-scope.ts';
import { parseHostHeader } from './host-header.ts';
import type { TrustedProxies } from './trusted-proxies.ts';
import type { RouterRoute } from './router/types.ts';
import { normalizeRequestTarget, rawRequestPath } from './path/normalize.ts';
import { buildUpstreamPath } from './path/upstream-path.ts';
import type { Indexed } from './indexed.ts';
import { forward } from './proxy/forward.ts';
import { bodyTimeoutError } from './proxy/upstream-body.ts';
import { tunnel } from './proxy/websocket-tunnel.ts';
import type { UpstreamPools } from './proxy/upstream-pools.ts';
import { bodyFilterFor, runHeaderFilters, sendError, sendExit } from './respond.ts';
import { createBodyReader } from './request-body.ts';
import { nextRequestId } from '../http/request-id.ts';
import { stampUpstreamRequest, type KongHeaders } from './kong-headers.ts';
import type { ScrubbedHeaders } from './hop-by-hop.ts';

export interface PipelineDeps {
  config(): CompiledConfig;
  pools: UpstreamPools;
  trustedProxies: TrustedProxies;
  /** The headers without those a client must not control, and the names it removed (hop-by-hop.ts). */
  scrubHeaders(headers: IncomingHttpHeaders): ScrubbedHeaders;
  scheme: 'http' | 'https';
  /** Watches request bodies for the client's idle limit (client_body_timeout). */
  bodyWatch: BodyIdleWatch;
  bodyTimeoutMs: number;
  /** Longest request target, bytes: 414 beyond. */
  maxRequestTarget: number;
  /** Kong's `headers` / `headers_upstream`: Server, Via, X-Kong-* latencies, status and request id. */
  kongHeaders: KongHeaders;
  onInternalError(err: unknown, ctx: RequestContext | null): void;
}

/** nginx's large_client_header_buffers (8k): a longer request line is refused with 414. */
export const DEFAULT_MAX_REQUEST_TARGET = 8 * 1024;

const NO_PLUGINS: readonly PluginRuntime[] = Object.freeze([]);

export function createRequestHandler(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Captured once: `req.socket` is null once the response is finished, and timers outlive it.
    const socket = req.socket;
    const scope: FaultScope = { socket };
    // Nothing listens for a response's errors by default (a write after end would throw from the event loop).
    res.on('error', (err) => {
      deps.onInternalError(err, null);
      socket.destroy();
    });
    faultScope.run(scope, () => {
      handle(deps, req, res, socket, scope).catch((err: unknown) => {
        deps.onInternalError(err, null);
        try {
          if (!res.headersSent) sendError(res, new GatewayError('INTERNAL'), null, NO_PLUGINS);
          else socket.destroy();
        } catch {
          socket.destroy();
        }
      });
    });
  };
}

/** A WebSocket handshake, as node:http's 'upgrade' event hands it over: the raw socket and what followed the head. */
export interface UpgradeRequest {
  socket: Socket;
  head: Buffer;
}

/**
 * node:http's 'upgrade' listener. A refusal goes out as the same response a normal request gets, written through
 * a ServerResponse on the raw socket; only an upstream's 101 turns the connection into a tunnel.
 */
export function createUpgradeHandler(deps: PipelineDeps): (req: IncomingMessage, socket: Socket, head: Buffer) => void {
  return (req, socket, head) => {
    // node:http leaves an upgraded socket without an error listener
    socket.on('error', () => {
      socket.destroy();
    });
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    // an answer that is no 101 ends the connection: the socket left HTTP parsing behind with the handshake
    res.once('finish', () => {
      res.detachSocket(socket);
      socket.destroySoon();
    });
    const scope: FaultScope = { socket };
    faultScope.run(scope, () => {
      handle(deps, req, res, socket, scope, { socket, head }).catch((err: unknown) => {
        deps.onInternalError(err, null);
        if (!res.headersSent && !socket.destroyed) sendError(res, new GatewayError('INTERNAL'), null, NO_PLUGINS);
        else socket.destroy();
      });
    });
  };
}

async function handle(
  deps: PipelineDeps,
  req: IncomingMessage,
  res: ServerResponse,
  socket: Socket,
  scope: FaultScope,
  upgrade: UpgradeRequest | null = null,
): Promise<void> {
  const config = deps.config(); // read once: a swap mid-request never mixes two configs
  const startedAt = performance.now();
  const requestId = nextRequestId();
  let headers = req.headers;
  const bodyFraming =
    headers['transfer-encoding'] !== undefined ? 'chunked' : headers['content-length'] !== undefined && headers['content-length'] !== '0' ? 'length' : 'none';
  const hasBody = bodyFraming !== 'none' && upgrade === null;
  const declaredLength = bodyFraming === 'length' ? Number(headers['content-length']) : NaN;
  const expectContinue = hasBody && headers.expect?.toLowerCase() === '100-continue';
  const peer = socket.remoteAddress ?? '';
  const trusted = deps.trustedProxies.trusts(peer);
  // A client waiting on 100-continue sends nothing until told to: its body is watched from then on.
  let bodyWatch: BodyWatch | null = hasBody && !expectContinue ? watchBody(deps, req, res, socket, requestId, startedAt) : null;

  let ctx: RequestContext | null = null;
  let plugins = NO_PLUGINS;
  let status = 0;
  try {
    // nginx answers TRACE with 405 before Kong sees it (cross-site tracing): no route, however configured, gets one.
    if (req.method === 'TRACE') throw new GatewayError('TRACE_NOT_ALLOWED');
    // HTTP/1.1 requires Host (node:http's requireHostHeader would answer a bare 400 without the gateway's headers).
    if (headers.host === undefined && req.httpVersion !== '1.0') throw new GatewayError('BAD_REQUEST', { detail: 'missing Host header' });
    // Two Host headers are a classic routing-confusion trick; Node would silently keep the first.
    if (countHeader(req.rawHeaders, 'host') > 1) throw new GatewayError('BAD_REQUEST', { detail: 'more than one Host header' });
    if ((req.url ?? '').length > deps.maxRequestTarget)
      throw new GatewayError('URI_TOO_LONG', { detail: `request target longer than ${deps.maxRequestTarget} bytes` });
    if (upgrade !== null) checkHandshake(bodyFraming);
    const target = normalizeRequestTarget(req.url ?? '');
    const forwarded = forwardedView(req, socket, trusted, deps);
    const scrubbed = deps.scrubHeaders(headers);
    // The scrubbed copy, when there was anything to remove, is the request from here on, for plugins too.
    headers = req.headers = scrubbed.headers;

    ctx = new RequestContext({
      id: requestId,
      startedAt,
      kongHeaders: deps.kongHeaders,
      method: req.method ?? 'GET',
      path: target.path,
      querystring: target.querystring,
      headers,
      rawHeaders: req.rawHeaders,
      rawTarget: req.url ?? '',
      httpVersion: req.httpVersion,
      clientIp: deps.trustedProxies.clientIp(peer, forwarded.xff),
      scheme: forwarded.proto,
      host: forwarded.requestHost,
      bodyFraming,
      expectContinue,
      strippedHeaders: scrubbed.removed,
    });
    scope.requestId = ctx.id;
    if (hasBody) {
      ctx.bodyReader = createBodyReader(req, res, expectContinue, {
        // A plugin reading the body gives a 100-continue client its go-ahead: its pauses count from then on.
        continued: () => (bodyWatch ??= watchBody(deps, req, res, socket, requestId, startedAt)),
      });
    }

    // rewrite: global plugins only, the route is not known yet
    plugins = config.globalPlugins;
    if (plugins.length > 0) {
      const rewritten = runRewrite(ctx, plugins);
      if (rewritten !== undefined) await rewritten;
      if (ctx.response) {
        status = sendExit(res, ctx, plugins);
        return;
      }
    }

    const sni = deps.scheme === 'https' && socket instanceof TLSSocket ? socket.servername || undefined : undefined;
    const found = config.router.find({
      method: ctx.method,
      host: ctx.host,
      port: forwarded.port,
      path: ctx.path,
      headers,
      scheme: ctx.scheme,
      sni,
      upgrade: upgrade !== null,
    });
    if (found.kind === 'none') throw new GatewayError('ROUTE_NOT_FOUND');
    if (found.kind === 'method-not-allowed') throw new GatewayError('METHOD_NOT_ALLOWED', { headers: { allow: found.allow.join(', ') } });
    if (found.kind === 'https-required') throw httpsRequired(found.route, ctx);
    if (found.kind === 'websocket-required') throw new GatewayError('WEBSOCKET_REQUIRED', { headers: { upgrade: 'websocket', connection: 'Upgrade' } });
    const route = found.route;
    ctx.route = route;
    ctx.matchedPath = found.matchedPath;
    if (found.captures !== undefined) ctx.uriCaptures = found.captures;
    ctx.service = config.serviceFor(route);

    // Awaited only when a plugin answered later: a promise costs every request a trip through the microtask queue.
    // (Set first: if a plugin refuses, these plugins' header filters still run on the refusal.)
    plugins = config.pluginsFor(route, null);
    const accessed = runAccess(ctx, config, route, plugins);
    plugins = accessed instanceof Promise ? await accessed : accessed;
    if (ctx.response) {
      status = sendExit(res, ctx, plugins);
      return;
    }
    const service = ctx.service;
    if (!service) throw new GatewayError('SERVICE_NOT_FOUND');

    setForwardingHeaders(ctx, forwarded, peer, trusted, req.url ?? '');
    const path = buildUpstreamPath(service.path, route, ctx.path, ctx.matchedPath);
    // Only now, with every plugin agreeing, is the client told to send its body (Kong: 417 before this point).
    // (Unless a plugin read the body in access: the client had its go-ahead then.)
    if (expectContinue && ctx.receivedBodyLength === null) {
      res.writeContinue();
      bodyWatch ??= watchBody(deps, req, res, socket, requestId, startedAt);
    }
    // The client went quiet mid-body while plugins ran: it already has its 408.
    if (bodyWatch?.timedOut) {
      status = 408;
      return;
    }
    // A body replaced without reading the client's: what the client still sends is discarded.
    if (hasBody && ctx.receivedBodyLength === null && ctx.bufferedBody !== null) req.resume();
    const finalPlugins = plugins;
    const c = ctx;
    stampUpstreamRequest(ctx.headers, req.httpVersion, ctx.id, deps.kongHeaders);
    ctx.proxiedAt = performance.now();
    if (upgrade !== null) {
      const upstreamPath = ctx.querystring === '' ? path : `${path}?${ctx.querystring}`;
      status = await tunnel({
        ctx,
        res,
        client: upgrade.socket,
        head: upgrade.head,
        service,
        path: upstreamPath,
        preserveHost: route.preserve_host,
        headerFilter: (head) => {
          runHeaderFilters(c, finalPlugins, head);
        },
      });
      return;
    }
    status = await forward({
      ctx,
      req,
      res,
      service,
      path: ctx.querystring === '' ? path : `${path}?${ctx.querystring}`,
      hasBody,
      preserveHost: route.preserve_host,
      pools: deps.pools,
      bodyWatch,
      headerFilter: (head) => {
        runHeaderFilters(c, finalPlugins, head);
      },
      bodyFilter: (head) =>
        bodyFilterFor(c, finalPlugins, head, (err) => {
          deps.onInternalError(err, c);
        }),
    });
  } catch (err) {
    const gatewayError = err instanceof GatewayError ? err : new GatewayError('INTERNAL', { cause: err });
    if (!(err instanceof GatewayError)) deps.onInternalError(err, ctx);
    // A small body (or one already in) is discarded by Node and the connection kept, as nginx discards it; a
    // client refused before its 100-continue may never send one, so its connection is not reused.
    if (hasBody && !req.complete) {
      // A stalled client gets no lingering: it has nothing more to say.
      if (gatewayError.code === 'REQUEST_TIMEOUT') res.shouldKeepAlive = false;
      else if (expectContinue || !(declaredLength <= DISCARD_MAX_BYTES)) lingerThenClose(req, res, socket);
    }
    status = sendError(res, gatewayError, ctx, plugins, ctx ? undefined : { id: requestId, startedAt, kongHeaders: deps.kongHeaders, proxiedAt: 0 });
  } finally {
    if (ctx) {
      ctx.status = status;
      const ran: Indexed<PluginRuntime> = plugins;
      for (let i = 0; i < ran.length; i++) {
        try {
          ran[i]?.handler.log?.(ctx);
        } catch (err) {
          deps.onInternalError(err, ctx);
        }
      }
    }
  }
}

/**
 * The rewrite phase: global plugins in order until one answers the request itself (ctx.exit). Synchronous while
 * the plugins are; a promise (settled once the phase is over) from the first plugin that answers later.
 */
function runRewrite(ctx: RequestContext, plugins: Indexed<PluginRuntime>, from = 0): Promise<void> | undefined {
  for (let i = from; i < plugins.length && !ctx.response; i++) {
    const plugin = plugins[i];
    if (plugin === undefined) break;
    let result: PhaseResult;
    try {
      result = plugin.handler.rewrite?.(ctx);
    } catch (err) {
      throw refusedBy(err, plugin.name);
    }
    if (result !== undefined) {
      return result.then(
        () => runRewrite(ctx, plugins, i + 1),
        (err: unknown) => {
          throw refusedBy(err, plugin.name);
        },
      );
    }
  }
  return undefined;
}

/** Where the access phase stands: the plugin list (re-resolved once a consumer is known) and the next to run. */
interface AccessRun {
  consumer: ConsumerRecord | null;
  plugins: readonly PluginRuntime[];
  next: number;
}

/**
 * Access phase. When an auth plugin identifies a consumer that has plugins of its own, the remaining
 * (lower-priority) plugins are re-resolved with the consumer, as Kong does. Answers the plugins that ran;
 * synchronously while they answer synchronously (the common case: cached credentials, local counters), else a
 * promise from the first that answers later.
 */
function runAccess(
  ctx: RequestContext,
  config: CompiledConfig,
  route: RouterRoute,
  first: readonly PluginRuntime[],
): readonly PluginRuntime[] | Promise<readonly PluginRuntime[]> {
  return continueAccess(ctx, config, route, { consumer: ctx.consumer, plugins: first, next: 0 });
}

function continueAccess(
  ctx: RequestContext,
  config: CompiledConfig,
  route: RouterRoute,
  run: AccessRun,
): readonly PluginRuntime[] | Promise<readonly PluginRuntime[]> {
  while (run.next < run.plugins.length && !ctx.response) {
    const list: Indexed<PluginRuntime> = run.plugins;
    const plugin = list[run.next];
    if (plugin === undefined) break;
    let result: PhaseResult;
    try {
      result = plugin.handler.access?.(ctx);
    } catch (err) {
      throw refusedBy(err, plugin.name);
    }
    if (result !== undefined) {
      return result.then(
        () => {
          advance(ctx, config, route, run, plugin);
          return continueAccess(ctx, config, route, run);
        },
        (err: unknown) => {
          throw refusedBy(err, plugin.name);
        },
      );
    }
    advance(ctx, config, route, run, plugin);
  }
  return run.plugins;
}

/** After `plugin` ran: the next plugin, in the list re-resolved for the consumer it identified, if it did. */
function advance(ctx: RequestContext, config: CompiledConfig, route: RouterRoute, run: AccessRun, plugin: PluginRuntime): void {
  run.next++;
  if (ctx.consumer === run.consumer) return;
  run.consumer = ctx.consumer;
  const next = config.pluginsFor(route, run.consumer);
  if (next !== run.plugins) {
    // continue after the current plugin's position in the new list
    run.next = positionAfter(next, plugin);
    run.plugins = next;
  }
}

/** Index of the first plugin in `list` (priority order) that runs after `plugin`; the length when none does. */
function positionAfter(list: readonly PluginRuntime[], plugin: PluginRuntime): number {
  let j = 0;
  for (const p of list) {
    if (p.priority < plugin.priority || (p.priority === plugin.priority && p.name > plugin.name)) break;
    j++;
  }
  return j;
}

/** Kong's answer to plain HTTP on an https-only route: 426, or a redirect when the route asks for one. */
function httpsRequired(route: RouterRoute, ctx: RequestContext): GatewayError {
  if (route.https_redirect_status_code === 426) return new GatewayError('PROTOCOL_NOT_ALLOWED');
  const location = `https://${ctx.header('host') ?? ctx.host}${ctx.path}${ctx.querystring ? `?${ctx.querystring}` : ''}`;
  return new GatewayError('HTTPS_REDIRECT', { status: route.https_redirect_status_code, headers: { location } });
}

interface ForwardedView {
  proto: 'http' | 'https';
  /** Host the client asked for, lower case, no port. */
  requestHost: string;
  /** Host header as given (with port), for X-Forwarded-Host. */
  hostHeader: string;
  port: number;
  xff: string | undefined;
  xfProto: string | undefined;
  xfHost: string | undefined;
  xfPort: string | undefined;
  xfPath: string | undefined;
  xfPrefix: string | undefined;
}

/** What the client said about itself, believing X-Forwarded-* only from trusted proxies. */
function forwardedView(req: IncomingMessage, socket: Socket, trusted: boolean, deps: PipelineDeps): ForwardedView {
  const h = req.headers;
  const hostHeader = h.host ?? '';
  const { host, port } = parseHostHeader(h.host, socket.localPort ?? 0);
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : v);
  const xfProto = trusted ? first(h['x-forwarded-proto']) : undefined;
  return {
    proto: xfProto === 'https' ? 'https' : xfProto === 'http' ? 'http' : deps.scheme,
    requestHost: host,
    hostHeader,
    port,
    xff: trusted ? first(h['x-forwarded-for']) : undefined,
    xfProto,
    xfHost: trusted ? first(h['x-forwarded-host']) : undefined,
    xfPort: trusted ? first(h['x-forwarded-port']) : undefined,
    xfPath: trusted ? first(h['x-forwarded-path']) : undefined,
    xfPrefix: trusted ? first(h['x-forwarded-prefix']) : undefined,
  };
}

/**
 * Kong's upstream X-Forwarded-* and X-Real-IP, rebuilt by the gateway (client copies were stripped). As Kong:
 * X-Forwarded-Path is the path the client sent (before normalisation, no query), X-Forwarded-Prefix what
 * strip_path removed (never `/`); a trusted proxy's own values of either are kept.
 */
function setForwardingHeaders(ctx: RequestContext, f: ForwardedView, peer: string, trusted: boolean, rawTarget: string): void {
  const h = ctx.headers;
  h['x-real-ip'] = ctx.clientIp;
  h['x-forwarded-for'] = trusted && f.xff ? `${f.xff}, ${peer}` : peer;
  h['x-forwarded-proto'] = f.xfProto ?? ctx.scheme;
  h['x-forwarded-host'] = f.xfHost ?? ctx.host;
  h['x-forwarded-port'] = f.xfPort ?? String(f.port);
  h['x-forwarded-path'] = f.xfPath ?? rawRequestPath(rawTarget);
  const prefix = f.xfPrefix ?? (ctx.route?.strip_path && ctx.matchedPath !== '/' ? ctx.matchedPath : '');
  if (prefix !== '') h['x-forwarded-prefix'] = prefix;
}

/**
 * Refused mid-upload: the connection cannot be reused (the rest of the body is still coming), but closing
 * at once would reset it before the client reads our answer. Like nginx's lingering close, discard what
 * still arrives for a short while, then close.
 */
function lingerThenClose(req: IncomingMessage, res: ServerResponse, socket: Socket): void {
  res.shouldKeepAlive = false;
  req.resume();
  if (socket.destroyed) return;
  const timer = setTimeout(() => {
    socket.destroy();
  }, LINGER_MS).unref();
  socket.once('close', () => {
    clearTimeout(timer);
  });
}

const LINGER_MS = 5_000;
/** Refused bodies up to this size are read and dropped to keep the connection; larger ones get a lingering close. */
const DISCARD_MAX_BYTES = 64 * 1024;

/**
 * Watch a body for the client's idle limit. On a stall: the upstream relay, if streaming it, fails (forward
 * answers 408 and aborts the upstream request); otherwise a 408 now if nothing was sent yet, else the socket ends.
 */
function watchBody(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse, socket: Socket, requestId: string, startedAt: number): BodyWatch | null {
  if (req.complete) return null;
  return deps.bodyWatch.watch(req, socket, (watch) => {
    const err = bodyTimeoutError(deps.bodyTimeoutMs);
    if (watch.abortBody) {
      watch.abortBody(err);
      return;
    }
    if (res.headersSent) {
      socket.destroy();
      return;
    }
    res.shouldKeepAlive = false;
    sendError(res, err.gatewayError, null, NO_PLUGINS, { id: requestId, startedAt, kongHeaders: deps.kongHeaders, proxiedAt: 0 });
  });
}

/** node:http enforces no body rules on a request it hands over as an upgrade (Host is checked for every request). */
function checkHandshake(bodyFraming: string): void {
  // RFC 6455: a handshake is a GET without a body; bytes after its head are frames, never a body to forward.
  if (bodyFraming !== 'none') throw new GatewayError('WEBSOCKET_HANDSHAKE_INVALID', { detail: 'a WebSocket handshake carries no body' });
}
