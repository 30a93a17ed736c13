// The Host header checked against RFC 9110 §7.2 / RFC 3986 §3.2.2 and split into host and port, once per request.
/*
 * Accepted: a DNS-style name (letters, digits, `-`, `_`, `~`, dot-separated non-empty labels, one optional
 * trailing dot), an IPv4 address (a name of digits and dots), or a bracketed IPv6 address; then optionally
 * `:` and a port from 1 to 65535. Everything else is refused with 400 HOST_INVALID: spaces,
 * userinfo (`127.0.0.1:8080@evil.test`), an empty or non-numeric port, control characters, bytes above
 * ASCII, empty labels. Stricter than RFC 3986's reg-name on purpose: its sub-delims and percent-escapes
 * (`a,b`, `a;b`, `%65`) never occur in real host names, and `,` / `;` would split X-Forwarded-Host or
 * Forwarded into two values for the upstream's parser.
 */
import { isIPv6 } from 'node:net';
import { GatewayError } from '../errors/gateway-error.ts';

const HOST = /^(?:([a-z0-9_~-]+(?:\.[a-z0-9_~-]+)*\.?)|\[([0-9a-f:.]+)\])(?::([0-9]{1,5}))?$/i;

export interface ParsedHost {
  /** Lower case, no port, no trailing dot (as nginx gives Kong `ngx.var.host`); IPv6 keeps its brackets. */
  host: string;
  /** The port in the header, else the port the connection arrived on. */
  port: number;
}

/** `undefined` (an HTTP/1.0 request without Host; HTTP/1.1 ones are refused by Node first) is an empty host. */
export function parseHostHeader(value: string | undefined, localPort: number): ParsedHost {
  if (value === undefined) return { host: '', port: localPort };
  const m = HOST.exec(value);
  if (m === null) throw invalid('Host header is not a host name, IPv4 or bracketed IPv6 address, with an optional port');
  let port = localPort;
  if (m[3] !== undefined) {
    port = Number(m[3]);
    if (port === 0 || port > 65535) throw invalid('Host header port is out of range');
  }
  if (m[2] !== undefined) {
    if (!isIPv6(m[2])) throw invalid('Host header has an invalid IPv6 address');
    return { host: `[${m[2].toLowerCase()}]`, port };
  }
  let host = m[1];
  if (host.charCodeAt(host.length - 1) === 0x2e) host = host.slice(0, -1);
  return { host: host.toLowerCase(), port };
}

function invalid(detail: string): GatewayError {
  return new GatewayError('HOST_INVALID', { detail });
}
