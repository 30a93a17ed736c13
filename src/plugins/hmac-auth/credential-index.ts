// The hmac-auth credentials of one compiled config, by username: built once and shared by every instance
// of the plugin, so the request path does one map lookup.

/** A `hmacauth_credentials` row as the compiled config hands it over (foreign key as `consumerId`). */
export interface HmacCredential {
  readonly id: string;
  readonly consumerId: string;
  readonly username: string;
  /** The plaintext secret (decrypted from the store, or as a declarative file gave it). */
  readonly secret?: string;
}

export interface CredentialIndex {
  /** The credential whose username is `username` as sent in a header (its bytes as latin1 characters). */
  byHeaderUsername(username: string): HmacCredential | undefined;
}

/**
 * Keys are the usernames' UTF-8 bytes spelled as latin1 characters, the way Node hands header values over:
 * a username is matched byte for byte, as Kong compares the header's bytes with the stored ones.
 */
export function buildCredentialIndex(rows: readonly HmacCredential[]): CredentialIndex {
  const byBytes = new Map<string, HmacCredential>();
  for (const row of rows) byBytes.set(Buffer.from(row.username, 'utf8').toString('latin1'), row);
  return { byHeaderUsername: (username) => byBytes.get(username) };
}
