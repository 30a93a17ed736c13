// Splits a compact JWS into header, claims and signature, strictly: three canonical base64url segments,
// JSON objects, a known `alg`, no `crit`. Refusals carry Kong's "Bad token; ..." messages.
import { GatewayError } from '../../errors/gateway-error.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';
import { algorithmSpec, type AlgorithmSpec } from './algorithms.ts';

export type JsonObject = Record<string, unknown>;

export interface DecodedToken {
  readonly raw: string;
  readonly header: JsonObject;
  readonly claims: JsonObject;
  readonly alg: AlgorithmSpec;
  /** `<header>.<payload>` exactly as sent: what the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function badToken(reason: string, code: ErrorCode = 'JWT_MALFORMED'): GatewayError {
  return new GatewayError(code, { message: `Bad token; ${reason}` });
}

/** Decodes `token` or throws a GatewayError (JWT_MALFORMED, or JWT_INVALID_ALGORITHM for a bad `alg`). */
export function decodeToken(token: string): DecodedToken {
  const firstDot = token.indexOf('.');
  const secondDot = firstDot === -1 ? -1 : token.indexOf('.', firstDot + 1);
  // Kong's wording: too few segments fail while decoding JSON, too many while decoding the signature.
  if (secondDot === -1) throw badToken('invalid JSON');
  if (token.indexOf('.', secondDot + 1) !== -1) throw badToken('invalid signature');

  const header = parseSegment(token.slice(0, firstDot));
  const claims = parseSegment(token.slice(firstDot + 1, secondDot));
  if (!isJsonObject(header)) throw badToken('invalid JSON');

  const alg = algorithmSpec(header.alg);
  // Unknown algorithms, including every spelling of "none", stop here.
  if (alg === undefined) throw badToken('invalid alg', 'JWT_INVALID_ALGORITHM');
  if (!isJsonObject(claims)) throw badToken('invalid claims');
  // RFC 7515 §4.1.11: a `crit` extension we do not implement means we must not accept the token.
  if (Object.hasOwn(header, 'crit')) throw badToken('unsupported crit header');

  const signatureSegment = token.slice(secondDot + 1);
  if (!isBase64url(signatureSegment)) throw badToken('invalid signature');

  return {
    raw: token,
    header,
    claims,
    alg,
    signingInput: token.slice(0, secondDot),
    signature: Buffer.from(signatureSegment, 'base64url'),
  };
}

/** JSON value of one base64url segment; `undefined` parses never reach the caller. */
function parseSegment(segment: string): unknown {
  if (segment === '' || !isBase64url(segment)) throw badToken('invalid JSON');
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw badToken('invalid JSON');
  }
}

/**
 * Canonical base64url only (RFC 7515 §2, RFC 4648 §3.5): no padding, no `+`/`/`, and the unused low bits of
 * the last character zero. Otherwise several spellings decode to the same bytes and one signed token has
 * twins with other text (malleable; each would be a fresh verified-cache key). Node's decoder skips bad
 * characters silently, so this runs before it.
 */
function isBase64url(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 1 || !BASE64URL.test(segment)) return false;
  if (rest === 0) return true;
  // 2 chars left carry 8 bits of 12 (4 unused), 3 chars carry 16 of 18 (2 unused).
  const last = sextet(segment.charCodeAt(segment.length - 1));
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/** The 6-bit value of a base64url character already matched by BASE64URL. */
function sextet(code: number): number {
  if (code >= 65 && code <= 90) return code - 65; // A-Z
  if (code >= 97 && code <= 122) return code - 71; // a-z
  if (code >= 48 && code <= 57) return code + 4; // 0-9
  return code === 45 ? 62 : 63; // '-', '_'
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A claim or header member, own properties only (a token can't smuggle in `constructor`). */
export function member(object: JsonObject, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined;
}

/**
 * Claims handed to other plugins are shared by every request that reuses the cached token: freeze them,
 * all the way down. Iterative, so deeply nested claims cannot exhaust the stack.
 */
export function freezeDeep<T>(value: T): Readonly<T> {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null || Object.isFrozen(next)) continue;
    Object.freeze(next);
    for (const child of Object.values(next)) pending.push(child);
  }
  return value;
}
