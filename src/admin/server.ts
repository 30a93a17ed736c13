// The admin API listener: request id, token check before anything else (no body is read for a caller we do
// not know), route matching, role and mode checks, bounded body parsing, then the route; every refusal is a
// catalogue problem, every unexpected error a logged 500 that says nothing about the request's content.
import { isStorableText } from '../schema/storable-text.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayError, isGatewayError } from '../errors/gateway-error.ts';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../errors/problem.ts';
import type { ErrorCode } from '../errors/catalogue.ts';
import { nextRequestId } from '../http/request-id.ts';
import { rawProblem } from '../http/raw-problem.ts';
import type { AdminContext, AdminRequest, AdminResponse, AdminRoute } from './admin-route.ts';
import { authenticate } from './admin-auth.ts';
import { compileRoutes, splitPath } from './match-route.ts';
import { BodyTooLarge, readBody } from './read-body.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface AdminServerOptions {
  listen: { host: string; port: number };
  context: AdminContext;
  routes: readonly AdminRoute[];
  /** Largest request body accepted (413 beyond); 1 MiB by default. */
  maxBodyBytes?: number;
}

export interface AdminServer {
  address(): AddressInfo;
  close(): Promise<void>;
}

const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/** Kong's error `name` beside its message, for clients that switch on it. */
const KONG_ERROR_NAMES: Partial<Record<ErrorCode, string>> = {
  ADMIN_SCHEMA_VIOLATION: 'schema violation',
  ADMIN_UNIQUE_VIOLATION: 'unique constraint violation',
  ADMIN_FOREIGN_KEY_VIOLATION: 'foreign key violation',
  ADMIN_REFERENCED: 'foreign key violation',
  ADMIN_CONFIG_REFUSED: 'invalid declarative configuration',
};

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const ctx = options.context;
  const table = compileRoutes(options.routes);
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  /** `seen.pattern`: the route matched, what a log line names (a path may carry an API key: `/key-auths/{key}`). */
  async function handle(req: IncomingMessage, requestId: string, seen: { pattern?: string }): Promise<AdminResponse> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    const actor = await authenticate(req.headers, ctx.auth);
    const segments = splitPath(rawPath);
    if (segments === undefined || !segments.every(isStorableText)) throw new GatewayError('ADMIN_NOT_FOUND', { detail: 'malformed path' });
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const match = table.match(method, segments);
    if (match.kind === 'not-found') throw new GatewayError('ADMIN_NOT_FOUND');
    if (match.kind === 'method-not-allowed') {
      throw new GatewayError('ADMIN_METHOD_NOT_ALLOWED', { headers: { Allow: match.allow.join(', ') } });
    }
    const { route, params } = match;
    seen.pattern = route.pattern;
    if (route.write && actor.role !== 'admin') {
      throw new GatewayError('ADMIN_FORBIDDEN', { detail: `a ${actor.role} token cannot ${route.method} ${route.pattern}` });
    }
    if (route.write && ctx.mode === 'db-less' && !(route.method === 'POST' && route.pattern === '/config')) {
      throw new GatewayError('ADMIN_DB_LESS_READ_ONLY');
    }
    const parsed = BODY_METHODS.has(route.method) ? await readBody(req, limit) : undefined;
    const request: AdminRequest = {
      method: route.method,
      path: `/${segments.join('/')}`,
      params,
      query: storableQuery(rawQuery),
      body: parsed?.body,
      bodyType: parsed?.type,
      actor,
      requestId,
      raw: req,
    };
    return route.handle(request, ctx);
  }

  const server: Server = createServer({ headersTimeout: 30_000, requestTimeout: 60_000, keepAliveTimeout: 5_000 }, (req, res) => {
    const requestId = nextRequestId();
    const seen: { pattern?: string } = {};
    handle(req, requestId, seen)
      .then((answer) => {
        send(res, answer, requestId);
      })
      .catch((err: unknown) => {
        sendError(req, res, err, requestId, seen.pattern);
      })
      .catch((err: unknown) => {
        ctx.logger.error({ err: { message: err instanceof Error ? err.message : undefined }, request_id: requestId }, 'admin API could not answer');
        res.destroy();
      });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') return socket.destroy();
    const code = err.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'BAD_REQUEST';
    socket.end(rawProblem(new GatewayError(code, { detail: 'malformed HTTP request' })));
  });

  function sendError(req: IncomingMessage, res: ServerResponse, err: unknown, requestId: string, pattern: string | undefined): void {
    let problem: GatewayError;
    if (isGatewayError(err)) problem = err;
    else {
      // names and stack only: driver errors carry the offending values in other properties
      const e: { name?: unknown; message?: unknown; code?: unknown; stack?: unknown } = typeof err === 'object' && err !== null ? err : {};
      ctx.logger.error(
        { err: { name: e.name, message: e.message, code: e.code, stack: e.stack }, request_id: requestId, method: req.method, route: pattern },
        'admin API request failed',
      );
      problem = new GatewayError('INTERNAL');
    }
    const body: Record<string, unknown> = { ...problemBody(problem, requestId) };
    const kongName = KONG_ERROR_NAMES[problem.code];
    if (kongName !== undefined) body.name = kongName;
    const headers: Record<string, string> = { ...problem.headers, 'X-Request-Id': requestId };
    // an unread body must never be parsed as the next request: close instead of draining it
    const close = err instanceof BodyTooLarge || !req.complete;
    if (close) headers.Connection = 'close';
    writeJson(res, problem.status, body, headers, PROBLEM_CONTENT_TYPE);
    if (close) {
      res.on('finish', () => {
        req.socket.destroySoon();
      });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    address: () => server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeIdleConnections();
        setTimeout(() => {
          server.closeAllConnections();
        }, 2_000).unref();
      }),
  };
}

function send(res: ServerResponse, answer: AdminResponse, requestId: string): void {
  const headers = { ...answer.headers, 'X-Request-Id': requestId };
  if (answer.status === 204 || answer.body === undefined) {
    if (res.headersSent) return;
    res.writeHead(answer.status, securityHeaders(headers));
    res.end();
    return;
  }
  writeJson(res, answer.status, answer.body, headers, 'application/json; charset=utf-8');
}

function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>, contentType: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, securityHeaders({ ...headers, 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(payload)) }));
  res.end(payload);
}

/** Admin answers are about configuration and credentials: never cached, never sniffed. */
function securityHeaders(headers: Record<string, string>): Record<string, string> {
  return { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers };
}

/** Query values go to SQL (`?tags=`, `?custom_id=`): one it cannot hold is refused here, with its name. */
function storableQuery(raw: string): URLSearchParams {
  const query = new URLSearchParams(raw);
  for (const [name, value] of query) {
    if (!isStorableText(name) || !isStorableText(value)) {
      throw new GatewayError('ADMIN_INVALID_QUERY', {
        detail: 'query parameters must not contain NUL characters or unpaired UTF-16 surrogates',
        fields: isStorableText(name) ? { [name]: 'invalid characters' } : undefined,
      });
    }
  }
  return query;
}
