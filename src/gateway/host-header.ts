// The Host header checked against RFC 9110 §7.2 / RFC 3986 §3.2.2 and split into host and port, once per request.
/*
 * Accepted: a DNS-style name (letters, digits, `-`, `_`, `~`, dot-separated non-empty labels, one optional
 * trailing dot), an IPv4 address (a name of digits and dots), or a bracketed IPv6 address; then optionally
 * `:` and a port from 1 to 65535. Everything else is refused with 400 HOST_INVALID: spaces, userinfo
 * (`127.0.0.1:8080@evil.test`), an empty or non-numeric port, control characters, bytes above ASCII, empty
 * labels, IPv6 zone ids and IPvFuture. Stricter than RFC 3986's reg-name on purpose: its sub-delims and
 * percent-escapes (`a,b`, `a;b`, `%65`) never occur in real host names, and `,` / `;` would split
 * X-Forwarded-Host or Forwarded into two values for the upstream's parser.
 * One scan with a lookup table, no regex or allocation for a lower-case name: it runs on every request.
 */
import { isIPv6 } from 'node:net';
import { GatewayError } from '../errors/gateway-error.ts';

const DOT = 0x2e;
const COLON = 0x3a;
const OPEN = 0x5b;

/** 1: allowed in a name label; 2: an upper-case letter (allowed, lower-cased). */
const NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[a-z0-9_~-]/.test(ch)) NAME[c] = 1;
  else if (/[A-Z]/.test(ch)) NAME[c] = 2;
}

export interface ParsedHost {
  /** Lower case, no port, no trailing dot (as nginx gives Kong `ngx.var.host`); IPv6 keeps its brackets. */
  host: string;
  /** The port in the header, else the port the connection arrived on. */
  port: number;
}

/** `undefined` (an HTTP/1.0 request without Host; HTTP/1.1 ones are refused by Node first) is an empty host. */
export function parseHostHeader(value: string | undefined, localPort: number): ParsedHost {
  if (value === undefined) return { host: '', port: localPort };
  const len = value.length;
  let host: string;
  let i = 0;
  if (value.charCodeAt(0) === OPEN) {
    const close = value.indexOf(']');
    if (close < 0) throw invalid('Host header has an unclosed IPv6 bracket');
    const inner = value.slice(1, close);
    // isIPv6 alone would take a zone id (`fe80::1%eth0`)
    if (!/^[0-9a-fA-F:.]+$/.test(inner) || !isIPv6(inner)) throw invalid('Host header has an invalid IPv6 address');
    host = `[${inner.toLowerCase()}]`;
    i = close + 1;
  } else {
    let label = 0;
    let upper = false;
    for (; i < len; i++) {
      const c = value.charCodeAt(i);
      if (c === DOT) {
        if (label === 0) throw invalid('Host header has an empty label');
        label = 0;
        continue;
      }
      if (c === COLON) break;
      const kind = c < 128 ? NAME[c] : 0;
      if (kind === 0) throw invalid('Host header is not a host name, IPv4 or bracketed IPv6 address, with an optional port');
      if (kind === 2) upper = true;
      label++;
    }
    if (i === 0) throw invalid('Host header has an empty host');
    const end = value.charCodeAt(i - 1) === DOT ? i - 1 : i;
    host = end === len ? value : value.slice(0, end);
    if (upper) host = host.toLowerCase();
  }
  if (i === len) return { host, port: localPort };
  if (value.charCodeAt(i) !== COLON || len - i - 1 < 1 || len - i - 1 > 5) throw invalid('Host header port is not a number from 1 to 65535');
  let port = 0;
  for (let j = i + 1; j < len; j++) {
    const d = value.charCodeAt(j) - 0x30;
    if (d < 0 || d > 9) throw invalid('Host header port is not a number from 1 to 65535');
    port = port * 10 + d;
  }
  if (port === 0 || port > 65535) throw invalid('Host header port is not a number from 1 to 65535');
  return { host, port };
}

function invalid(detail: string): GatewayError {
  return new GatewayError('HOST_INVALID', { detail });
}
