// The proxy listener(s): plain HTTP and optionally TLS, one compiled config swapped atomically, malformed
// HTTP answered with a problem before it can become a request, WebSocket handshakes through the same pipeline.
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { CompiledConfig } from '../config/compiled.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { createRequestHandler, createUpgradeHandler } from './handle-request.ts';
import { rawProblem } from './respond.ts';
import { UpstreamPools } from './proxy/upstream-pools.ts';
import { createTrustedProxies } from './trusted-proxies.ts';

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
  /** Largest request head accepted, bytes (431 beyond). */
  maxHeaderSize?: number;
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
  const servers: Server[] = [];
  /** Sockets handed over by 'upgrade': node:http no longer tracks them, so close() must. */
  const upgraded = new Set<Socket>();
  for (const spec of options.listen) {
    const scheme = spec.tls ? 'https' : 'http';
    const deps = {
      config: () => active,
      pools,
      trustedProxies,
      scheme,
      onInternalError: (err: unknown, ctx: { id: string; path: string } | null) => options.logger.error({ err, request_id: ctx?.id, path: ctx?.path }, 'internal error on the request path'),
    } as const;
    const handler = createRequestHandler(deps);
    const upgradeHandler = createUpgradeHandler(deps);
    const serverOptions = {
      maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
      requireHostHeader: true,
      keepAliveTimeout: 65_000,
      headersTimeout: 30_000,
      requestTimeout: 0, // bodies stream for as long as the service's timeouts allow
      // Only WebSocket handshakes leave HTTP; any other Upgrade (h2c...) is a normal request, its Upgrade dropped.
      shouldUpgradeCallback: isWebSocketHandshake,
    };
    const server: Server = spec.tls
      ? (createHttpsServer({ ...serverOptions, cert: spec.tls.cert, key: spec.tls.key }, handler) as unknown as Server)
      : createHttpServer(serverOptions, handler);
    // Answer 100-continue ourselves, after the access phase, so a refused request never sends its body.
    server.on('checkContinue', handler);
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      upgraded.add(socket);
      socket.once('close', () => upgraded.delete(socket));
      upgradeHandler(req, socket, head);
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable || (err as { code?: string }).code === 'ECONNRESET') return socket.destroy();
      const code = err.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'BAD_REQUEST';
      socket.end(rawProblem(new GatewayError(code, { detail: clientErrorDetail(err) })));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, spec.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    servers.push(server);
  }
  return {
    addresses: () => servers.map((s) => s.address() as AddressInfo),
    swap(next) {
      active = next;
    },
    current: () => active,
    connections: async () => {
      const counts = await Promise.all(servers.map((s) => new Promise<number>((resolve) => s.getConnections((err, n) => resolve(err ? 0 : n)))));
      return counts.reduce((a, b) => a + b, 0);
    },
    async close(graceMs = 10_000) {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeIdleConnections();
        setTimeout(() => {
          s.closeAllConnections();
          for (const socket of upgraded) socket.destroy();
        }, graceMs).unref();
      })));
      await pools.close();
    },
  };
}

/** Kong proxies an upgrade only for `Upgrade: websocket` (runloop/handler.lua); node:http already saw `Connection: upgrade`. */
function isWebSocketHandshake(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  return typeof upgrade === 'string' && upgrade.trim().toLowerCase() === 'websocket';
}

/** llhttp's reasons, minus anything echoing the request back. */
function clientErrorDetail(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW': return 'request head exceeds the size limit';
    case 'HPE_UNEXPECTED_CONTENT_LENGTH': return 'conflicting Content-Length / Transfer-Encoding';
    case 'HPE_INVALID_CONTENT_LENGTH': return 'invalid Content-Length';
    case 'HPE_INVALID_TRANSFER_ENCODING': return 'invalid Transfer-Encoding';
    case 'HPE_INVALID_HEADER_TOKEN': return 'invalid header';
    case 'HPE_INVALID_METHOD': return 'invalid method';
    default: return `malformed HTTP request (${err.code ?? 'unknown'})`;
  }
}
