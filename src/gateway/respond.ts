// Answers the client without the upstream: gateway errors as problem+json (or Kong's HTML, plain-text or XML
// body when Accept asks for one), plugin exits as given. Both pass through the plugins' headerFilter phase, as
// Kong's kong.response.exit does, so CORS and rate-limit headers reach refused requests too; Kong's Server,
// Via and X-Kong-* headers are stamped around that phase (kong-headers.ts).
import type { ServerResponse } from 'node:http';
import type { PluginRuntime } from '../config/compiled.ts';
import type { ResponseHead } from '../plugins/contract.ts';
import type { RequestContext } from './context.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { errorFormatFor, renderError } from '../errors/error-formats.ts';
import { stampResponse, stampUpstreamStatus, type StampSource } from './kong-headers.ts';
import type { Indexed } from './indexed.ts';

export function runHeaderFilters(ctx: RequestContext, plugins: readonly PluginRuntime[], head: ResponseHead): void {
  const extra = ctx.responseHeaders;
  for (const name in extra) {
    const value = extra[name];
    if (value !== undefined) head.headers[name] = value;
  }
  stampUpstreamStatus(ctx, head);
  const list: Indexed<PluginRuntime> = plugins;
  for (let i = 0; i < list.length; i++) list[i]?.handler.headerFilter?.(ctx, head);
  stampResponse(ctx, head);
}

/** The body filters of `plugins` that want this response, in priority order, as one transform (null: none). */
export function bodyFilterFor(
  ctx: RequestContext,
  plugins: readonly PluginRuntime[],
  head: ResponseHead,
  onError: (err: unknown) => void,
): ((body: Buffer) => Buffer) | null {
  let transforms: ((body: Buffer) => Buffer)[] | null = null;
  const list: Indexed<PluginRuntime> = plugins;
  for (let i = 0; i < list.length; i++) {
    const transform = list[i]?.handler.bodyFilter?.(ctx, head);
    if (transform !== undefined) (transforms ??= []).push(transform);
  }
  if (transforms === null) return null;
  const all = transforms;
  return (body) => {
    let out = body;
    for (const transform of all) {
      try {
        out = transform(out);
      } catch (err) {
        onError(err);
      }
    }
    return out;
  };
}

export function sendExit(res: ServerResponse, ctx: RequestContext, plugins: readonly PluginRuntime[]): number {
  const exit = ctx.response;
  if (exit === null) throw new Error('sendExit without an exit: the caller checks ctx.response first');
  const head: ResponseHead = { status: exit.status, headers: { ...exit.headers } };
  runHeaderFilters(ctx, plugins, head);
  if (exit.body !== undefined) head.headers['content-length'] = String(Buffer.byteLength(exit.body));
  res.writeHead(head.status, head.headers);
  res.end(exit.body);
  return head.status;
}

/**
 * `early` stands in for the context of a request refused before it had one (its id, arrival, header settings):
 * its answer still carries Kong's headers.
 */
export function sendError(res: ServerResponse, err: GatewayError, ctx: RequestContext | null, plugins: readonly PluginRuntime[], early?: StampSource): number {
  const source = ctx ?? early;
  const { contentType, body } = renderError(err, errorFormatFor(res.req.headers.accept), source?.id);
  const head: ResponseHead = {
    status: err.status,
    headers: { 'content-type': contentType, ...err.headers },
  };
  if (ctx) runHeaderFilters(ctx, plugins, head);
  else if (early) stampResponse(early, head);
  head.headers['content-length'] = String(Buffer.byteLength(body));
  if (res.headersSent) {
    res.destroy();
    return head.status;
  }
  res.writeHead(head.status, head.headers);
  res.end(body);
  return head.status;
}
