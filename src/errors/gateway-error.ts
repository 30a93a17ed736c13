// The one error type the request path throws: a catalogue code plus optional detail and headers.
import { catalogue, type ErrorCode } from './catalogue.ts';

export interface GatewayErrorOptions {
  /** Human detail for this occurrence (never a secret, never a token). */
  detail?: string;
  /** Overrides the catalogue's Kong-compatible `message` (e.g. "No mandatory 'sub' in claims"). */
  message?: string;
  /** Extra response headers, e.g. `WWW-Authenticate`, `Retry-After`, `Allow`. */
  headers?: Record<string, string>;
  /** Overrides the catalogue status where the code allows a family (e.g. redirects 301/302/307/308). */
  status?: number;
  cause?: unknown;
  /** Per-field messages (admin API validation), keyed by field path, e.g. `{ "routes[0].paths[1]": "…" }`. */
  fields?: Record<string, string>;
  /**
   * Extra top-level members of the problem body (RFC 9457 extension members), for clients written against
   * Kong bodies such as jwt's `{"exp":"token expired"}`. Never overrides the problem's own members.
   */
  extensions?: Readonly<Record<string, string>>;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly kongMessage: string;
  readonly headers: Record<string, string> | undefined;
  readonly fields: Record<string, string> | undefined;
  /** The plugin that refused, set once by the pipeline; the problem body names it (Kong's `message` stays as is). */
  plugin: string | undefined = undefined;
  readonly extensions: Readonly<Record<string, string>> | undefined;

  constructor(code: ErrorCode, options: GatewayErrorOptions = {}) {
    const spec = catalogue[code];
    super(options.detail ?? spec.title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status ?? spec.status;
    this.detail = options.detail;
    this.kongMessage = options.message ?? spec.message;
    this.headers = options.headers;
    this.fields = options.fields;
    this.extensions = options.extensions;
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

/** Names the plugin a refusal came from, unless something closer to the refusal already did. */
export function refusedBy(err: unknown, plugin: string): unknown {
  if (err instanceof GatewayError && err.plugin === undefined) err.plugin = plugin;
  return err;
}
