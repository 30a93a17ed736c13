// cors per request: answer preflights at the gateway (access), add CORS headers to every other response
// (headerFilter), overriding what the upstream sent, exactly where Kong does.
import type { RequestContext } from '../../gateway/context.ts';
import type { PluginHandler, ResponseHead } from '../contract.ts';
import { compileOriginPolicy, matchOrigin, type OriginPolicy } from './origin-policy.ts';
import type { CorsConfig } from './schema.ts';

const ALLOW_ORIGIN = 'access-control-allow-origin';
const ALLOW_CREDENTIALS = 'access-control-allow-credentials';

type Headers = ResponseHead['headers'];

/** The request's Origin; an empty one counts as none. */
function requestOrigin(ctx: RequestContext): string | undefined {
  const origin = ctx.header('origin');
  return origin === '' ? undefined : origin;
}

function isPreflight(ctx: RequestContext, origin: string | undefined): boolean {
  return ctx.method === 'OPTIONS' && origin !== undefined && ctx.header('access-control-request-method') !== undefined;
}

/**
 * Kong adds `Vary: Origin` beside the upstream's Vary on responses, and sets it on preflights. The headers
 * as a Partial record: a response may have no Vary at all.
 */
function addVaryOrigin(headers: Partial<Headers>): void {
  const vary = headers.vary;
  if (vary === undefined) headers.vary = 'Origin';
  else if (Array.isArray(vary)) {
    if (!vary.some(namesOrigin)) vary.push('Origin');
  } else if (!namesOrigin(vary)) headers.vary = [vary, 'Origin'];
}

function namesOrigin(vary: string): boolean {
  return /(^|,)\s*(origin|\*)\s*(,|$)/i.test(vary);
}

/**
 * Sets or clears Access-Control-Allow-Origin per the policy; returns Kong's `allow_all` (the answer is `*`),
 * which decides how credentials are signalled.
 */
function applyOrigin(policy: OriginPolicy, headers: Headers, origin: string | undefined): boolean {
  switch (policy.kind) {
    case 'any':
      headers[ALLOW_ORIGIN] = '*';
      return true;
    case 'fixed':
      addVaryOrigin(headers);
      headers[ALLOW_ORIGIN] = policy.origin;
      return false;
    case 'starred':
      addVaryOrigin(headers);
      if (origin === undefined) break;
      headers[ALLOW_ORIGIN] = '*';
      return true;
    case 'list': {
      addVaryOrigin(headers);
      const allowed = origin === undefined ? null : matchOrigin(policy.entries, origin);
      if (allowed === null) break;
      headers[ALLOW_ORIGIN] = allowed;
      return false;
    }
  }
  Reflect.deleteProperty(headers, ALLOW_ORIGIN);
  return false;
}

/** `Access-Control-Allow-Credentials` cannot go with `*`, so Kong then reflects the request's Origin. */
function applyCredentials(headers: Headers, allowAll: boolean, origin: string | undefined): void {
  if (!allowAll) {
    headers[ALLOW_CREDENTIALS] = 'true';
  } else if (origin !== undefined) {
    addVaryOrigin(headers);
    headers[ALLOW_ORIGIN] = origin;
    headers[ALLOW_CREDENTIALS] = 'true';
  }
}

export function createCors(config: CorsConfig): PluginHandler {
  const policy = compileOriginPolicy(config.origins);
  const credentials = config.credentials;
  const exposedHeaders = config.exposed_headers !== null && config.exposed_headers.length > 0 ? config.exposed_headers.join(',') : null;
  const allowHeaders = config.headers !== null && config.headers.length > 0 ? config.headers.join(',') : null;
  const allowMethods = config.methods.join(',');
  const maxAge = config.max_age === null ? null : String(config.max_age);
  const privateNetwork = config.private_network;
  const preflightContinue = config.preflight_continue;
  const allowOriginAbsent = config.allow_origin_absent;

  return {
    access(ctx) {
      const origin = requestOrigin(ctx);
      if (preflightContinue || !isPreflight(ctx, origin)) return;
      const headers: Headers = {};
      const allowAll = applyOrigin(policy, headers, origin);
      if (credentials) applyCredentials(headers, allowAll, origin);
      const requested = ctx.header('access-control-request-headers');
      const allowed = allowHeaders ?? requested;
      if (allowed !== undefined) headers['access-control-allow-headers'] = allowed;
      headers['access-control-allow-methods'] = allowMethods;
      if (maxAge !== null) headers['access-control-max-age'] = maxAge;
      if (privateNetwork && ctx.header('access-control-request-private-network') === 'true') {
        headers['access-control-allow-private-network'] = 'true';
      }
      ctx.exit(200, undefined, headers);
    },

    headerFilter(ctx, head) {
      const origin = requestOrigin(ctx);
      // A preflight was answered in access() or handed to the upstream (preflight_continue): leave it alone.
      if (isPreflight(ctx, origin)) return;
      if (origin === undefined && !allowOriginAbsent) return;
      const headers = head.headers;
      const allowAll = applyOrigin(policy, headers, origin);
      if (credentials) applyCredentials(headers, allowAll, origin);
      if (exposedHeaders !== null) headers['access-control-expose-headers'] = exposedHeaders;
    },
  };
}
