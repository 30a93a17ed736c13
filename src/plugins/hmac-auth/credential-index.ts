// The hmacauth_credentials of one compiled config, by username: built once per config and shared by every
// hmac-auth instance (PluginEnv.shared), so the request path does one map lookup.
import type { RowOf } from '../../schema/entity-catalogue.ts';
import type { PluginEnv } from '../contract.ts';
import { createSigner, type Signer } from './hmac-signer.ts';
import type { HmacAlgorithm } from './schema.ts';

/** A credential as the compiled config hands it over: `secret` in plaintext (decrypted from the store, or as a file gave it). */
export type HmacCredential = Pick<RowOf<'hmacauth_credentials'>, 'id' | 'consumerId' | 'username' | 'secret'>;

export interface CredentialIndex {
  /** The credential whose username is `username` as sent in a header (its bytes as latin1 characters). */
  byHeaderUsername(username: string): HmacCredential | undefined;
  /** `credential`'s signer for `algorithm`, its padded keys computed on first use; undefined without a secret. */
  signer(credential: HmacCredential, algorithm: HmacAlgorithm): Signer | undefined;
}

/**
 * Keys are the usernames' UTF-8 bytes spelled as latin1 characters, the way Node hands header values over:
 * a username is matched byte for byte, as Kong compares the header's bytes with the stored ones.
 */
export function buildCredentialIndex(rows: readonly HmacCredential[]): CredentialIndex {
  const byBytes = new Map<string, HmacCredential>();
  for (const row of rows) byBytes.set(Buffer.from(row.username, 'utf8').toString('latin1'), row);
  const signers = new WeakMap<HmacCredential, Map<HmacAlgorithm, Signer>>();
  return {
    byHeaderUsername: (username) => byBytes.get(username),
    signer(credential, algorithm) {
      if (credential.secret === undefined) return undefined;
      let own = signers.get(credential);
      if (own === undefined) signers.set(credential, (own = new Map<HmacAlgorithm, Signer>()));
      let signer = own.get(algorithm);
      if (signer === undefined) own.set(algorithm, (signer = createSigner(algorithm, credential.secret)));
      return signer;
    },
  };
}

/** This config's index, built by the first hmac-auth instance that asks. */
export function hmacCredentials(env: Pick<PluginEnv, 'entities' | 'shared'>): CredentialIndex {
  return env.shared('hmac-auth:credentials-by-username', () => buildCredentialIndex(env.entities.hmacauth_credentials), ['hmacauth_credentials']);
}
