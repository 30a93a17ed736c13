// What the store needs from the keyring: envelope encryption for secrets it must give back (jwt HMAC secrets,
// plugin passwords, private keys) and a keyed one-way hash for secrets it only compares (API keys).
// Every stored value carries the id of the key that protects it, so a rotation knows what to re-wrap.

export interface SecretCodec {
  /** Id of the key new values are protected with. */
  readonly activeKeyId: string;
  /** Ids of every key the keyring holds (the active one first): what stored values may be under. */
  readonly keyIds: readonly string[];
  /** Plaintext -> self-describing envelope string (format version, key id, wrapped data key, iv, ciphertext, tag). */
  encrypt(plaintext: string): string;
  /** Envelope -> plaintext; throws SecretError('SECRET_KEY_UNKNOWN' | 'SECRET_CORRUPT') when it cannot. */
  decrypt(envelope: string): string;
  /** Key id an envelope or key hash was made with. */
  keyIdOf(stored: string): string;
  /** Same plaintext under the active key (re-wraps the data key only). */
  rewrap(envelope: string): string;
  /** API key -> `<scheme>:<key id>:<digest>` under the active key; the plaintext cannot be recovered from it. */
  hashApiKey(key: string): string;
  /** Every hash of `key` under each key the keyring holds, for lookups that must match keys hashed before a rotation. */
  apiKeyHashes(key: string): string[];
  /**
   * Key id -> check value (an HMAC under a key derived from that key): equal values prove the same key, and reveal
   * nothing about it. The store keeps them to refuse a node whose keyring differs from the cluster's.
   */
  keyCheckValues(): ReadonlyMap<string, string>;
}
