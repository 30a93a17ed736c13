// Registered-claim checks after the signature holds: exp/nbf (Kong's rules and messages), maximum
// lifetime, and Portcullis's iss/aud allow-lists. Returns the window in which the token stays valid.
import { GatewayError } from '../../errors/gateway-error.ts';
import { member, type JsonObject } from './decode-token.ts';

/** 'required': Kong's claims_to_verify (absent is an error); 'present': checked only when there. */
export type TimeClaimRule = 'required' | 'present' | 'off';

export interface ClaimRules {
  /** Checked in this order; the first failure is reported, as Kong lists claims_to_verify. */
  readonly timeClaims: readonly { readonly name: 'exp' | 'nbf'; readonly rule: TimeClaimRule }[];
  readonly clockSkew: number;
  /** Seconds; 0 is off. */
  readonly maximumExpiration: number;
  readonly audiences: ReadonlySet<string> | null;
  readonly issuers: ReadonlySet<string> | null;
}

/** Unix seconds in which the token passes the time checks: valid while validFrom <= now < validUntil. */
export interface Validity {
  validFrom: number;
  validUntil: number;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function verifyClaims(claims: JsonObject, rules: ClaimRules, now: number): Validity {
  let validFrom = -Infinity;
  let validUntil = Infinity;
  for (const { name, rule } of rules.timeClaims) {
    if (rule === 'off') continue;
    const value = member(claims, name);
    if (value === undefined && rule === 'present') continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new GatewayError('JWT_CLAIM_INVALID', { message: 'must be a number', detail: `claim '${name}' must be a number` });
    }
    if (name === 'exp') {
      validUntil = value + rules.clockSkew;
      if (now >= validUntil) throw new GatewayError('JWT_EXPIRED');
    } else {
      validFrom = value - rules.clockSkew;
      if (now < validFrom) throw new GatewayError('JWT_NOT_YET_VALID');
    }
  }

  if (rules.maximumExpiration > 0) {
    const exp = member(claims, 'exp');
    if (typeof exp !== 'number' || exp - now > rules.maximumExpiration) throw new GatewayError('JWT_EXPIRATION_TOO_LONG');
  }
  if (rules.issuers !== null) {
    const iss = member(claims, 'iss');
    if (typeof iss !== 'string' || !rules.issuers.has(iss)) {
      throw new GatewayError('JWT_ISSUER_INVALID', { detail: 'the token\'s issuer is not in issuers_allowed' });
    }
  }
  if (rules.audiences !== null && !audienceMatches(member(claims, 'aud'), rules.audiences)) {
    throw new GatewayError('JWT_AUDIENCE_INVALID', { detail: 'the token is not meant for this audience' });
  }
  return { validFrom, validUntil };
}

function audienceMatches(aud: unknown, accepted: ReadonlySet<string>): boolean {
  if (typeof aud === 'string') return accepted.has(aud);
  if (!Array.isArray(aud)) return false;
  for (const a of aud) if (typeof a === 'string' && accepted.has(a)) return true;
  return false;
}
