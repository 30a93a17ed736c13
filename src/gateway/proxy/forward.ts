// Sends one request upstream and streams the answer back: no buffering either way (unless a plugin asked
// for the body), backpressure honoured, failed connects retried on the next target, timeouts mapped to
// 502/504 from the error catalogue.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { CompiledService, UpstreamTarget } from '../../config/compiled.ts';
import type { ResponseHead } from '../../plugins/contract.ts';
import type { BodyWatch } from '../client-timeouts.ts';
import type { RequestContext } from '../context.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { withoutHopByHop } from '../hop-by-hop.ts';
import type { UpstreamPools } from './upstream-pools.ts';
import { upstreamBody } from './upstream-body.ts';
import { bufferingResponse, RESPONSE_BODY_BUFFER_LIMIT, type BodyTransform } from './response-body.ts';
import { nextTarget } from '../balancer/weighted-round-robin.ts';

/** Errors that mean "never connected": safe to try another target. */
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'ECONNRESET',
]);
const TIMEOUT_ERRORS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export interface ForwardOptions {
  ctx: RequestContext;
  req: IncomingMessage;
  res: ServerResponse;
  service: CompiledService;
  /** Path and query to send upstream. */
  path: string;
  hasBody: boolean;
  preserveHost: boolean;
  pools: UpstreamPools;
  /** The client-body idle watch, when the body is still arriving. */
  bodyWatch?: BodyWatch | null;
  /** Runs the plugins' headerFilter phase on the upstream's response head. */
  headerFilter(head: ResponseHead): void;
  /** The plugins' body filters that want this response (after headerFilter), or null: it streams. */
  bodyFilter?(head: ResponseHead): BodyTransform | null;
}

/**
 * Resolves with the status sent once the response is complete. Rejects with a GatewayError only when nothing has
 * been written to the client yet, so the caller can still answer with a problem; later failures end the socket.
 */
export async function forward(o: ForwardOptions): Promise<number> {
  // Targets this request already tried; made only for a retry (most requests are served by their first pick).
  let tried: Set<UpstreamTarget> | null = null;
  // A plugin that read or replaced the body leaves it buffered: send those bytes (replayable on retry).
  const buffered = o.ctx.bufferedBody;
  const body = buffered ?? (o.hasBody ? upstreamBody(o.req, o.ctx.requestBodyLimit, o.service.writeTimeout, o.bodyWatch ?? null) : null);
  let attempts = 0;
  for (;;) {
    const target = tried === null ? o.service.balancer.pick() : nextTarget(o.service.balancer, tried);
    if (!target) throw new GatewayError('UPSTREAM_NO_TARGETS');
    try {
      return await dispatchOnce(o, target, body);
    } catch (err) {
      if (err instanceof GatewayError || HANDLER_FAULTS.has(err as object)) throw err;
      const code = (err as { code?: string }).code ?? '';
      const retryable = CONNECT_ERRORS.has(code) && (buffered !== null || !(o.hasBody && o.req.readableDidRead)) && !o.res.headersSent;
      if (retryable && attempts < o.service.retries) {
        attempts++;
        (tried ??= new Set()).add(target);
        continue;
      }
      if (o.res.headersSent) throw err;
      if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH' || code === 'ERR_BODY_LIMIT' || code === 'ERR_WRITE_TIMEOUT' || code === 'ERR_CLIENT_BODY_TIMEOUT')
        throw bodyError(err);
      throw new GatewayError(TIMEOUT_ERRORS.has(code) ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE', {
        detail: `${o.service.name ?? o.service.host}: ${code || (err as Error).message}`,
        cause: err,
      });
    }
  }
}

/** Faults of our own code inside undici's callbacks (a plugin's headerFilter, writeHead): internal errors, not the upstream's. */
const HANDLER_FAULTS = new WeakSet<object>();

function handlerFault(err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  HANDLER_FAULTS.add(e);
  return e;
}

function bodyError(err: unknown): GatewayError {
  return (err as { gatewayError?: GatewayError }).gatewayError ?? new GatewayError('BAD_REQUEST', { detail: 'request body does not match Content-Length' });
}

/**
 * Backpressure: the upstream's body waits while the client's socket buffer is full. The drain listener is added
 * only then, not for every response (most fit the buffer at once).
 */
function pauseUntilDrained(res: ServerResponse, controller: Dispatcher.DispatchController): void {
  if (controller.paused) return; // already waiting for a drain
  controller.pause();
  res.once('drain', () => {
    controller.resume();
  });
}

function dispatchOnce(o: ForwardOptions, target: UpstreamTarget, body: Dispatcher.DispatchOptions['body']): Promise<number> {
  const { ctx, res } = o;
  const headers = ctx.headers as Record<string, string | string[] | undefined>;
  headers.host = ctx.upstreamHost ?? (o.preserveHost && ctx.header('host') ? headers.host : target.hostHeader);
  const pool = o.pools.forTarget(o.service, target);
  // A plugin's replacement path (request-transformer's replace.uri) stands for the whole built path.
  const path = ctx.upstreamPath === null ? o.path : ctx.querystring === '' ? ctx.upstreamPath : `${ctx.upstreamPath}?${ctx.querystring}`;
  return new Promise<number>((resolve, reject) => {
    let status = 0;
    let controllerRef: Dispatcher.DispatchController | null = null;
    // Set while a body filter holds the response back: chunks gather here instead of going out.
    let held: { head: ResponseHead; transform: BodyTransform; chunks: Buffer[]; size: number } | null = null;
    const onClientClose = () => {
      try {
        if (!res.writableFinished) controllerRef?.abort(new Error('client closed the connection'));
      } catch {
        // the upstream request already ended
      }
    };
    // `on`, not `once`: no wrapper to allocate, and it is taken off when the exchange ends either way.
    res.on('close', onClientClose);
    pool.dispatch(
      {
        path,
        method: ctx.method,
        headers: headers as Record<string, string | string[]>,
        body,
        headersTimeout: o.service.readTimeout,
        bodyTimeout: o.service.readTimeout,
      },
      {
        onRequestStart(controller) {
          controllerRef = controller;
        },
        onResponseStart(controller, statusCode, upstreamHeaders) {
          if (statusCode < 200) return;
          try {
            status = statusCode;
            const head: ResponseHead = { status: statusCode, headers: withoutHopByHop(upstreamHeaders as Record<string, string | string[]>) };
            o.headerFilter(head);
            const transform = o.bodyFilter?.(head) ?? null;
            if (transform !== null && bufferingResponse(ctx.method, head)) {
              held = { head, transform, chunks: [], size: 0 };
              return;
            }
            res.writeHead(head.status, head.headers);
          } catch (err) {
            controller.abort(handlerFault(err));
          }
        },
        onResponseData(controller, chunk) {
          if (res.destroyed) return;
          if (held !== null) {
            held.size += chunk.length;
            held.chunks.push(chunk);
            if (held.size <= RESPONSE_BODY_BUFFER_LIMIT) return;
            // Too big to hold: what came so far and the rest go out untouched, as the upstream sent them.
            const { head, chunks } = held;
            held = null;
            res.writeHead(head.status, head.headers);
            for (const c of chunks) res.write(c);
            if (res.writableNeedDrain) pauseUntilDrained(res, controller);
            return;
          }
          if (!res.write(chunk)) pauseUntilDrained(res, controller);
        },
        onResponseEnd() {
          res.off('close', onClientClose);
          if (held !== null) {
            const { head, transform, chunks, size } = held;
            held = null;
            let out: Buffer;
            try {
              out = transform(Buffer.concat(chunks, size));
            } catch (err) {
              reject(handlerFault(err)); // nothing sent yet: the client gets a 500 problem
              return;
            }
            head.headers['content-length'] = String(out.length);
            res.writeHead(head.status, head.headers);
            res.end(out);
          } else res.end();
          resolve(status);
        },
        onResponseError(_controller, err) {
          res.off('close', onClientClose);
          if (res.headersSent) {
            res.destroy(err);
            resolve(status || 502);
          } else reject(err);
        },
      },
    );
  });
}
