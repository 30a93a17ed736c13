// Signature checks on node:crypto: HMAC for HS*, crypto.verify for the rest, with the key's options
// prepared once so a verification allocates as little as possible.
import { createHmac, createPublicKey, createSecretKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { GatewayError } from '../../errors/gateway-error.ts';
import { hmacMinimumBytes, keyMismatch, verifyKeyInput, type AlgorithmSpec } from './algorithms.ts';
import type { DecodedToken } from './decode-token.ts';

/** A key made ready for exactly one algorithm. */
export type PreparedKey =
  | { readonly spec: AlgorithmSpec; readonly kind: 'hmac'; readonly hash: string; readonly secret: KeyObject }
  | { readonly spec: AlgorithmSpec; readonly kind: 'public'; readonly input: ReturnType<typeof verifyKeyInput> };

export function invalidKey(detail: string): GatewayError {
  return new GatewayError('JWT_INVALID_KEY', { detail });
}

/** HMAC key from raw secret bytes. */
export function prepareHmacKey(spec: AlgorithmSpec, secret: Buffer): PreparedKey {
  if (spec.family !== 'HS') throw invalidKey(`${spec.name} does not take a shared secret`);
  if (spec.hash === null) throw invalidKey(`${spec.name} has no HMAC digest`);
  if (secret.length === 0) throw invalidKey('empty secret');
  const minimum = hmacMinimumBytes(spec);
  if (secret.length < minimum) throw invalidKey(`${spec.name} secret shorter than ${minimum} bytes (RFC 7518 §3.2)`);
  return { spec, kind: 'hmac', hash: spec.hash, secret: createSecretKey(secret) };
}

/**
 * Public key for an asymmetric algorithm, from a PEM string or an already imported KeyObject. The
 * key's type must fit the algorithm; a public key can never become an HMAC secret here.
 */
export function preparePublicKey(spec: AlgorithmSpec, source: string | KeyObject): PreparedKey {
  if (spec.family === 'HS') throw invalidKey(`${spec.name} needs a shared secret, not a public key`);
  let key: KeyObject;
  try {
    key = typeof source === 'string' ? createPublicKey(source) : source;
  } catch {
    throw invalidKey('public key is not valid PEM');
  }
  const mismatch = keyMismatch(spec, key);
  if (mismatch !== null) throw invalidKey(mismatch);
  return { spec, kind: 'public', input: verifyKeyInput(spec, key) };
}

/** True when `token`'s signature is valid under `key`. The caller has matched `token.alg` to `key.spec`. */
export function verifySignature(token: DecodedToken, key: PreparedKey): boolean {
  const spec = key.spec;
  const signature = token.signature;
  if (key.kind === 'hmac') {
    const expected = createHmac(key.hash, key.secret).update(token.signingInput).digest();
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  }
  if (spec.signatureLength !== undefined && signature.length !== spec.signatureLength) return false;
  try {
    return verify(spec.hash, Buffer.from(token.signingInput, 'latin1'), key.input, signature);
  } catch {
    // Malformed signatures (wrong size for the key, bad encodings) are just invalid.
    return false;
  }
}
