// request-size-limiting per request: a declared Content-Length is judged at once; a chunked body gets a
// streaming limit the proxy enforces (Kong buffers the body to measure it; we buffer only for plugins that ask).
import type { RequestContext } from '../../gateway/context.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { PluginHandler } from '../contract.ts';
import { SIZE_UNIT_BYTES, type RequestSizeLimitingConfig } from './schema.ts';

export function createRequestSizeLimiting(config: RequestSizeLimitingConfig): PluginHandler {
  const limit = config.allowed_payload_size * SIZE_UNIT_BYTES[config.size_unit];
  const requireContentLength = config.require_content_length;

  return {
    access(ctx) {
      const declared = ctx.header('content-length');
      if (declared !== undefined && declared !== '') {
        const length = Number(declared);
        if (!Number.isNaN(length)) {
          if (length > limit) throw tooLarge(ctx, `Content-Length ${declared} exceeds the ${limit}-byte limit`);
          return;
        }
      }
      if (requireContentLength && !isChunked(ctx)) throw new GatewayError('LENGTH_REQUIRED');
      // A higher-priority plugin (key-auth's key_in_body) may have buffered a chunked body already.
      const received = ctx.receivedBodyLength;
      if (received !== null && received > limit)
        throw new GatewayError('REQUEST_TOO_LARGE', { detail: `body of ${received} bytes exceeds the ${limit}-byte limit` });
      // The strictest limit wins when several plugins (or scopes) set one.
      if (ctx.requestBodyLimit === null || ctx.requestBodyLimit > limit) ctx.requestBodyLimit = limit;
    },
  };
}

/** Kong answers 417 instead of 413 to a client waiting on `Expect: 100-continue`, so it never sends the body. */
function tooLarge(ctx: RequestContext, detail: string): GatewayError {
  return new GatewayError(ctx.expectContinue ? 'EXPECTATION_FAILED' : 'REQUEST_TOO_LARGE', { detail });
}

function isChunked(ctx: RequestContext): boolean {
  return ctx.bodyFraming === 'chunked';
}
