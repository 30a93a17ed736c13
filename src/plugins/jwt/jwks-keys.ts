// Turns a JWKS document into verification keys: each JWK is imported once and bound to the algorithms
// its own kty/crv/alg allow, so a key can never be used with another family or as an HMAC secret.
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { specFor, type Algorithm } from './algorithms.ts';
import { isJsonObject } from './decode-token.ts';
import { preparePublicKey, type PreparedKey } from './verify-signature.ts';

export interface JwksKey {
  readonly kid: string | undefined;
  /** alg -> key prepared for it. */
  readonly byAlg: ReadonlyMap<string, PreparedKey>;
}

export interface JwksKeySet {
  readonly byKid: ReadonlyMap<string, readonly JwksKey[]>;
  readonly all: readonly JwksKey[];
}

/** Keys beyond this many in one document are ignored (a JWKS normally holds two or three). */
export const MAX_JWKS_KEYS = 100;

const RSA_ALGS: readonly Algorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_ALGS: ReadonlyMap<unknown, Algorithm> = new Map([
  ['P-256', 'ES256'],
  ['P-384', 'ES384'],
  ['P-521', 'ES512'],
]);

/** Algorithms a JWK may verify, from its own members; empty for symmetric or unknown keys. */
function algorithmsFor(jwk: Record<string, unknown>): readonly Algorithm[] {
  let algs: readonly Algorithm[];
  switch (jwk.kty) {
    case 'RSA':
      algs = RSA_ALGS;
      break;
    case 'EC': {
      const alg = EC_ALGS.get(jwk.crv);
      algs = alg === undefined ? [] : [alg];
      break;
    }
    case 'OKP':
      algs = jwk.crv === 'Ed25519' || jwk.crv === 'Ed448' ? ['EdDSA'] : [];
      break;
    default:
      return []; // "oct" and anything else: never
  }
  if (jwk.alg === undefined) return algs;
  const declared = algs.find((a) => a === jwk.alg);
  return declared === undefined ? [] : [declared];
}

function usableForSignatures(jwk: Record<string, unknown>): boolean {
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return false;
  return true;
}

/** Parses a JWKS document. Unusable keys are skipped; throws when nothing usable remains. */
export function parseJwks(document: unknown): JwksKeySet {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('JWKS has no "keys" array');
  const all: JwksKey[] = [];
  const byKid = new Map<string, JwksKey[]>();
  const candidates: readonly unknown[] = keys.slice(0, MAX_JWKS_KEYS);
  for (const jwk of candidates) {
    if (!isJsonObject(jwk)) continue;
    if (!usableForSignatures(jwk)) continue;
    const algs = algorithmsFor(jwk);
    if (algs.length === 0) continue;
    let keyObject: KeyObject;
    try {
      keyObject = createPublicKey({ key: publicMembers(jwk), format: 'jwk' });
    } catch {
      continue;
    }
    const byAlg = new Map<string, PreparedKey>();
    for (const alg of algs) {
      try {
        byAlg.set(alg, preparePublicKey(specFor(alg), keyObject));
      } catch {
        // e.g. an RSA key under 2048 bits: skip the algorithm, and the key if nothing is left
      }
    }
    if (byAlg.size === 0) continue;
    const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
    const entry: JwksKey = { kid, byAlg };
    all.push(entry);
    if (kid !== undefined) {
      const list = byKid.get(kid);
      if (list) list.push(entry);
      else byKid.set(kid, [entry]);
    }
  }
  if (all.length === 0) throw new Error('JWKS holds no usable signing key');
  return { byKid, all };
}

const PUBLIC_MEMBERS = ['kty', 'n', 'e', 'crv', 'x', 'y'] as const;

/** Only the public members: a JWKS that leaks a private key must not make us hold it. */
function publicMembers(jwk: Record<string, unknown>): JsonWebKey {
  const out: Record<string, unknown> = {};
  for (const name of PUBLIC_MEMBERS) if (jwk[name] !== undefined) out[name] = jwk[name];
  return out;
}

export type KeyLookup = PreparedKey | 'unknown-kid' | 'wrong-alg' | 'ambiguous';

/** The key for a token's `kid` and `alg`. Without a kid, exactly one key may fit the algorithm. */
export function findKey(set: JwksKeySet, kid: string | undefined, alg: string): KeyLookup {
  if (kid !== undefined) {
    const entries = set.byKid.get(kid);
    if (entries === undefined) return 'unknown-kid';
    for (const entry of entries) {
      const key = entry.byAlg.get(alg);
      if (key !== undefined) return key;
    }
    return 'wrong-alg';
  }
  let found: PreparedKey | undefined;
  for (const entry of set.all) {
    const key = entry.byAlg.get(alg);
    if (key === undefined) continue;
    if (found !== undefined) return 'ambiguous';
    found = key;
  }
  return found ?? 'unknown-kid';
}
