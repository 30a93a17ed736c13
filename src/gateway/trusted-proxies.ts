// Which peers may tell us the client's address: Kong's `trusted_ips` + `real_ip_header` X-Forwarded-For.
import type { Indexed } from './indexed.ts';
import { isIPv4, isIPv6 } from 'node:net';
import { parseCidrList, unmap } from '../net/ip-ranges.ts';

export interface TrustedProxies {
  /** True when the socket peer is a trusted proxy whose X-Forwarded-* headers we keep. */
  trusts(address: string): boolean;
  /** The client address: the right-most X-Forwarded-For entry that is not itself a trusted proxy. */
  clientIp(peer: string, xff: string | undefined): string;
}

export function createTrustedProxies(cidrs: readonly string[]): TrustedProxies {
  const list = parseCidrList(cidrs, 'trusted proxy');
  const empty = cidrs.length === 0;
  const trusts = (address: string) => {
    if (empty) return false;
    const plain = unmap(address);
    return list.check(plain, isIPv6(plain) ? 'ipv6' : 'ipv4');
  };
  return {
    trusts,
    clientIp(peer, xff) {
      const direct = unmap(peer);
      if (!xff || !trusts(direct)) return direct;
      const hops: Indexed<string> = xff.split(',');
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = unmap((hops[i] ?? '').trim());
        if (!isIPv4(hop) && !isIPv6(hop)) return direct;
        if (!trusts(hop)) return hop;
      }
      return unmap((hops[0] ?? '').trim());
    },
  };
}
