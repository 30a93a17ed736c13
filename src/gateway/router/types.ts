// The router's contract: routes in (validated entities), a frozen matcher out. Pure: no I/O, no config lookups.
import type { Route } from '../../schema/entities/route.ts';

/** What the router needs about a route; `id` is always set once config is compiled. */
export type RouterRoute = Route & { id: string };

export interface RouteRequest {
  /** Upper-case method. */
  method: string;
  /** Host header value without port, lower case. */
  host: string;
  /** Port the client connected to (or from the Host header). */
  port?: number;
  /** Normalised path (see ../path/normalize.ts), never containing a query. */
  path: string;
  /** Request headers, lower-case names (Node's IncomingHttpHeaders). */
  headers: Record<string, string | string[] | undefined>;
  /** 'http' or 'https'. */
  scheme: 'http' | 'https';
  /** TLS SNI the client sent (https only); routes with `snis` never match an https request without one. */
  sni?: string;
  /** A WebSocket handshake (`Upgrade: websocket`): what `ws`/`wss` routes accept, besides `http`/`https`. */
  upgrade?: boolean;
}

export type RouteResult =
  | {
      kind: 'match';
      route: RouterRoute;
      /** The part of the path the route matched (prefix or the regex's full match); what strip_path removes. */
      matchedPath: string;
      /** Named and positional captures of a regex path, as Kong exposes them (uri_captures). */
      captures?: Record<string, string>;
    }
  | { kind: 'method-not-allowed'; allow: string[] }
  /**
   * The best route is https-only and the request came over http: Kong answers 426 "Please use HTTPS
   * protocol" (or redirects, per the route's https_redirect_status_code) instead of trying other routes.
   */
  | { kind: 'https-required'; route: RouterRoute }
  /**
   * The best route serves WebSockets only (`ws`/`wss` for this scheme) and the request is no handshake: 426
   * Upgrade Required, no fall-through, like Kong's answer to a non-gRPC request on a gRPC route.
   */
  | { kind: 'websocket-required'; route: RouterRoute }
  | { kind: 'none' };

export interface Router {
  /** Results may be shared, frozen objects (prefix matches allocate nothing): treat them as read-only. */
  find(request: RouteRequest): RouteResult;
}
