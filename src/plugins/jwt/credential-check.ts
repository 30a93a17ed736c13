// A jwt_secrets credential's key material checked where it is written (declarative file, admin API): HMAC
// secrets as long as their hash, public keys that parse, fit the algorithm and are public. The gateway's
// own CredentialKeys refuses the same at request time for rows that never went through here.
import { createPrivateKey } from 'node:crypto';
import { GatewayError } from '../../errors/gateway-error.ts';
import { fieldPath, type FieldError } from '../../schema/validate.ts';
import { algorithmSpec, hmacMinimumBytes } from './algorithms.ts';
import { preparePublicKey } from './verify-signature.ts';

/** Errors for one credential's fields (schema already applied: `algorithm` has its default). */
export function jwtSecretErrors(fields: Record<string, unknown>, path: string): FieldError[] {
  const spec = algorithmSpec(fields.algorithm ?? 'HS256');
  if (spec === undefined) return []; // the schema reports it
  if (spec.family === 'HS') {
    const secret = fields.secret;
    // absent on a partial update: the stored secret stays (and is checked when used)
    if (typeof secret !== 'string') return [];
    const minimum = hmacMinimumBytes(spec);
    const length = Buffer.byteLength(secret, 'utf8');
    if (length >= minimum) return [];
    return [
      {
        path: fieldPath(path, 'secret'),
        message: `must be at least ${minimum} bytes for ${spec.name}, got ${length}: RFC 7518 §3.2 requires an HMAC key at least as long as the hash output`,
      },
    ];
  }
  const at = fieldPath(path, 'rsa_public_key');
  const pem = fields.rsa_public_key;
  if (typeof pem !== 'string' || pem.trim() === '') {
    return [{ path: at, message: `required for ${spec.name} credentials: the PEM public key that verifies their tokens` }];
  }
  if (isPrivateKey(pem)) {
    return [{ path: at, message: 'is a private key: give the public key only (this field is stored and shown in plain text)' }];
  }
  try {
    preparePublicKey(spec, pem);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return [{ path: at, message: `unusable for ${spec.name}: ${err.detail ?? err.message}` }];
  }
  return [];
}

function isPrivateKey(pem: string): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}
