// One issuer's signing keys: fetched lazily (and prefetched at startup), refreshed when an unknown
// `kid` shows up or the set grows old, never more than once per cooldown, and the last good set kept
// when a refresh fails.
import { GatewayError } from '../../errors/gateway-error.ts';
import { fetchJwks } from './jwks-fetch.ts';
import { findKey, parseJwks, type JwksKeySet, type KeyLookup } from './jwks-keys.ts';
import type { PreparedKey } from './verify-signature.ts';

export interface JwksCacheOptions {
  uri: string;
  timeoutMs: number;
  maxBytes: number;
  /** Least time between two fetch attempts, successful or not. */
  cooldownMs: number;
  /** Age after which the set is refetched in the background. */
  maxAgeMs: number;
}

export class JwksCache {
  readonly options: JwksCacheOptions;
  /** Fetch attempts so far (for tests and metrics). */
  fetches = 0;
  #keys: JwksKeySet | null = null;
  #loadedAt = 0;
  #lastAttempt = -Infinity;
  #inflight: Promise<void> | null = null;
  #lastError = '';

  constructor(options: JwksCacheOptions) {
    this.options = options;
  }

  /** Starts the first fetch if none has happened, so the first token does not wait for it. */
  prefetch(): void {
    if (this.#keys === null) void this.refresh();
  }

  /**
   * The key for a token's `kid` and `alg`. Synchronous when the cached set knows the kid; a Promise
   * when it has to fetch. Throws (or rejects with) a GatewayError otherwise.
   */
  key(kid: string | undefined, alg: string): PreparedKey | Promise<PreparedKey> {
    const keys = this.#keys;
    if (keys === null) return this.#afterRefresh(kid, alg);
    const now = Date.now();
    if (now - this.#loadedAt >= this.options.maxAgeMs) void this.refresh();
    const found = findKey(keys, kid, alg);
    if (typeof found !== 'string') return found;
    // An unknown kid may be a rotation we have not seen yet: look again, unless we did so just now.
    if (found === 'unknown-kid' && (this.#inflight !== null || this.#mayFetch(now))) return this.#afterRefresh(kid, alg);
    throw lookupError(found);
  }

  /**
   * Fetches the set again unless a fetch is running (joined) or the cooldown has not passed (no-op).
   * Never rejects: a failure keeps the previous keys and is remembered for the error detail.
   */
  refresh(): Promise<void> {
    if (this.#inflight !== null) return this.#inflight;
    const now = Date.now();
    if (!this.#mayFetch(now)) return Promise.resolve();
    this.#lastAttempt = now;
    this.fetches++;
    const run = async (): Promise<void> => {
      try {
        const keys = parseJwks(await fetchJwks(this.options.uri, this.options));
        this.#keys = keys;
        this.#loadedAt = Date.now();
        this.#lastError = '';
      } catch (err) {
        this.#lastError = err instanceof Error ? err.message : String(err);
      } finally {
        this.#inflight = null;
      }
    };
    this.#inflight = run();
    return this.#inflight;
  }

  #mayFetch(now: number): boolean {
    return now - this.#lastAttempt >= this.options.cooldownMs;
  }

  async #afterRefresh(kid: string | undefined, alg: string): Promise<PreparedKey> {
    await this.refresh();
    const keys = this.#keys;
    if (keys === null) {
      throw new GatewayError('JWKS_UNAVAILABLE', { detail: `signing keys could not be fetched: ${this.#lastError || 'retry later'}` });
    }
    const found = findKey(keys, kid, alg);
    if (typeof found !== 'string') return found;
    throw lookupError(found);
  }
}

function lookupError(found: Exclude<KeyLookup, PreparedKey>): GatewayError {
  switch (found) {
    case 'wrong-alg':
      return new GatewayError('JWT_INVALID_ALGORITHM', { detail: 'the key named by kid does not support the token\'s alg' });
    case 'ambiguous':
      return new GatewayError('JWT_UNKNOWN_KID', { detail: 'the token has no kid and the issuer publishes several keys for its alg' });
    default:
      return new GatewayError('JWT_UNKNOWN_KID', { detail: 'no key with the token\'s kid' });
  }
}
