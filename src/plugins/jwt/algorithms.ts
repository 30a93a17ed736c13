// The JWS algorithms the plugin verifies, with the hash, key type and signature shape each one demands.
import { constants, type KeyObject } from 'node:crypto';

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;
export const ALL_ALGORITHMS = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as const;

export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];
export type Algorithm = HmacAlgorithm | AsymmetricAlgorithm;

export type AlgorithmFamily = 'HS' | 'RS' | 'PS' | 'ES' | 'EdDSA';

export interface AlgorithmSpec {
  readonly name: Algorithm;
  readonly family: AlgorithmFamily;
  /** Node digest name; null for EdDSA, whose curve fixes the hash. */
  readonly hash: string | null;
  /** ES*: the only curve allowed and the exact raw (r||s) signature length. */
  readonly curve?: string;
  readonly signatureLength?: number;
}

const table: Record<Algorithm, AlgorithmSpec> = {
  HS256: { name: 'HS256', family: 'HS', hash: 'sha256' },
  HS384: { name: 'HS384', family: 'HS', hash: 'sha384' },
  HS512: { name: 'HS512', family: 'HS', hash: 'sha512' },
  RS256: { name: 'RS256', family: 'RS', hash: 'sha256' },
  RS384: { name: 'RS384', family: 'RS', hash: 'sha384' },
  RS512: { name: 'RS512', family: 'RS', hash: 'sha512' },
  PS256: { name: 'PS256', family: 'PS', hash: 'sha256' },
  PS384: { name: 'PS384', family: 'PS', hash: 'sha384' },
  PS512: { name: 'PS512', family: 'PS', hash: 'sha512' },
  ES256: { name: 'ES256', family: 'ES', hash: 'sha256', curve: 'prime256v1', signatureLength: 64 },
  ES384: { name: 'ES384', family: 'ES', hash: 'sha384', curve: 'secp384r1', signatureLength: 96 },
  ES512: { name: 'ES512', family: 'ES', hash: 'sha512', curve: 'secp521r1', signatureLength: 132 },
  EdDSA: { name: 'EdDSA', family: 'EdDSA', hash: null },
};

/**
 * The spec for an `alg` header value, or undefined. A Map lookup on purpose: `alg` comes from the
 * attacker, so "none", "None", "__proto__" and friends must not find anything.
 */
const byName = new Map<string, AlgorithmSpec>(Object.entries(table));
export function algorithmSpec(alg: unknown): AlgorithmSpec | undefined {
  return typeof alg === 'string' ? byName.get(alg) : undefined;
}

/** The spec for an algorithm already known to be one of ours (a typed lookup, never undefined). */
export function specFor(alg: Algorithm): AlgorithmSpec {
  return table[alg];
}

/** RSA keys shorter than this are refused (RFC 7518 §3.3 asks for 2048 bits). */
export const MIN_RSA_BITS = 2048;

/**
 * Why a public key cannot verify `spec` tokens, or null when it can. Keeps an RSA key from verifying
 * ES tokens, a P-256 key from ES512, and so on: the key decides the algorithms, never the token.
 */
export function keyMismatch(spec: AlgorithmSpec, key: KeyObject): string | null {
  if (key.type !== 'public') return 'not a public key';
  const kind = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails;
  switch (spec.family) {
    case 'RS':
      if (kind !== 'rsa') return `${spec.name} needs an RSA key, got ${kind}`;
      return (details?.modulusLength ?? 0) < MIN_RSA_BITS ? `RSA key shorter than ${MIN_RSA_BITS} bits` : null;
    case 'PS':
      if (kind !== 'rsa' && kind !== 'rsa-pss') return `${spec.name} needs an RSA key, got ${kind}`;
      return (details?.modulusLength ?? 0) < MIN_RSA_BITS ? `RSA key shorter than ${MIN_RSA_BITS} bits` : null;
    case 'ES':
      if (kind !== 'ec') return `${spec.name} needs an EC key, got ${kind}`;
      return details?.namedCurve === spec.curve ? null : `${spec.name} needs curve ${spec.curve}, got ${details?.namedCurve}`;
    case 'EdDSA':
      return kind === 'ed25519' || kind === 'ed448' ? null : `EdDSA needs an Ed25519 or Ed448 key, got ${kind}`;
    case 'HS':
      return 'HMAC algorithms never use a public key';
  }
}

/**
 * What `crypto.verify` takes as its key argument for `spec`: built once per key, so verifying a
 * token allocates nothing for options.
 */
export function verifyKeyInput(
  spec: AlgorithmSpec,
  key: KeyObject,
): KeyObject | { key: KeyObject; padding?: number; saltLength?: number; dsaEncoding?: 'ieee-p1363' } {
  switch (spec.family) {
    case 'PS':
      // RFC 7518 §3.5: the salt is as long as the hash.
      return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: hashLength(spec.hash) };
    case 'ES':
      // JWS carries r||s, not DER.
      return { key, dsaEncoding: 'ieee-p1363' };
    default:
      return key;
  }
}

/**
 * RFC 7518 §3.2: an HMAC key MUST be at least as long as the hash output (HS256 32 bytes, HS384 48, HS512 64);
 * shorter secrets are refused when written and when used.
 */
export function hmacMinimumBytes(spec: AlgorithmSpec): number {
  return hashLength(spec.hash);
}

function hashLength(hash: string | null): number {
  return hash === 'sha384' ? 48 : hash === 'sha512' ? 64 : 32;
}
