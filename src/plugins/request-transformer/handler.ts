// request-transformer's access phase, in Kong's order: uri, http_method, headers, body, query string; within
// each, remove, rename, replace, add, append. Only a route that transforms the body (or turns a form POST
// into a GET) reads the body; other requests still stream.
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestContext } from '../../gateway/context.ts';
import type { PluginHandler } from '../contract.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { bodyFormat } from '../../gateway/body/media-type.ts';
import { UrlPairs } from '../../gateway/body/url-pairs.ts';
import type { TemplateEnv } from './template.ts';
import { compileTransformer, headerValue, templateEnv, type CompiledTransformer } from './compile.ts';
import { transformBody } from './transform-body.ts';
import type { RequestTransformerConfig } from './schema.ts';

const HOST = 'host';

export function createRequestTransformer(config: RequestTransformerConfig): PluginHandler {
  const c = compileTransformer(config);
  return {
    access(ctx) {
      const env = templateEnv(ctx, c.templated);
      if (c.uri !== null) ctx.upstreamPath = upstreamPath(c.uri.render(env));
      if (!c.mayReadBody) {
        if (c.method !== null) ctx.method = c.method;
        transformHeaders(ctx, c, env);
        transformQuery(ctx, c, env);
        return;
      }
      return withBody(ctx, c, env);
    },
  };
}

async function withBody(ctx: RequestContext, c: CompiledTransformer, env: TemplateEnv): Promise<void> {
  if (c.method !== null) {
    ctx.method = c.method;
    // A form body's fields join the query string when the method can carry no body (Kong).
    if ((c.method === 'GET' || c.method === 'HEAD' || c.method === 'TRACE') && bodyFormat(ctx.header('content-type')) === 'form') {
      const fields = UrlPairs.parse((await ctx.readBody()).toString('utf8'));
      if (fields.size > 0) {
        const query = UrlPairs.parse(ctx.querystring);
        for (const [name, value] of fields.entries()) query.append(name, value === true ? '' : value);
        ctx.setQuery(query.toString());
      }
    }
  }
  transformHeaders(ctx, c, env);
  if (c.hasBody && bodyFormat(ctx.header('content-type')) !== null) {
    const changed = transformBody(c.body, ctx.header('content-type'), await ctx.readBody(), env);
    if (changed !== null) {
      ctx.setBody(changed.body);
      if (changed.contentType !== undefined) ctx.headers['content-type'] = changed.contentType;
    }
  }
  transformQuery(ctx, c, env);
}

function transformHeaders(ctx: RequestContext, c: CompiledTransformer, env: TemplateEnv): void {
  const h: IncomingHttpHeaders = ctx.headers;
  const steps = c.headers;
  // The client's Host is never removed or renamed away; replacing it sets the Host the upstream receives.
  for (const name of steps.remove) if (name !== HOST) Reflect.deleteProperty(h, name);
  for (const { from, to } of steps.rename) {
    const value = h[from];
    if (from === to || from === HOST || value === undefined) continue;
    Reflect.deleteProperty(h, from);
    if (to === HOST) ctx.upstreamHost = Array.isArray(value) ? (value[0] ?? null) : value;
    else h[to] = value;
  }
  for (const { name, value } of steps.replace) {
    if (name === HOST) ctx.upstreamHost = headerValue(value.render(env), name);
    else if (h[name] !== undefined) h[name] = headerValue(value.render(env), name);
  }
  for (const { name, value } of steps.add) {
    if (name !== HOST && h[name] === undefined) h[name] = headerValue(value.render(env), name);
  }
  for (const { name, value } of steps.append) {
    if (name === HOST) continue;
    const v = headerValue(value.render(env), name);
    const old = h[name];
    h[name] = old === undefined ? v : Array.isArray(old) ? [...old, v] : [old, v];
  }
}

function transformQuery(ctx: RequestContext, c: CompiledTransformer, env: TemplateEnv): void {
  if (!c.hasQuery) return; // untouched: the query keeps its exact bytes
  const steps = c.query;
  const query = UrlPairs.parse(ctx.querystring);
  for (const name of steps.remove) query.remove(name);
  for (const { from, to } of steps.rename) query.rename(from, to);
  for (const { name, value } of steps.replace) query.replace(name, value.render(env));
  for (const { name, value } of steps.add) if (!query.has(name)) query.append(name, value.render(env));
  for (const { name, value } of steps.append) query.append(name, value.render(env));
  ctx.setQuery(query.toString());
}

/** replace.uri as rendered: an absolute path, with what may not stand in a path percent-encoded. */
function upstreamPath(rendered: string): string {
  if (!rendered.startsWith('/'))
    throw new GatewayError('INTERNAL', { detail: `request-transformer: replace.uri rendered to a path that does not start with '/'` });
  return rendered.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g, (ch) => encodeURIComponent(ch));
}
