// The request path, in order: normalise the target, scrub headers a client must not control, rewrite
// (global plugins), route, access (plugins by priority, re-resolved once a consumer is known), proxy, log.
// WebSocket handshakes take the same path; only the proxy step differs (a tunnel instead of a request).
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { CompiledConfig, PluginRuntime } from '../config/compiled.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { RequestContext } from './context.ts';
import { stripForwarding, stripHopByHop, stripIdentity } from './hop-by-hop.ts';
import type { TrustedProxies } from './trusted-proxies.ts';
import type { RouterRoute } from './router/types.ts';
import { normalizeRequestTarget } from './path/normalize.ts';
import { buildUpstreamPath } from './path/upstream-path.ts';
import { forward } from './proxy/forward.ts';
import { tunnel } from './proxy/websocket-tunnel.ts';
import type { UpstreamPools } from './proxy/upstream-pools.ts';
import { runHeaderFilters, sendError, sendExit } from './respond.ts';
import { nextRequestId } from './request-id.ts';

export interface PipelineDeps {
  config(): CompiledConfig;
  pools: UpstreamPools;
  trustedProxies: TrustedProxies;
  scheme: 'http' | 'https';
  onInternalError(err: unknown, ctx: RequestContext | null): void;
}

const NO_PLUGINS: readonly PluginRuntime[] = Object.freeze([]);

export function createRequestHandler(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err) => {
      deps.onInternalError(err, null);
      if (!res.headersSent) sendError(res, new GatewayError('INTERNAL'), null, NO_PLUGINS);
      else res.destroy();
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
    socket.on('error', () => socket.destroy()); // node:http leaves an upgraded socket without an error listener
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    // an answer that is no 101 ends the connection: the socket left HTTP parsing behind with the handshake
    res.once('finish', () => {
      res.detachSocket(socket);
      socket.destroySoon();
    });
    handle(deps, req, res, { socket, head }).catch((err) => {
      deps.onInternalError(err, null);
      if (!res.headersSent && !socket.destroyed) sendError(res, new GatewayError('INTERNAL'), null, NO_PLUGINS);
      else socket.destroy();
    });
  };
}

async function handle(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse, upgrade: UpgradeRequest | null = null): Promise<void> {
  const config = deps.config(); // read once: a swap mid-request never mixes two configs
  const headers = req.headers;
  const bodyFraming = headers['transfer-encoding'] !== undefined ? 'chunked' : headers['content-length'] !== undefined && headers['content-length'] !== '0' ? 'length' : 'none';
  const hasBody = bodyFraming !== 'none' && upgrade === null;
  const expectContinue = hasBody && headers.expect?.toLowerCase() === '100-continue';
  const peer = req.socket.remoteAddress ?? '';
  const trusted = deps.trustedProxies.trusts(peer);

  let ctx: RequestContext | null = null;
  let plugins = NO_PLUGINS;
  let status = 0;
  try {
    if (hasDuplicateHost(req.rawHeaders)) throw new GatewayError('BAD_REQUEST', { detail: 'more than one Host header' });
    if (upgrade !== null) checkHandshake(req, bodyFraming);
    const target = normalizeRequestTarget(req.url ?? '');
    const forwarded = forwardedView(req, trusted, deps);
    stripHopByHop(headers);
    stripIdentity(headers);
    stripForwarding(headers);

    ctx = new RequestContext({
      id: nextRequestId(),
      method: req.method ?? 'GET',
      path: target.path,
      querystring: target.querystring,
      headers,
      clientIp: deps.trustedProxies.clientIp(peer, forwarded.xff),
      scheme: forwarded.proto,
      host: forwarded.requestHost,
      bodyFraming,
      expectContinue,
    });

    // rewrite: global plugins only, the route is not known yet
    plugins = config.globalPlugins;
    await runPhase(ctx, plugins, 'rewrite');
    if (ctx.response) {
      status = sendExit(res, ctx, plugins);
      return;
    }

    const sni = deps.scheme === 'https' ? (req.socket as TLSSocket).servername || undefined : undefined;
    const found = config.router.find({ method: ctx.method, host: ctx.host, port: forwarded.port, path: ctx.path, headers, scheme: ctx.scheme, sni, upgrade: upgrade !== null });
    if (found.kind === 'none') throw new GatewayError('ROUTE_NOT_FOUND');
    if (found.kind === 'method-not-allowed') throw new GatewayError('METHOD_NOT_ALLOWED', { headers: { allow: found.allow.join(', ') } });
    if (found.kind === 'https-required') throw httpsRequired(found.route, ctx);
    if (found.kind === 'websocket-required') throw new GatewayError('WEBSOCKET_REQUIRED', { headers: { upgrade: 'websocket', connection: 'Upgrade' } });
    const route = found.route;
    ctx.route = route;
    ctx.matchedPath = found.matchedPath;
    ctx.service = config.serviceFor(route);

    plugins = config.pluginsFor(route, null);
    plugins = await runAccess(ctx, config, plugins);
    if (ctx.response) {
      status = sendExit(res, ctx, plugins);
      return;
    }
    const service = ctx.service;
    if (!service) throw new GatewayError('SERVICE_NOT_FOUND');

    setForwardingHeaders(ctx, forwarded, peer, trusted);
    const path = buildUpstreamPath(service.path, route, ctx.path, ctx.matchedPath);
    if (route.strip_path && ctx.matchedPath !== '' && ctx.matchedPath !== '/') headers['x-forwarded-prefix'] = ctx.matchedPath;
    // Only now, with every plugin agreeing, is the client told to send its body (Kong: 417 before this point).
    if (expectContinue) res.writeContinue();
    const finalPlugins = plugins;
    const c = ctx;
    if (upgrade !== null) {
      const upstreamPath = ctx.querystring === '' ? path : `${path}?${ctx.querystring}`;
      status = await tunnel({ ctx, res, client: upgrade.socket, head: upgrade.head, service, path: upstreamPath, preserveHost: route.preserve_host, headerFilter: (head) => runHeaderFilters(c, finalPlugins, head) });
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
      headerFilter: (head) => runHeaderFilters(c, finalPlugins, head),
    });
  } catch (err) {
    const gatewayError = err instanceof GatewayError ? err : new GatewayError('INTERNAL', { cause: err });
    if (!(err instanceof GatewayError)) deps.onInternalError(err, ctx);
    if (hasBody && !req.readableEnded) lingerThenClose(req, res);
    status = sendError(res, gatewayError, ctx, plugins);
  } finally {
    if (ctx) {
      ctx.status = status;
      for (let i = 0; i < plugins.length; i++) {
        const log = plugins[i].handler.log;
        if (log !== undefined) {
          try {
            log.call(plugins[i].handler, ctx);
          } catch (err) {
            deps.onInternalError(err, ctx);
          }
        }
      }
    }
  }
}

async function runPhase(ctx: RequestContext, plugins: readonly PluginRuntime[], phase: 'rewrite'): Promise<void> {
  for (let i = 0; i < plugins.length && !ctx.response; i++) {
    const handler = plugins[i].handler;
    const fn = handler[phase];
    if (fn === undefined) continue;
    const result = fn.call(handler, ctx);
    if (result !== undefined) await result;
  }
}

/**
 * Access phase. When an auth plugin identifies a consumer that has plugins of its own, the remaining
 * (lower-priority) plugins are re-resolved with the consumer, as Kong does.
 */
async function runAccess(ctx: RequestContext, config: CompiledConfig, plugins: readonly PluginRuntime[]): Promise<readonly PluginRuntime[]> {
  let consumer = ctx.consumer;
  for (let i = 0; i < plugins.length && !ctx.response; i++) {
    const plugin = plugins[i];
    const fn = plugin.handler.access;
    if (fn === undefined) continue;
    const result = fn.call(plugin.handler, ctx);
    if (result !== undefined) await result;
    if (ctx.consumer !== consumer) {
      consumer = ctx.consumer;
      const next = config.pluginsFor(ctx.route!, consumer);
      if (next !== plugins) {
        // continue after the current plugin's position in the new list
        let j = 0;
        while (j < next.length && (next[j].priority > plugin.priority || (next[j].priority === plugin.priority && next[j].name <= plugin.name))) j++;
        plugins = next;
        i = j - 1;
      }
    }
  }
  return plugins;
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
}

/** What the client said about itself, believing X-Forwarded-* only from trusted proxies. */
function forwardedView(req: IncomingMessage, trusted: boolean, deps: PipelineDeps): ForwardedView {
  const h = req.headers;
  const hostHeader = h.host ?? '';
  const { host, port } = splitHost(hostHeader, req.socket.localPort ?? 0);
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
  };
}

function splitHost(hostHeader: string, localPort: number): { host: string; port: number } {
  let host = hostHeader.toLowerCase();
  let port = localPort;
  const close = host.lastIndexOf(']');
  const colon = host.lastIndexOf(':');
  if (colon > close) {
    port = Number(host.slice(colon + 1)) || localPort;
    host = host.slice(0, colon);
  }
  return { host, port };
}

/** Kong's upstream X-Forwarded-* and X-Real-IP, rebuilt by the gateway (client copies were stripped). */
function setForwardingHeaders(ctx: RequestContext, f: ForwardedView, peer: string, trusted: boolean): void {
  const h = ctx.headers;
  h['x-real-ip'] = ctx.clientIp;
  h['x-forwarded-for'] = trusted && f.xff ? `${f.xff}, ${peer}` : peer;
  h['x-forwarded-proto'] = f.xfProto ?? ctx.scheme;
  h['x-forwarded-host'] = f.xfHost ?? ctx.host;
  h['x-forwarded-port'] = f.xfPort ?? String(f.port);
  h['x-forwarded-path'] = f.xfPath ?? ctx.path;
}

/**
 * Refused mid-upload: the connection cannot be reused (the rest of the body is still coming), but closing
 * at once would reset it before the client reads our answer. Like nginx's lingering close, discard what
 * still arrives for a short while, then close.
 */
function lingerThenClose(req: IncomingMessage, res: ServerResponse): void {
  res.shouldKeepAlive = false;
  req.resume();
  setTimeout(() => req.socket.destroy(), LINGER_MS).unref();
}

const LINGER_MS = 5_000;

/** node:http enforces neither requireHostHeader nor body rules on a request it hands over as an upgrade. */
function checkHandshake(req: IncomingMessage, bodyFraming: string): void {
  if (req.headers.host === undefined && req.httpVersion !== '1.0') throw new GatewayError('BAD_REQUEST', { detail: 'missing Host header' });
  // RFC 6455: a handshake is a GET without a body; bytes after its head are frames, never a body to forward.
  if (bodyFraming !== 'none') throw new GatewayError('WEBSOCKET_HANDSHAKE_INVALID', { detail: 'a WebSocket handshake carries no body' });
}

/** Two Host headers are a classic routing-confusion trick; Node would silently keep the first. */
function hasDuplicateHost(raw: string[]): boolean {
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 4 && name.toLowerCase() === 'host') {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}
