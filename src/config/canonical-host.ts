// Hosts in the form the connection will use. getaddrinfo reads `2852039166`, `0xa9fea9fe`, `0251.0376.0251.0376`
// and `169.254.43518` all as 169.254.169.254: a host that is an IPv4 address in any of those forms is stored as
// its dotted quad, the form a service `url` already gets from the WHATWG URL parser, so what an operator reads
// is where traffic goes; a malformed one (`256.1.1.1`, `1.2.3.4.5`) is refused. Target ports are 1-65535.
import { isIPv6 } from 'node:net';

/**
 * WHATWG's "ends in a number": its IPv4 parser takes a host whose last label (one trailing dot aside) is
 * digits or `0x` hex, and so does getaddrinfo's inet_aton.
 */
function endsInNumber(host: string): boolean {
  const labels = host.replace(/\.$/, '').split('.');
  const last = labels.at(-1) ?? '';
  return /^\d+$/.test(last) || /^0x[0-9a-f]*$/i.test(last);
}

/** The dotted quad a numeric host stands for; undefined for a name; null for a numeric host that is no address. */
export function canonicalIpv4(host: string): string | null | undefined {
  if (!endsInNumber(host)) return undefined;
  try {
    const parsed = new URL(`http://${host}/`).hostname;
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** `host[:port]` or `[v6][:port]` with the host canonical and the port 1-65535; or why it cannot be. */
export function canonicalTarget(target: string): { target: string } | { error: string } {
  let host: string;
  let port: string | undefined;
  const v6 = /^\[([^\]]*)\](?::(.*))?$/.exec(target);
  const bracketed = v6?.[1];
  if (bracketed !== undefined) {
    if (!isIPv6(bracketed)) return { error: `Invalid target ('${target}'); not a valid hostname or ip address` };
    host = new URL(`http://[${bracketed}]/`).hostname;
    port = v6?.[2];
  } else if (target.indexOf(':') !== target.lastIndexOf(':')) {
    // an IPv6 address without brackets has no port (Kong's reading too)
    if (!isIPv6(target)) return { error: `Invalid target ('${target}'); not a valid hostname or ip address` };
    host = new URL(`http://[${target}]/`).hostname;
  } else {
    const colon = target.indexOf(':');
    host = colon < 0 ? target : target.slice(0, colon);
    port = colon < 0 ? undefined : target.slice(colon + 1);
    const v4 = canonicalIpv4(host);
    if (v4 === null) return { error: `Invalid target ('${target}'); not a valid hostname or ip address` };
    if (v4 !== undefined) host = v4;
  }
  if (port === undefined) return { target: host };
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return { error: `invalid port '${port}': must be between 1 and 65535` };
  return { target: `${host}:${Number(port)}` };
}
