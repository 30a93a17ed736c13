// Typed failures of the keyring and the secret codec. Messages name keys by id and files by path, never a
// key, a plaintext or a stored value, so they are safe to log and show.

export type SecretErrorCode =
  /** No key source configured (no env key, no key file, no data directory). */
  | 'SECRET_KEY_MISSING'
  /** A key or key list is malformed: wrong length, not base64, bad or duplicate id, unsafe key file. */
  | 'SECRET_KEY_INVALID'
  /** A stored value names a key id the keyring does not hold (removed before a rekey, or a different keyring). */
  | 'SECRET_KEY_UNKNOWN'
  /** A stored value is malformed or fails authentication (tampered, truncated, or wrapped under another key). */
  | 'SECRET_CORRUPT'
  /** The keyring does not hold the keys the store was keyed with (a node started with the wrong key). */
  | 'SECRET_KEY_MISMATCH';

export class SecretError extends Error {
  readonly code: SecretErrorCode;

  constructor(code: SecretErrorCode, message: string) {
    super(message);
    this.name = 'SecretError';
    this.code = code;
  }
}
