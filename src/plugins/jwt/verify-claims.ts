// Registered-claim checks after the signature holds: exp/nbf (Kong's rules, messages and error map), maximum
// lifetime, an `iat` in the future, and Portcullis's iss/aud allow-lists. Returns the window in which the
// token stays valid.
import { GatewayError } from '../../errors/gateway-error.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';
import { member, type JsonObject } from './decode-token.ts';

/** 'required': Kong's claims_to_verify (absent is an error); 'present': checked only when there. */
export type TimeClaimRule = 'required' | 'present' | 'off';

export interface ClaimRules {
  /** Checked in this order; every failure goes into the error map, the first one names the code, as Kong lists claims_to_verify. */
  readonly timeClaims: readonly { readonly name: 'exp' | 'nbf'; readonly rule: TimeClaimRule }[];
  readonly clockSkew: number;
  /** Seconds an `iat` may lie ahead of our clock. */
  readonly iatLeeway: number;
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

/**
 * A claim refusal as Kong answers it: the error map (`{"exp":"token expired"}`) as extension members of the
 * body, the first failure's code and message.
 */
function claimError(code: ErrorCode, errors: Record<string, string>, detail?: string): GatewayError {
  const first = Object.values(errors)[0];
  return new GatewayError(code, { message: first, detail, extensions: errors });
}

export function verifyClaims(claims: JsonObject, rules: ClaimRules, now: number): Validity {
  let validFrom = -Infinity;
  let validUntil = Infinity;
  // The first failure's code, and every failing claim's message.
  let failed: { readonly code: ErrorCode; readonly errors: Record<string, string> } | undefined;
  const fail = (name: string, code: ErrorCode, message: string) => {
    failed ??= { code, errors: {} };
    // Kong's add_error keeps one message per claim; a claim is listed once in claims_to_verify.
    failed.errors[name] ??= message;
  };
  for (const { name, rule } of rules.timeClaims) {
    if (rule === 'off') continue;
    const value = member(claims, name);
    if (value === undefined && rule === 'present') continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(name, 'JWT_CLAIM_INVALID', 'must be a number');
    } else if (name === 'exp') {
      validUntil = value + rules.clockSkew;
      if (now >= validUntil) fail(name, 'JWT_EXPIRED', 'token expired');
    } else {
      validFrom = value - rules.clockSkew;
      if (now < validFrom) fail(name, 'JWT_NOT_YET_VALID', 'token not valid yet');
    }
  }
  if (failed !== undefined) throw claimError(failed.code, failed.errors);

  if (rules.maximumExpiration > 0) {
    const exp = member(claims, 'exp');
    if (typeof exp !== 'number' || exp - now > rules.maximumExpiration) {
      throw claimError('JWT_EXPIRATION_TOO_LONG', { exp: 'exceeds maximum allowed expiration' });
    }
  }
  // Kong never looks at `iat`; a token minted "tomorrow" is a broken or forged issuer clock (RFC 7519 §4.1.6).
  const iat = member(claims, 'iat');
  if (iat !== undefined) {
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw claimError('JWT_CLAIM_INVALID', { iat: 'must be a number' });
    const allowed = Math.max(rules.clockSkew, rules.iatLeeway);
    if (iat - allowed > now) {
      throw claimError('JWT_ISSUED_IN_FUTURE', { iat: 'token issued in the future' }, `iat lies more than ${allowed} s ahead of the gateway's clock`);
    }
    validFrom = Math.max(validFrom, iat - allowed);
  }
  if (rules.issuers !== null) {
    const iss = member(claims, 'iss');
    if (typeof iss !== 'string' || !rules.issuers.has(iss)) {
      throw new GatewayError('JWT_ISSUER_INVALID', { detail: "the token's issuer is not in issuers_allowed" });
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
