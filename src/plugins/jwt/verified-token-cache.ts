// Remembers tokens that passed verification, so a repeat request skips decoding and signature checks; a hit
// is the exact token string. Bounded, approximately least-recently-used: two generations of Maps, the older
// one dropped wholesale when the newer fills, so a hit costs one Map lookup.
//
// The Maps are keyed by the token's last KEY_LENGTH characters (its signature's tail) and each entry keeps the
// whole token, which a hit must equal. A Map hashes its key on every lookup (the request's token is a fresh
// string each time), and hashing the whole token made a hit cost grow with its length: an ES256 token is about 45
// characters longer than an HS256 one, an RS256 one about 300. Comparing two strings of equal length is far
// cheaper than hashing one. Two tokens sharing a tail (never seen for real signatures) only displace each other.
import type { ConsumerRecord } from '../../config/consumer-directory.ts';
import type { AuthenticatedCredential } from '../../gateway/context.ts';

export interface VerifiedToken {
  readonly consumer: ConsumerRecord;
  readonly credential: AuthenticatedCredential;
  /** Unix seconds: usable while validFrom <= now < validUntil; outside it, verify afresh. */
  readonly validFrom: number;
  readonly validUntil: number;
}

/** Characters of the token the Maps are keyed by: 22 base64url characters of signature are 132 random bits. */
const KEY_LENGTH = 22;

interface Entry {
  readonly token: string;
  readonly verified: VerifiedToken;
}

function keyOf(token: string): string {
  return token.length <= KEY_LENGTH ? token : token.slice(token.length - KEY_LENGTH);
}

export class VerifiedTokenCache {
  readonly #generationSize: number;
  #current = new Map<string, Entry>();
  #previous = new Map<string, Entry>();

  /** `maxEntries` 0 turns the cache off. */
  constructor(maxEntries: number) {
    this.#generationSize = Math.floor(maxEntries / 2);
  }

  get enabled(): boolean {
    return this.#generationSize > 0;
  }

  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  get(token: string): VerifiedToken | undefined {
    const key = keyOf(token);
    const hit = this.#current.get(key);
    if (hit !== undefined) return hit.token === token ? hit.verified : undefined;
    const old = this.#previous.get(key);
    if (old === undefined || old.token !== token) return undefined;
    // Still in use: carry it into the current generation so the next rotation keeps it.
    this.#previous.delete(key);
    this.#insert(key, old);
    return old.verified;
  }

  set(token: string, verified: VerifiedToken): void {
    if (this.#generationSize === 0) return;
    const key = keyOf(token);
    const entry = { token, verified };
    if (this.#current.has(key)) this.#current.set(key, entry);
    else this.#insert(key, entry);
  }

  delete(token: string): void {
    const key = keyOf(token);
    if (this.#current.get(key)?.token === token) this.#current.delete(key);
    if (this.#previous.get(key)?.token === token) this.#previous.delete(key);
  }

  #insert(key: string, entry: Entry): void {
    this.#current.set(key, entry);
    if (this.#current.size >= this.#generationSize) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
  }
}
