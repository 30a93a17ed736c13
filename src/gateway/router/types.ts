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
  | { kind: 'none' };

export interface Router {
  find(request: RouteRequest): RouteResult;
}
