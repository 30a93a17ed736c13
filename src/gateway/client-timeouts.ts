// How long a client may take, as nginx bounds it: the request head (client_header_timeout), each pause in the
// request body (client_body_timeout) and the idle time between keep-alive requests (keepalive_timeout).
// Node enforces the head and keep-alive limits; the body's idle limit is watched here, for all requests at once.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { faultScope, LISTENER_SCOPE } from './fault-scope.ts';

export interface ClientTimeouts {
  /** Whole request head, from the connection (or the first byte of a keep-alive request) to its last header. */
  headerMs: number;
  /** Longest pause in the request body while the gateway is ready to read it (not the whole upload). */
  bodyMs: number;
  /** Idle keep-alive connection between two requests. */
  keepAliveMs: number;
}

export const DEFAULT_CLIENT_TIMEOUTS: ClientTimeouts = { headerMs: 10_000, bodyMs: 10_000, keepAliveMs: 60_000 };

/**
 * How often deadlines are checked: the slack on every limit. Node checks head deadlines only every
 * `connectionsCheckingInterval` (30 s by default, which is why a slow head used to survive ~58 s).
 */
export function checkIntervalMs(t: ClientTimeouts): number {
  return Math.max(25, Math.min(500, Math.floor(Math.min(t.headerMs, t.bodyMs) / 10)));
}

/** Node's server options for the head and keep-alive limits. */
export function serverTimeoutOptions(t: ClientTimeouts) {
  return {
    headersTimeout: t.headerMs,
    keepAliveTimeout: t.keepAliveMs,
    connectionsCheckingInterval: checkIntervalMs(t),
    requestTimeout: 0, // the body is bounded by its idle limit, not by a total: uploads may be long
  };
}

export interface BodyWatch {
  /** Set by whoever streams the body on (the upstream relay): on idle, fail that stream rather than the socket. */
  abortBody: ((err: Error) => void) | null;
  /** The idle limit was hit: the pipeline must not start proxying this body. */
  timedOut: boolean;
}

interface Entry extends BodyWatch {
  req: IncomingMessage;
  socket: Socket;
  lastBytes: number;
  lastProgress: number;
  onIdle(entry: Entry): void;
}

/**
 * Watches the request bodies being received, on one timer for the listener rather than one per request. A body
 * is idle while the gateway is ready to read (its buffer below the high-water mark) and the socket reads nothing;
 * a full buffer means the upstream is slow, which is the upstream's timeouts' business, not the client's.
 */
export class BodyIdleWatch {
  readonly #entries = new Set<Entry>();
  readonly #idleMs: number;
  readonly #intervalMs: number;
  readonly #onError: (err: unknown) => void;
  #timer: NodeJS.Timeout | null = null;

  constructor(idleMs: number, intervalMs: number, onError: (err: unknown) => void) {
    this.#idleMs = idleMs;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  /** Watch `req` until its body is complete or its socket is gone; `onIdle` runs once if it stalls. */
  watch(req: IncomingMessage, socket: Socket, onIdle: (watch: BodyWatch) => void): BodyWatch {
    const entry: Entry = { req, socket, lastBytes: socket.bytesRead, lastProgress: performance.now(), onIdle, abortBody: null, timedOut: false };
    this.#entries.add(entry);
    // Started outside the request that happens to be first: the timer must not carry (and keep) its scope.
    this.#timer ??= faultScope.run(LISTENER_SCOPE, () =>
      setInterval(() => {
        this.#scan();
      }, this.#intervalMs).unref(),
    );
    return entry;
  }

  /** Number of bodies being watched (tests, /status). */
  get size(): number {
    return this.#entries.size;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#entries.clear();
  }

  #scan(): void {
    const now = performance.now();
    for (const e of this.#entries) {
      const { req, socket } = e;
      if (req.complete || socket.destroyed) {
        this.#entries.delete(e);
        continue;
      }
      const bytes = socket.bytesRead;
      if (bytes !== e.lastBytes || req.readableLength >= req.readableHighWaterMark) {
        e.lastBytes = bytes;
        e.lastProgress = now;
        continue;
      }
      if (now - e.lastProgress < this.#idleMs) continue;
      this.#entries.delete(e);
      e.timedOut = true;
      try {
        e.onIdle(e);
      } catch (err) {
        this.#onError(err);
        socket.destroy();
      }
    }
    if (this.#entries.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }
}
