// Test-only helpers for the hmac-auth tests and bench: sign a request the way a Kong hmac-auth client does.
// Never imported by the plugin itself.
import { createHash, createHmac } from 'node:crypto';

/** `Sun, 06 Nov 1994 08:49:37 GMT` for now (or `offsetS` seconds from now). */
export function httpDate(offsetS = 0): string {
  return new Date(Date.now() + offsetS * 1000).toUTCString();
}

/** Base64 HMAC of `signing` under `secret`, `algorithm` as Kong names it (`hmac-sha256`). */
export function hmacBase64(algorithm: string, secret: string, signing: string): string {
  return createHmac(algorithm.replace(/^hmac-/, ''), secret)
    .update(signing)
    .digest('base64');
}

/** `SHA-256=<base64>` of `body`: the Digest header validate_request_body checks. */
export function bodyDigest(body: string | Buffer): string {
  return `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

export interface SignOptions {
  username: string;
  secret: string;
  algorithm?: string;
  /** Header values by lower-case name, for the names listed in `headers`. */
  values?: Record<string, string>;
  /** Names to sign, in order; `request-line` and `@request-target` need `method` and `uri`. */
  headers?: string[];
  method?: string;
  /** Path and query as sent. */
  uri?: string;
  httpVersion?: string;
}

/** The Authorization value a client computes (Kong's docs' format). */
export function hmacAuthorization(options: SignOptions): string {
  const algorithm = options.algorithm ?? 'hmac-sha256';
  const names = options.headers ?? ['date'];
  const lines = names.map((name) => {
    if (name === 'request-line') return `${options.method ?? 'GET'} ${options.uri ?? '/'} HTTP/${options.httpVersion ?? '1.1'}`;
    if (name === '@request-target') return `@request-target: ${(options.method ?? 'GET').toLowerCase()} ${options.uri ?? '/'}`;
    const value = options.values?.[name.toLowerCase()];
    return value === undefined ? `${name}:` : `${name}: ${value}`;
  });
  const signature = hmacBase64(algorithm, options.secret, lines.join('\n'));
  return `hmac username="${options.username}", algorithm="${algorithm}", headers="${names.join(' ')}", signature="${signature}"`;
}
