// Checking a password against its scrypt hash costs ~50 ms of libuv's thread pool (secrets/password-hash.ts):
// fine once, ruinous on every request. A check is a pure function of (hash, password), so its successes are
// remembered, bounded and for a few minutes, under a keyed digest (HMAC-SHA256 with a random per-process
// key): a repeat request costs one HMAC and a map lookup, and memory never holds a password or a plain digest
// of one. Failures are never remembered. Checks of one pair in flight together share one scrypt run, and at
// most a few run at once, so wrong passwords cannot take the whole pool from DNS, files and other checks.
import { randomBytes } from 'node:crypto';
import { createHmacSha256 } from '../../secrets/envelope-codec.ts';
import { verifyPassword } from '../../secrets/password-hash.ts';

export interface PasswordCheckerOptions {
  /** Remembered successes at most; the least recently used go first. */
  maxEntries?: number;
  /** How long a success is remembered, from the check that proved it (not refreshed by use). */
  ttlMs?: number;
  /** scrypt runs at once; libuv's pool has 4 threads unless UV_THREADPOOL_SIZE says otherwise. */
  concurrency?: number;
  /** Checks waiting for a run at most; beyond, `check` answers BUSY at once. */
  maxWaiting?: number;
  now?: () => number;
}

/** Too many checks waiting: the caller answers 503 rather than queue without end. */
export const BUSY = Symbol('password checks busy');

export interface PasswordChecker {
  /** True when `password` matches `stored`; synchronous when this success is remembered. */
  check(password: string, stored: string): boolean | typeof BUSY | Promise<boolean | typeof BUSY>;
  /** Remembered successes now (for tests and metrics). */
  readonly size: number;
}

export function createPasswordChecker(options: PasswordCheckerOptions = {}): PasswordChecker {
  const maxEntries = options.maxEntries ?? 10_000;
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const concurrency = options.concurrency ?? 2;
  const maxWaiting = options.maxWaiting ?? 1_000;
  const now = options.now ?? Date.now;
  const digestOf = createHmacSha256(randomBytes(32));
  /** digest -> expiry (ms); Map keeps insertion order, so re-inserting on use makes the first key the least recent. */
  const remembered = new Map<string, number>();
  const inFlight = new Map<string, Promise<boolean | typeof BUSY>>();
  const waiting: (() => void)[] = [];
  let running = 0;

  function remember(digest: string): void {
    remembered.set(digest, now() + ttlMs);
    while (remembered.size > maxEntries) {
      const oldest = remembered.keys().next();
      if (oldest.done === true) break;
      remembered.delete(oldest.value);
    }
  }

  async function run(password: string, stored: string): Promise<boolean> {
    // A finished run hands its slot straight to the next waiter, so `running` never overshoots.
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await verifyPassword(password, stored).catch(() => false);
    } finally {
      const next = waiting.shift();
      if (next === undefined) running--;
      else next();
    }
  }

  return {
    check(password, stored) {
      // A PHC hash never holds `\n`: the pair has one encoding.
      const digest = digestOf(`${stored}\n${password}`);
      const expiry = remembered.get(digest);
      if (expiry !== undefined) {
        remembered.delete(digest);
        if (expiry > now()) {
          remembered.set(digest, expiry);
          return true;
        }
      }
      const pending = inFlight.get(digest);
      if (pending !== undefined) return pending;
      if (running >= concurrency && waiting.length >= maxWaiting) return BUSY;
      const checked = run(password, stored).then((ok) => {
        inFlight.delete(digest);
        if (ok) remember(digest);
        return ok;
      });
      inFlight.set(digest, checked);
      return checked;
    },
    get size() {
      return remembered.size;
    },
  };
}
