// Where a JWKS fetch may connect: public addresses only, unless the operator lets named private networks in
// (`--jwks-allow-private` / PORTCULLIS_JWKS_ALLOW_PRIVATE). An issuer URL is admin input, and a fetch to a
// loopback port or an internal host would be a blind SSRF.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { parseCidrList } from '../../net/ip-ranges.ts';

/**
 * Never a JWKS server unless allowed: loopback, RFC 1918, CGNAT, link-local (cloud metadata), unspecified,
 * benchmarking, multicast and reserved space, ULA and site-local IPv6. BlockList matches IPv4-mapped IPv6
 * (`::ffff:127.0.0.1`) against the IPv4 rules.
 */
const NON_PUBLIC: readonly [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 96, 'ipv6'], // unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d
  ['64:ff9b:1::', 48, 'ipv6'], // local-use NAT64 (RFC 8215)
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

const nonPublic = new BlockList();
for (const [address, prefix, type] of NON_PUBLIC) nonPublic.addSubnet(address, prefix, type);

/** Parses the operator's list (`10.0.0.0/8,127.0.0.1`); throws on anything that is not an address or CIDR. */
export function parseAllowedNetworks(cidrs: readonly string[]): BlockList {
  return parseCidrList(cidrs, 'JWKS network');
}

/** Why `address` (an IP literal) may not be fetched from, or null when it may. */
export function refusedAddress(address: string, allowed: BlockList | undefined): string | null {
  const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
  if (type === null) return `'${address}' is not an IP address`;
  if (!nonPublic.check(address, type)) return null;
  if (allowed !== undefined && allowed.check(address, type)) return null;
  return `${address} is a loopback, private, link-local or reserved address (allow it with --jwks-allow-private)`;
}
