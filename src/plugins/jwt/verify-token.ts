// Full verification of one token string: decode, then either the trusted-issuer (JWKS) path when `iss`
// names a configured issuer, or Kong's credential path. Pure of request state; unit-testable alone.
import { GatewayError } from '../../errors/gateway-error.ts';
import type { PluginEnv } from '../contract.ts';
import { CredentialKeys } from './credential-keys.ts';
import { createCredentialVerifier } from './credential-verifier.ts';
import { jwtCredentials } from './credential-index.ts';
import { decodeToken, member } from './decode-token.ts';
import { JwksCache } from './jwks-cache.ts';
import { createIssuerVerifier, type TrustedIssuer } from './issuer-verifier.ts';
import type { JwtConfig } from './schema.ts';
import type { ClaimRules, TimeClaimRule } from './verify-claims.ts';
import type { VerifiedToken } from './verified-token-cache.ts';

export type TokenVerifier = (token: string, now: number) => VerifiedToken | Promise<VerifiedToken>;

export interface TokenVerifierParts {
  verify: TokenVerifier;
  /** JWKS caches by issuer, for prefetching and tests. */
  issuers: ReadonlyMap<string, TrustedIssuer>;
}

export function createTokenVerifier(
  config: JwtConfig,
  env: Pick<PluginEnv, 'consumers' | 'entities' | 'shared' | 'persistent' | 'logger' | 'allowedPrivateNetworks'>,
): TokenVerifierParts {
  const claimsToVerify = config.claims_to_verify ?? [];
  const allowedAlgorithms = config.allowed_algorithms ? new Set<string>(config.allowed_algorithms) : null;
  const timeRules = (otherwise: TimeClaimRule) =>
    (['exp', 'nbf'] as const)
      .map((name) => ({ name, rule: claimsToVerify.includes(name) ? ('required' as const) : otherwise }))
      // Kong checks claims in the order they are configured.
      .sort((a, b) => order(claimsToVerify, a.name) - order(claimsToVerify, b.name));

  const credentialRules: ClaimRules = {
    timeClaims: timeRules('off'),
    clockSkew: config.clock_skew,
    iatLeeway: config.iat_leeway,
    maximumExpiration: config.maximum_expiration,
    audiences: config.audiences ? new Set(config.audiences) : null,
    issuers: config.issuers_allowed ? new Set(config.issuers_allowed) : null,
  };
  const verifyCredentialToken = createCredentialVerifier({
    keyClaimName: config.key_claim_name,
    allowedAlgorithms,
    rules: credentialRules,
    consumers: env.consumers,
    credentials: jwtCredentials(env),
    keys: new CredentialKeys(config.secret_is_base64),
  });

  const issuers = new Map<string, TrustedIssuer>();
  for (const issuer of config.issuers) {
    const options = {
      uri: issuer.jwks_uri,
      timeoutMs: config.jwks_timeout,
      maxBytes: config.jwks_max_size,
      cooldownMs: config.jwks_refresh_cooldown * 1000,
      maxAgeMs: config.jwks_max_age * 1000,
    };
    // Keys outlive config rebuilds: a route change must not refetch every issuer's JWKS. Closed once no
    // build asks for them (and at once after a trial build, which so never fetches).
    const jwks = env.persistent(
      `jwks ${JSON.stringify(options)}`,
      () => new JwksCache(options, { logger: env.logger, allowedNetworks: env.allowedPrivateNetworks }),
      (cache) => {
        cache.close();
      },
    );
    issuers.set(issuer.issuer, {
      issuer: issuer.issuer,
      algorithms: new Set(issuer.algorithms.filter((a) => allowedAlgorithms === null || allowedAlgorithms.has(a))),
      rules: {
        timeClaims: timeRules('present'),
        clockSkew: config.clock_skew,
        iatLeeway: config.iat_leeway,
        maximumExpiration: config.maximum_expiration,
        audiences: issuer.audiences ? new Set(issuer.audiences) : null,
        issuers: null,
      },
      consumerClaims: issuer.consumer_claims,
      consumerMatch: issuer.consumer_match,
      jwks,
      keyTrustSeconds: config.jwks_max_age,
    });
  }
  const verifyIssuerToken = createIssuerVerifier(env.consumers);

  const acceptedTypes = config.typ === null ? null : new Set(config.typ.map(mediaType));
  const verify: TokenVerifier = (raw, now) => {
    const token = decodeToken(raw);
    if (acceptedTypes !== null) checkType(member(token.header, 'typ'), acceptedTypes);
    if (issuers.size > 0) {
      const iss = member(token.claims, 'iss');
      const issuer = typeof iss === 'string' ? issuers.get(iss) : undefined;
      if (issuer !== undefined) return verifyIssuerToken(issuer, token, now);
    }
    return verifyCredentialToken(token, now);
  };
  return { verify, issuers };
}

/**
 * RFC 8725 §3.11: a token of another kind (`dpop+jwt`, `secevent+jwt`, `logout+jwt`) must not pass as an
 * access token. An absent `typ` is accepted: Kong's own tokens and most issuers send `JWT` or nothing.
 */
function checkType(typ: unknown, accepted: ReadonlySet<string>): void {
  if (typ === undefined) return;
  if (typeof typ !== 'string' || !accepted.has(mediaType(typ))) {
    throw new GatewayError('JWT_TYPE_INVALID', { detail: `tokens of this typ are not accepted here; accepted: ${[...accepted].join(', ')}` });
  }
}

/** RFC 7515 §4.1.9: `typ` is a media type, `application/` may be left out, and it compares case-insensitively. */
function mediaType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function order(list: readonly string[], name: string): number {
  const i = list.indexOf(name);
  return i === -1 ? list.length : i;
}
