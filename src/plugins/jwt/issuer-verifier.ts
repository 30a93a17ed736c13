// Tokens from trusted external issuers: verified against the issuer's JWKS (keys bound to their own
// algorithms), `iss`/`aud`/`exp`/`nbf` checked, the caller mapped to a consumer by claim.
import type { ConsumerDirectory, ConsumerRecord } from '../../config/consumer-directory.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { freezeDeep, member, type DecodedToken, type JsonObject } from './decode-token.ts';
import type { JwksCache } from './jwks-cache.ts';
import type { IssuerConfig } from './schema.ts';
import { nowSeconds, verifyClaims, type ClaimRules } from './verify-claims.ts';
import { verifySignature, type PreparedKey } from './verify-signature.ts';
import type { VerifiedToken } from './verified-token-cache.ts';

export interface TrustedIssuer {
  readonly issuer: string;
  readonly algorithms: ReadonlySet<string>;
  readonly rules: ClaimRules;
  readonly consumerClaims: readonly string[];
  readonly consumerMatch: readonly IssuerConfig['consumer_match'][number][];
  readonly jwks: JwksCache;
  /** Seconds a verified token may be served from cache before its key is looked up again. */
  readonly keyTrustSeconds: number;
}

export type IssuerVerifier = (issuer: TrustedIssuer, token: DecodedToken, now: number) => VerifiedToken | Promise<VerifiedToken>;

export function createIssuerVerifier(consumers: ConsumerDirectory): IssuerVerifier {
  const finish = (issuer: TrustedIssuer, token: DecodedToken, key: PreparedKey, now: number): VerifiedToken => {
    if (!verifySignature(token, key)) throw new GatewayError('JWT_INVALID_SIGNATURE');
    const validity = verifyClaims(token.claims, issuer.rules, now);
    const { consumer, subject } = findConsumer(consumers, issuer, token.claims);
    return {
      consumer,
      credential: { id: `${issuer.issuer}#${subject}`, type: 'jwt', identifier: subject, claims: freezeDeep(token.claims) },
      validFrom: validity.validFrom,
      validUntil: Math.min(validity.validUntil, now + issuer.keyTrustSeconds),
    };
  };

  return (issuer, token, now) => {
    if (!issuer.algorithms.has(token.alg.name)) {
      throw new GatewayError('JWT_INVALID_ALGORITHM', { detail: "the issuer does not sign with the token's alg" });
    }
    const kid = member(token.header, 'kid');
    if (kid !== undefined && typeof kid !== 'string') throw new GatewayError('JWT_UNKNOWN_KID', { detail: 'kid is not a string' });
    const key = issuer.jwks.key(kid, token.alg.name);
    if (key instanceof Promise) return key.then((k) => finish(issuer, token, k, nowSeconds()));
    return finish(issuer, token, key, now);
  };
}

/** The first present consumer claim, matched against custom_id / username / id in the configured order. */
function findConsumer(consumers: ConsumerDirectory, issuer: TrustedIssuer, claims: JsonObject): { consumer: ConsumerRecord; subject: string } {
  for (const claim of issuer.consumerClaims) {
    const value = member(claims, claim);
    if (typeof value !== 'string' || value === '') continue;
    for (const field of issuer.consumerMatch) {
      const consumer = field === 'custom_id' ? consumers.byCustomId(value) : field === 'username' ? consumers.byUsername(value) : consumers.byId(value);
      if (consumer !== undefined) return { consumer, subject: value };
    }
    throw new GatewayError('JWT_NO_CONSUMER', { detail: `no consumer matches the token's '${claim}' claim` });
  }
  throw new GatewayError('JWT_NO_CONSUMER', { detail: `the token has none of the claims ${issuer.consumerClaims.join(', ')}` });
}
