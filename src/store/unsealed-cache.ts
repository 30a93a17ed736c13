// Decrypted secret envelopes kept between snapshots: every admin write reads the whole configuration, and
// decrypting each jwt secret or plugin password again costs ~40 µs a row (two AES-GCM setups). An envelope
// is immutable (a fresh data key and IV per value; a rekey writes a new envelope), so its plaintext never
// changes. The plaintexts are those the compiled config holds anyway; only envelopes seen
// by the latest snapshot are kept.
import type { SecretCodec } from '../secrets/secret-codec.ts';
import { parseSecretValues, type SecretValues } from './sealed-secrets.ts';

export interface UnsealedCache {
  /** One snapshot's reads: `open` decrypts (or remembers), `done` keeps what this read saw for the next one. */
  session(): { open(envelope: string | null): SecretValues; done(): void };
}

export function createUnsealedCache(codec: SecretCodec): UnsealedCache {
  let known = new Map<string, string>();
  return {
    session() {
      const seen = new Map<string, string>();
      return {
        open(envelope) {
          if (envelope === null) return {};
          let plain = seen.get(envelope) ?? known.get(envelope);
          if (plain === undefined) plain = codec.decrypt(envelope);
          seen.set(envelope, plain);
          // Parsed per read: each snapshot owns its objects.
          return parseSecretValues(plain);
        },
        done() {
          known = seen;
        },
      };
    },
  };
}
