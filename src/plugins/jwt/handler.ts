// The access phase: find the token, serve it from the verified-token cache or verify it, then
// authenticate the consumer; on failure answer 401 with Kong's challenge, or fall back to `anonymous`.
import type { RequestContext } from '../../gateway/context.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { challenge } from '../../http/www-authenticate.ts';
import type { PluginEnv, PluginHandler } from '../contract.ts';
import { anonymousConsumer } from '../anonymous-consumer.ts';
import { createTokenExtractor } from './extract-token.ts';
import type { JwtConfig } from './schema.ts';
import { nowSeconds } from './verify-claims.ts';
import { createTokenVerifier } from './verify-token.ts';
import { VerifiedTokenCache, type VerifiedToken } from './verified-token-cache.ts';

export function createJwtHandler(config: JwtConfig, env: PluginEnv): PluginHandler {
  const extract = createTokenExtractor(config);
  const { verify, issuers } = createTokenVerifier(config, env);
  if (env.trial !== true) for (const issuer of issuers.values()) issuer.jwks.prefetch();
  // Per instance on purpose: a config change builds a new handler and so forgets every verdict.
  const cache = new VerifiedTokenCache(config.verified_token_cache_size);
  const maxTokenSize = config.max_token_size;
  const runOnPreflight = config.run_on_preflight;
  const anonymous = config.anonymous === null ? null : anonymousConsumer(env.consumers, config.anonymous);
  // Kong 3.x: `Bearer` (+ realm) when no token was sent, `error="invalid_token"` for a bad one.
  const bearer = challenge('Bearer', config.realm);
  const invalidTokenChallenge = challenge('Bearer', config.realm, { error: 'invalid_token' });

  const succeed = (ctx: RequestContext, token: string, verified: VerifiedToken): void => {
    ctx.authenticate(verified.consumer, verified.credential);
    ctx.shared.authenticated_jwt_token = token;
  };

  const fail = (ctx: RequestContext, err: unknown): void => {
    // Infrastructure failures are not authentication failures: no anonymous fallback for them.
    if (!(err instanceof GatewayError) || err.code === 'JWKS_UNAVAILABLE' || err.code === 'INTERNAL') throw err;
    if (anonymous !== null) {
      ctx.authenticate(anonymous(), null);
      return;
    }
    throw new GatewayError(err.code, {
      message: err.kongMessage,
      detail: err.detail,
      extensions: err.extensions,
      headers: { 'WWW-Authenticate': err.code === 'UNAUTHORIZED' ? bearer : invalidTokenChallenge },
    });
  };

  return {
    access(ctx) {
      if (!runOnPreflight && ctx.method === 'OPTIONS') return;
      // Kong's logical OR: with `anonymous` set, another auth plugin's success is enough.
      if (anonymous !== null && ctx.credential !== null) return;
      try {
        const token = extract(ctx);
        if (token === undefined) throw new GatewayError('UNAUTHORIZED');
        if (token.length > maxTokenSize) throw new GatewayError('JWT_TOO_LARGE', { detail: `tokens are limited to ${maxTokenSize} bytes` });
        const now = nowSeconds();
        const hit = cache.get(token);
        if (hit !== undefined) {
          if (now >= hit.validFrom && now < hit.validUntil) {
            succeed(ctx, token, hit);
            return;
          }
          // Out of its window (expired, or due for a fresh key check): verify again for the precise verdict.
          cache.delete(token);
        }
        const verified = verify(token, now);
        if (verified instanceof Promise) {
          return verified.then(
            (v) => {
              cache.set(token, v);
              succeed(ctx, token, v);
            },
            (err: unknown) => {
              fail(ctx, err);
            },
          );
        }
        cache.set(token, verified);
        succeed(ctx, token, verified);
      } catch (err) {
        fail(ctx, err);
      }
    },
  };
}
