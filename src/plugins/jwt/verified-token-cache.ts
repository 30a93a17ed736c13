// Remembers tokens that passed verification, keyed by the exact token string, so a repeat request
// skips decoding and signature checks. Bounded, approximately least-recently-used: two generations of
// Maps, the older one dropped wholesale when the newer fills, so a hit costs one Map lookup.
import type { ConsumerRecord } from '../../config/consumer-directory.ts';
import type { AuthenticatedCredential } from '../../gateway/context.ts';

export interface VerifiedToken {
  readonly consumer: ConsumerRecord;
  readonly credential: AuthenticatedCredential;
  /** Unix seconds: usable while validFrom <= now < validUntil; outside it, verify afresh. */
  readonly validFrom: number;
  readonly validUntil: number;
}

export class VerifiedTokenCache {
  readonly #generationSize: number;
  #current = new Map<string, VerifiedToken>();
  #previous = new Map<string, VerifiedToken>();

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
    const hit = this.#current.get(token);
    if (hit !== undefined) return hit;
    const old = this.#previous.get(token);
    if (old !== undefined) {
      // Still in use: carry it into the current generation so the next rotation keeps it.
      this.#previous.delete(token);
      this.#insert(token, old);
    }
    return old;
  }

  set(token: string, entry: VerifiedToken): void {
    if (this.#generationSize === 0) return;
    if (this.#current.has(token)) this.#current.set(token, entry);
    else this.#insert(token, entry);
  }

  delete(token: string): void {
    this.#current.delete(token);
    this.#previous.delete(token);
  }

  #insert(token: string, entry: VerifiedToken): void {
    this.#current.set(token, entry);
    if (this.#current.size >= this.#generationSize) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
  }
}
