// A WebSocket handshake sent upstream and, once the upstream answers 101, the two connections spliced: frames
// relayed both ways untouched, either side closing closes the other, idle or stalled connections cut at the
// service's timeouts (nginx on an upgraded connection: proxy_read_timeout idle, proxy_send_timeout per write).
import {
  request as httpRequest,
  validateHeaderName,
  validateHeaderValue,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { CompiledService, UpstreamTarget } from '../../config/compiled.ts';
import type { ResponseHead } from '../../plugins/contract.ts';
import type { RequestContext } from '../context.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { stripHopByHop } from '../hop-by-hop.ts';
import { nextTarget } from '../balancer/weighted-round-robin.ts';

/** Errors that mean "the handshake never reached the upstream": another target may be tried. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ERR_CONNECT_TIMEOUT']);
const TIMEOUT_ERRORS = new Set(['ERR_CONNECT_TIMEOUT', 'ERR_HANDSHAKE_TIMEOUT']);
/** nginx's status for a client that left before the answer; only log plugins see it. */
const CLIENT_CLOSED = 499;

export interface TunnelOptions {
  ctx: RequestContext;
  /** Assigned to the client's socket: carries an upstream answer that is no 101. */
  res: ServerResponse;
  client: Socket;
  /** Bytes the client sent after its handshake (frames sent before the 101 arrived). */
  head: Buffer;
  service: CompiledService;
  /** Path and query to send upstream. */
  path: string;
  preserveHost: boolean;
  /** Runs the plugins' headerFilter phase on the upstream's response head (the 101 included). */
  headerFilter(head: ResponseHead): void;
}

type Answer = { kind: 'upgrade'; response: IncomingMessage; socket: Socket; head: Buffer } | { kind: 'response'; response: IncomingMessage };

/**
 * Resolves with the status sent once the connection is over (101 for a tunnel, when both sides have closed).
 * Rejects with a GatewayError only while nothing has been written to the client, so the caller can answer.
 */
export async function tunnel(o: TunnelOptions): Promise<number> {
  const tried = new Set<UpstreamTarget>();
  let attempts = 0;
  for (;;) {
    if (clientGone(o.client)) return CLIENT_CLOSED;
    const target = nextTarget(o.service.balancer, tried);
    if (!target) throw new GatewayError('UPSTREAM_NO_TARGETS');
    tried.add(target);
    let answer: Answer;
    try {
      answer = await handshake(o, target);
    } catch (err) {
      if (clientGone(o.client)) return CLIENT_CLOSED;
      const code = (err as { code?: string }).code ?? '';
      if (CONNECT_ERRORS.has(code) && attempts < o.service.retries) {
        attempts++;
        continue;
      }
      throw new GatewayError(TIMEOUT_ERRORS.has(code) ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE', {
        detail: `${o.service.name ?? o.service.host}: ${code || (err as Error).message}`,
        cause: err,
      });
    }
    return answer.kind === 'response' ? relayResponse(o, answer.response) : splice(o, answer);
  }
}

/** Sends the handshake to one target; settles on its answer, a failure, a timeout or the client leaving. */
function handshake(o: TunnelOptions, target: UpstreamTarget): Promise<Answer> {
  const headers = o.ctx.headers as OutgoingHttpHeaders;
  headers.host = o.preserveHost && o.ctx.header('host') ? headers.host : target.hostHeader;
  // The client's Connection/Upgrade were dropped with every hop-by-hop header; these are for this hop only.
  const outgoing: OutgoingHttpHeaders = { ...headers, connection: 'Upgrade', upgrade: 'websocket' };
  const tls = o.service.protocol === 'https';
  return new Promise<Answer>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      o.client.off('close', onClientClose);
      o.client.off('end', onClientClose);
    };
    const fail = (err: Error) => {
      if (settled) return;
      settle();
      req.destroy();
      reject(err);
    };
    const onClientClose = () => {
      fail(codeError('ERR_CLIENT_CLOSED', 'client closed the connection'));
    };
    // agent false: a connection of its own, never pooled (it becomes the tunnel). TLS verifies the certificate
    // against the Host sent upstream (SNI too), as forward.ts does through undici.
    const req = (tls ? httpsRequest : httpRequest)({
      host: target.host,
      port: target.port,
      method: o.ctx.method,
      path: o.path,
      headers: outgoing,
      agent: false,
    });
    timer = setTimeout(() => {
      fail(codeError('ERR_CONNECT_TIMEOUT', `no connection within ${o.service.connectTimeout} ms`));
    }, o.service.connectTimeout);
    req.once('socket', (socket: Socket) => {
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        if (settled) return;
        clearTimeout(timer);
        timer = setTimeout(() => {
          fail(codeError('ERR_HANDSHAKE_TIMEOUT', `no answer within ${o.service.readTimeout} ms`));
        }, o.service.readTimeout);
      });
    });
    req.on('error', fail); // stays attached: a late error on a settled request is swallowed, never thrown
    req.once('upgrade', (response: IncomingMessage, socket: Socket, head: Buffer) => {
      if (settled) return socket.destroy();
      settle();
      resolve({ kind: 'upgrade', response, socket, head });
    });
    req.once('response', (response: IncomingMessage) => {
      if (settled) return response.destroy();
      settle();
      resolve({ kind: 'response', response });
    });
    o.client.once('close', onClientClose);
    o.client.once('end', onClientClose);
    req.end();
  });
}

/** The upstream refused the upgrade: its answer goes to the client like any response, then the connection ends. */
function relayResponse(o: TunnelOptions, response: IncomingMessage): Promise<number> | number {
  if (clientGone(o.client)) {
    response.destroy();
    return CLIENT_CLOSED;
  }
  const h = { ...response.headers } as Record<string, string | string[]>;
  stripHopByHop(h);
  const head: ResponseHead = { status: response.statusCode ?? 502, headers: h };
  try {
    o.headerFilter(head);
    o.res.writeHead(head.status, head.headers);
  } catch (err) {
    response.destroy();
    throw err;
  }
  return new Promise<number>((resolve) => {
    const done = () => {
      o.client.off('close', done);
      response.destroy();
      resolve(head.status);
    };
    response.on('error', () => o.client.destroy());
    o.res.once('finish', done);
    o.client.once('close', done);
    response.pipe(o.res);
  });
}

async function splice(o: TunnelOptions, answer: Extract<Answer, { kind: 'upgrade' }>): Promise<number> {
  const { response, socket: upstream } = answer;
  upstream.on('error', () => upstream.destroy());
  if ((response.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    upstream.destroy();
    throw new GatewayError('UPSTREAM_UNAVAILABLE', { detail: `${o.service.name ?? o.service.host}: switched to another protocol than websocket` });
  }
  const h = { ...response.headers } as Record<string, string | string[]>;
  stripHopByHop(h);
  const head: ResponseHead = { status: 101, headers: h };
  try {
    o.headerFilter(head);
  } catch (err) {
    upstream.destroy();
    throw err;
  }
  const client = o.client;
  if (clientGone(client)) {
    upstream.destroy();
    return CLIENT_CLOSED;
  }
  o.res.detachSocket(client); // from here on the socket carries frames, not HTTP
  client.write(switchingProtocols(head.headers));
  if (answer.head.length > 0) client.write(answer.head);
  if (o.head.length > 0) upstream.write(o.head);
  return relay(client, upstream, o.service);
}

/** The 101 head: the upstream's headers after the header filters, minus anything a 101 cannot carry. */
function switchingProtocols(headers: Record<string, string | string[]>): string {
  let out = 'HTTP/1.1 101 Switching Protocols\r\n';
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'connection' || name === 'upgrade' || name === 'content-length' || name === 'transfer-encoding') continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      try {
        validateHeaderName(name);
        validateHeaderValue(name, v);
      } catch {
        continue; // a value no HTTP parser would accept (a plugin's): dropped rather than written raw
      }
      out += `${name}: ${v}\r\n`;
    }
  }
  return `${out}Upgrade: websocket\r\nConnection: upgrade\r\n\r\n`;
}

/** Pipes both ways until both sockets have closed; resolves 101 for the log phase. */
function relay(client: Socket, upstream: Socket, service: CompiledService): Promise<number> {
  return new Promise<number>((resolve) => {
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    const stopClientPump = pump(client, upstream, service.writeTimeout, cut);
    const stopUpstreamPump = pump(upstream, client, service.writeTimeout, cut);
    // nginx re-arms proxy_read_timeout on every event of an upgraded connection: silence both ways ends it
    upstream.setTimeout(service.readTimeout, cut);
    let open = 2;
    const onClose = (other: Socket) => (hadError: boolean) => {
      // a clean close lets what is already queued for the other side go out first (a close frame, say)
      if (hadError) other.destroy();
      else other.destroySoon();
      if (--open === 0) {
        stopClientPump();
        stopUpstreamPump();
        resolve(101);
      }
    };
    client.on('error', cut);
    upstream.on('error', cut);
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      if (socket.closed)
        onClose(other)(true); // gone before the splice: its 'close' will not come again
      else socket.once('close', onClose(other));
    }
  });
}

/** Copies `from` to `to` with backpressure; a write that stays queued for `writeTimeout` cuts the tunnel. */
function pump(from: Socket, to: Socket, writeTimeout: number, cut: () => void): () => void {
  let stall: NodeJS.Timeout | null = null;
  from.on('data', (chunk: Buffer) => {
    if (to.write(chunk)) return;
    from.pause();
    stall ??= setTimeout(cut, writeTimeout);
  });
  to.on('drain', () => {
    if (stall !== null) clearTimeout(stall);
    stall = null;
    from.resume();
  });
  // nginx ends an upgraded connection once either side has sent EOF and what it sent was passed on: no half-close
  if (from.readableEnded) to.end(cut);
  else from.once('end', () => to.end(cut));
  from.resume();
  return () => {
    if (stall !== null) clearTimeout(stall);
    stall = null;
  };
}

/**
 * A client that closed, or sent EOF (nginx: "client prematurely closed connection"). node:http sockets allow
 * half-open, so EOF alone does not destroy them: left alone, such a socket would never close.
 */
function clientGone(client: Socket): boolean {
  if (!client.destroyed && !client.readableEnded) return false;
  client.destroy();
  return true;
}

function codeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}
