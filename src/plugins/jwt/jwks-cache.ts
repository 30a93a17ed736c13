// One issuer's signing keys: fetched lazily (and prefetched once the config is served), refreshed when an
// unknown `kid` shows up or the set grows old, never more than once per cooldown, the last good set kept
// when a refresh fails, and every failure logged (at most one line per FAILURE_LOG_INTERVAL_MS).
import type { BlockList } from 'node:net';
import type { Logger } from 'pino';
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

export interface JwksCacheEnv {
  logger: Logger;
  /** Non-public networks the operator allowed JWKS fetches to reach (none when absent). */
  allowedNetworks?: BlockList;
}

/** Failures are logged at most this often per issuer; the lines in between are counted, not lost. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

export class JwksCache {
  readonly options: JwksCacheOptions;
  /** Fetch attempts so far (for tests and metrics). */
  fetches = 0;
  #keys: JwksKeySet | null = null;
  #loadedAt = 0;
  #lastAttempt = -Infinity;
  #inflight: Promise<void> | null = null;
  #lastError = '';
  readonly #env: JwksCacheEnv;
  #closed = false;
  #prefetchTimer: NodeJS.Timeout | null = null;
  #lastFailureLog = -Infinity;
  #unloggedFailures = 0;

  constructor(options: JwksCacheOptions, env: JwksCacheEnv) {
    this.options = options;
    this.#env = env;
  }

  /**
   * Starts the first fetch soon (once the build that asked has finished), so the first token does not wait
   * for it. A trial build (an admin write being checked) never asks (PluginEnv.trial).
   */
  prefetch(): void {
    if (this.#keys !== null || this.#prefetchTimer !== null || this.#closed) return;
    this.#prefetchTimer = setTimeout(() => {
      this.#prefetchTimer = null;
      if (!this.#closed && this.#keys === null) void this.refresh();
    }, 0);
    this.#prefetchTimer.unref();
  }

  /** No more fetches (the config that wanted this issuer is gone). */
  close(): void {
    this.#closed = true;
    if (this.#prefetchTimer !== null) clearTimeout(this.#prefetchTimer);
    this.#prefetchTimer = null;
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
    if (this.#closed || !this.#mayFetch(now)) return Promise.resolve();
    this.#lastAttempt = now;
    this.fetches++;
    const run = async (): Promise<void> => {
      try {
        const keys = parseJwks(await fetchJwks(this.options.uri, { ...this.options, allowedNetworks: this.#env.allowedNetworks }));
        this.#keys = keys;
        this.#loadedAt = Date.now();
        this.#lastError = '';
      } catch (err) {
        this.#lastError = err instanceof Error ? err.message : String(err);
        this.#logFailure();
      } finally {
        this.#inflight = null;
      }
    };
    this.#inflight = run();
    return this.#inflight;
  }

  #logFailure(): void {
    const now = Date.now();
    if (now - this.#lastFailureLog < FAILURE_LOG_INTERVAL_MS) {
      this.#unloggedFailures++;
      return;
    }
    this.#lastFailureLog = now;
    const suppressed = this.#unloggedFailures;
    this.#unloggedFailures = 0;
    this.#env.logger.warn(
      {
        jwks_uri: safeUri(this.options.uri),
        err: this.#lastError,
        keeping_previous_keys: this.#keys !== null,
        ...(suppressed > 0 ? { failures_not_logged: suppressed } : {}),
      },
      'JWKS fetch failed',
    );
  }

  #mayFetch(now: number): boolean {
    return now - this.#lastAttempt >= this.options.cooldownMs;
  }

  async #afterRefresh(kid: string | undefined, alg: string): Promise<PreparedKey> {
    await this.refresh();
    const keys = this.#keys;
    if (keys === null) {
      // The reason (an internal address, a connect error) is for the log, not for the client.
      throw new GatewayError('JWKS_UNAVAILABLE', { detail: "the issuer's signing keys could not be fetched; retry later" });
    }
    const found = findKey(keys, kid, alg);
    if (typeof found !== 'string') return found;
    throw lookupError(found);
  }
}

/** The issuer URL for logs: no userinfo, query or fragment (where a key server's access token would sit). */
export function safeUri(uri: string): string {
  try {
    const url = new URL(uri);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function lookupError(found: Exclude<KeyLookup, PreparedKey>): GatewayError {
  switch (found) {
    case 'wrong-alg':
      return new GatewayError('JWT_INVALID_ALGORITHM', { detail: "the key named by kid does not support the token's alg" });
    case 'ambiguous':
      return new GatewayError('JWT_UNKNOWN_KID', { detail: 'the token has no kid and the issuer publishes several keys for its alg' });
    default:
      return new GatewayError('JWT_UNKNOWN_KID', { detail: "no key with the token's kid" });
  }
}
