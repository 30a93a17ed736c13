// Turns a jwt_secrets credential into a verification key once, and remembers it (or why it is unusable)
// for the life of the plugin instance.
import type { JwtCredential } from './credential-index.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { algorithmSpec } from './algorithms.ts';
import { invalidKey, prepareHmacKey, preparePublicKey, type PreparedKey } from './verify-signature.ts';

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export class CredentialKeys {
  readonly #secretIsBase64: boolean;
  // Keyed by the record itself: records live as long as the compiled config, and so does this instance.
  readonly #keys = new WeakMap<JwtCredential, PreparedKey | GatewayError>();

  constructor(secretIsBase64: boolean) {
    this.#secretIsBase64 = secretIsBase64;
  }

  /** The credential's key, or throws JWT_INVALID_KEY (remembered, so a broken PEM is parsed once). */
  get(credential: JwtCredential): PreparedKey {
    let entry = this.#keys.get(credential);
    if (entry === undefined) {
      try {
        entry = this.#prepare(credential);
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        entry = err;
      }
      this.#keys.set(credential, entry);
    }
    if (entry instanceof GatewayError) throw entry;
    return entry;
  }

  #prepare(credential: JwtCredential): PreparedKey {
    const spec = algorithmSpec(credential.algorithm);
    if (spec === undefined) throw invalidKey(`unsupported credential algorithm ${credential.algorithm}`);
    if (spec.family !== 'HS') {
      if (!credential.rsa_public_key) throw invalidKey(`${spec.name} credential has no rsa_public_key`);
      return preparePublicKey(spec, credential.rsa_public_key);
    }
    const secret = credential.secret;
    if (!secret) throw invalidKey('credential has no secret');
    // Kong decodes the secret for every algorithm; only an HMAC secret can sensibly be base64.
    if (!this.#secretIsBase64) return prepareHmacKey(spec, Buffer.from(secret, 'utf8'));
    if (!BASE64.test(secret) || secret.replace(/=+$/, '').length % 4 === 1) throw invalidKey('secret is not valid base64');
    return prepareHmacKey(spec, Buffer.from(secret, 'base64'));
  }
}
