// Kong's hmac-auth signature (access.lua's create_hash): the signing string built from the headers the
// client listed, its HMAC under the credential's secret, and a constant-time comparison with what was sent.
import { timingSafeEqual } from 'node:crypto';
import { createSigner, type Signer } from './hmac-signer.ts';
import type { HmacAlgorithm } from './schema.ts';

/** What the signing string is made of, as the client sent it. Strings hold bytes (latin1), as Lua's do. */
export interface SignedRequest {
  /** The method as sent (`GET`). */
  method: string;
  /** nginx's `$request_uri`: path and query exactly as sent, before any normalisation. */
  requestUri: string;
  /** `1.1`, `1.0`, `2.0`. */
  httpVersion: string;
  /** The first value of a request header the client sent (name in lower case), undefined when absent. */
  readonly header: (name: string) => string | undefined;
}

/**
 * One line per listed name, joined with `\n`: `name: value` for a header sent, `name:` for one absent,
 * `METHOD uri HTTP/x.y` for `request-line` and `@request-target: method uri` for `@request-target`.
 * Names are used as the client wrote them; the header is looked up case-insensitively, `_` also as `-`.
 */
export function signingString(request: SignedRequest, names: readonly string[]): string {
  const lines = names.map((name) => {
    // Kong consults a real header of these names first; no client sends one, and computing them always
    // keeps a header from standing in for the request line.
    if (name === 'request-line') return `${request.method} ${request.requestUri} HTTP/${request.httpVersion}`;
    if (name === '@request-target') return `${name}: ${request.method.toLowerCase()} ${request.requestUri}`;
    const value = lookupHeader(request, name);
    return value === undefined ? `${name}:` : `${name}: ${value}`;
  });
  return lines.join('\n');
}

/** nginx's `$http_<name>`: a listed `content_md5` also finds `Content-MD5`. */
export function lookupHeader(request: SignedRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  const value = request.header(lower);
  if (value !== undefined || !lower.includes('_')) return value;
  return request.header(lower.replace(/_/g, '-'));
}

/** HMAC of `signing` (bytes as latin1 characters) under `secret` (UTF-8, as stored). */
export function computeSignature(algorithm: HmacAlgorithm, secret: string, signing: string): Buffer {
  return createSigner(algorithm, secret)(Buffer.from(signing, 'latin1'));
}

/**
 * Whether `sent` (base64) is the HMAC of the signing string. A signature that is no base64 never matches
 * (ngx.decode_base64's rules: standard alphabet up to the first `=`, whatever follows it ignored).
 */
export function signatureMatches(signer: Signer, signing: string, sent: string): boolean {
  const decoded = decodeBase64(sent);
  if (decoded === null) return false;
  const expected = signer(Buffer.from(signing, 'latin1'));
  // The length of an HMAC is no secret; its bytes are compared in constant time.
  return decoded.length === expected.length && timingSafeEqual(decoded, expected);
}

const BASE64_CHARS = /^[A-Za-z0-9+/]*$/;

/** ngx.decode_base64: null when a character before the first `=` is not base64, or the length cannot be. */
export function decodeBase64(text: string): Buffer | null {
  const eq = text.indexOf('=');
  const data = eq === -1 ? text : text.slice(0, eq);
  if (!BASE64_CHARS.test(data) || data.length % 4 === 1) return null;
  return Buffer.from(data, 'base64');
}
