// The proxy listener(s): plain HTTP and optionally TLS, one compiled config swapped atomically, malformed
// HTTP answered with a problem before it can become a request, WebSocket handshakes through the same pipeline.
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { CompiledConfig } from '../config/compiled.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { BodyIdleWatch, checkIntervalMs, DEFAULT_CLIENT_TIMEOUTS, serverTimeoutOptions, type ClientTimeouts } from './client-timeouts.ts';
import { faultScope, LISTENER_SCOPE } from './fault-scope.ts';
import { createRequestHandler, createUpgradeHandler, DEFAULT_MAX_REQUEST_TARGET } from './handle-request.ts';
import { rawProblem } from '../http/raw-problem.ts';
import { UpstreamPools } from './proxy/upstream-pools.ts';
import { createTrustedProxies } from './trusted-proxies.ts';
import { createClientHeaderScrub } from './hop-by-hop.ts';
import { DEFAULT_KONG_HEADERS, SERVER_TOKEN, type KongHeaders } from './kong-headers.ts';

export interface ListenSpec {
  host: string;
  port: number;
  /** PEM certificate and key: this listener terminates TLS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface GatewayOptions {
  listen: readonly ListenSpec[];
  /** CIDRs of proxies in front of the gateway whose X-Forwarded-* headers are believed (Kong's trusted_ips). */
  trustedProxies?: readonly string[];
  /** Extra header names (lower case) the operator's services treat as identity: removed from client requests like Kong's own. */
  identityHeaders?: readonly string[];
  /** Largest request head accepted, bytes (431 beyond). */
  maxHeaderSize?: number;
  /** Longest request target (path and query), bytes (414 beyond; nginx's large_client_header_buffers: 8k). */
  maxRequestTarget?: number;
  /** Client header, body-idle and keep-alive timeouts (nginx's client_header_timeout and friends). */
  clientTimeouts?: Partial<ClientTimeouts>;
  /** Kong's `headers` / `headers_upstream` (kong-headers.ts parseKongHeaders); Kong's defaults when absent. */
  kongHeaders?: KongHeaders;
  /** SO_REUSEPORT on every listener: worker threads bind the same address and the kernel spreads connections. */
  reusePort?: boolean;
  logger: Logger;
}

export interface Gateway {
  /** Bound addresses, in the order of `listen`. */
  addresses(): AddressInfo[];
  swap(config: CompiledConfig): void;
  current(): CompiledConfig;
  /** Open client connections, WebSocket tunnels included. */
  connections(): Promise<number>;
  /** Stop accepting, let in-flight requests finish for up to `graceMs`, then cut what is left (tunnels too). */
  close(graceMs?: number): Promise<void>;
}

export async function startGateway(config: CompiledConfig, options: GatewayOptions): Promise<Gateway> {
  let active = config;
  const pools = new UpstreamPools();
  const trustedProxies = createTrustedProxies(options.trustedProxies ?? []);
  const scrubHeaders = createClientHeaderScrub(options.identityHeaders);
  const servers: Server[] = [];
  const timeouts: ClientTimeouts = { ...DEFAULT_CLIENT_TIMEOUTS, ...options.clientTimeouts };
  const kongHeaders = options.kongHeaders ?? DEFAULT_KONG_HEADERS;
  const onInternalError = (err: unknown, ctx: { id: string; path: string } | null) => {
    options.logger.error({ err, request_id: ctx?.id, path: ctx?.path }, 'internal error on the request path');
  };
  const bodyWatch = new BodyIdleWatch(timeouts.bodyMs, checkIntervalMs(timeouts), (err) => {
    onInternalError(err, null);
  });
  /** Sockets handed over by 'upgrade': node:http no longer tracks them, so close() must. */
  const upgraded = new Set<Socket>();
  for (const spec of options.listen) {
    const scheme = spec.tls ? 'https' : 'http';
    const deps = {
      config: () => active,
      pools,
      trustedProxies,
      scrubHeaders,
      scheme,
      bodyWatch,
      bodyTimeoutMs: timeouts.bodyMs,
      maxRequestTarget: options.maxRequestTarget ?? DEFAULT_MAX_REQUEST_TARGET,
      kongHeaders,
      onInternalError,
    } as const;
    const handler = createRequestHandler(deps);
    const upgradeHandler = createUpgradeHandler(deps);
    const serverOptions = {
      maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
      requireHostHeader: false, // checked in handle-request.ts, so the 400 carries the gateway's headers
      ...serverTimeoutOptions(timeouts),
      // Only WebSocket handshakes leave HTTP; any other Upgrade (h2c...) is a normal request, its Upgrade dropped.
      shouldUpgradeCallback: isWebSocketHandshake,
    };
    const server: Server = spec.tls
      ? // nginx bounds the TLS handshake by client_header_timeout too (Node's own default is 120 s)
        createHttpsServer({ ...serverOptions, handshakeTimeout: timeouts.headerMs, cert: spec.tls.cert, key: spec.tls.key }, handler)
      : createHttpServer(serverOptions, handler);
    // Answer 100-continue ourselves, after the access phase, so a refused request never sends its body.
    server.on('checkContinue', handler);
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      upgraded.add(socket);
      socket.once('close', () => {
        upgraded.delete(socket);
      });
      upgradeHandler(req, socket, head);
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      try {
        answerClientError(err, socket, timeouts, options.maxRequestTarget ?? DEFAULT_MAX_REQUEST_TARGET, kongHeaders.server);
      } catch (fault) {
        onInternalError(fault, null);
        socket.destroy();
      }
    });
    // Listening inside the listener scope: callbacks Node runs for these sockets are known as proxy traffic.
    await faultScope.run(
      LISTENER_SCOPE,
      () =>
        new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ port: spec.port, host: spec.host, reusePort: options.reusePort === true }, () => {
            server.off('error', reject);
            resolve();
          });
        }),
    );
    servers.push(server);
  }
  return {
    addresses: () => servers.map((s) => s.address() as AddressInfo),
    swap(next) {
      active = next;
    },
    current: () => active,
    connections: async () => {
      const counts = await Promise.all(
        servers.map(
          (s) =>
            new Promise<number>((resolve) => {
              s.getConnections((err, n) => {
                resolve(err ? 0 : n);
              });
            }),
        ),
      );
      return counts.reduce((a, b) => a + b, 0);
    },
    async close(graceMs = 10_000) {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              // A keep-alive connection whose response finishes after close() would idle until the grace ran out:
              // close connections as they go idle.
              const sweep = setInterval(() => {
                s.closeIdleConnections();
              }, IDLE_SWEEP_MS);
              sweep.unref();
              s.close(() => {
                clearInterval(sweep);
                resolve();
              });
              s.closeIdleConnections();
              setTimeout(() => {
                s.closeAllConnections();
                for (const socket of upgraded) socket.destroy();
              }, graceMs).unref();
            }),
        ),
      );
      bodyWatch.close();
      await pools.close();
    },
  };
}

/**
 * Malformed or too-slow HTTP that never became a request (or a pipelined one behind it): a problem when the
 * socket can still take one and no response is under way on it, then close.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket, timeouts: ClientTimeouts, maxRequestTarget: number, server: boolean): void {
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || err.code === 'ECONNRESET' || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  let problem: GatewayError;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    problem = new GatewayError('REQUEST_TIMEOUT', { detail: `request head not received within ${timeouts.headerMs} ms` });
  else if (err.code === 'HPE_HEADER_OVERFLOW' && requestLineTooLong((err as { rawPacket?: unknown }).rawPacket, maxRequestTarget))
    problem = new GatewayError('URI_TOO_LONG');
  else problem = new GatewayError(err.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'BAD_REQUEST', { detail: clientErrorDetail(err) });
  socket.end(rawProblem(problem, server ? SERVER_TOKEN : undefined));
  // Half-closed, the client could keep the socket open (and keep trickling) forever: give it a moment to read.
  const timer = setTimeout(() => {
    socket.destroy();
  }, CLIENT_ERROR_LINGER_MS).unref();
  socket.once('close', () => {
    clearTimeout(timer);
  });
}

const CLIENT_ERROR_LINGER_MS = 1_000;
/** While stopping: how often connections that went idle are closed. */
const IDLE_SWEEP_MS = 100;

/** The head overflowed while still in its request line (as far as the packet shows): nginx answers 414 there. */
function requestLineTooLong(packet: unknown, maxRequestTarget: number): boolean {
  if (!Buffer.isBuffer(packet) || !/^[A-Z]+ /.test(packet.subarray(0, 16).toString('latin1'))) return false;
  const eol = packet.indexOf(0x0a);
  return eol === -1 || eol > maxRequestTarget;
}

/** Kong proxies an upgrade only for `Upgrade: websocket` (runloop/handler.lua); node:http already saw `Connection: upgrade`. */
function isWebSocketHandshake(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  return typeof upgrade === 'string' && upgrade.trim().toLowerCase() === 'websocket';
}

/** llhttp's reasons, minus anything echoing the request back. */
function clientErrorDetail(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'request head exceeds the size limit';
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return 'conflicting Content-Length / Transfer-Encoding';
    case 'HPE_INVALID_CONTENT_LENGTH':
      return 'invalid Content-Length';
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return 'invalid Transfer-Encoding';
    case 'HPE_INVALID_HEADER_TOKEN':
      return 'invalid header';
    case 'HPE_INVALID_METHOD':
      return 'invalid method';
    default:
      return `malformed HTTP request (${err.code ?? 'unknown'})`;
  }
}
