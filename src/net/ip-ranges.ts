// The one place IP addresses and CIDR blocks are parsed and matched, on node:net's BlockList: operator lists
// (--trusted-proxies, --jwks-allow-private) and ip-restriction's allow/deny lists refuse the same malformed
// entries the same way. Below the gateway and the plugins, so both import it without reaching into each other.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export type IpType = 'ipv4' | 'ipv6';

/** An entry of a list: an address, its family, and its prefix length (32 or 128 for a single host). */
export interface IpOrCidr {
  address: string;
  type: IpType;
  prefix: number;
}

/** `::ffff:0:0/96`: IPv4 addresses written as IPv6 (what a dual-stack socket reports for an IPv4 peer). */
const IPV4_MAPPED = new BlockList();
IPV4_MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6');

/** Verdicts an IpMatcher remembers; past this many distinct clients it forgets them all and starts again. */
const VERDICT_LIMIT = 4096;

/** A prefix length as written by people: no sign, no leading zero (`/08` is refused, not read as 8). */
const PREFIX = /^(0|[1-9][0-9]{0,2})$/;

/** The family of an address literal (IPv6 zones allowed, as sockets report them), or null when it is none. */
export function ipType(address: string): IpType | null {
  return isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
}

/** `10.0.0.0/8`, `::1`, … parsed strictly (no zone, prefix within the family), or null. */
export function parseIpOrCidr(entry: string): IpOrCidr | null {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const type = address.includes('%') ? null : ipType(address);
  if (type === null) return null;
  const max = type === 'ipv4' ? 32 : 128;
  if (slash < 0) return { address, type, prefix: max };
  const bits = entry.slice(slash + 1);
  if (!PREFIX.test(bits) || Number(bits) > max) return null;
  return { address, type, prefix: Number(bits) };
}

/** Kong's `ip_or_cidr`: an IPv4/IPv6 address, optionally with a prefix length (/0-32, /0-128). */
export function isIpOrCidr(entry: string): boolean {
  return parseIpOrCidr(entry) !== null;
}

/**
 * An operator's list as one BlockList; throws naming `what` the entry was for when one is not an address or CIDR.
 * BlockList's own matching applies: an IPv4 address also matches IPv6 rules through its mapped form.
 */
export function parseCidrList(entries: readonly string[], what: string): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const parsed = parseIpOrCidr(entry);
    if (parsed === null) throw new Error(`${what} '${entry}' is not an IP address or CIDR`);
    list.addSubnet(parsed.address, parsed.prefix, parsed.type);
  }
  return list;
}

/** A comma-separated flag or environment value as its entries. */
export function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `::ffff:127.0.0.1` -> `127.0.0.1`, so IPv4 rules apply to IPv4 clients on dual-stack sockets. */
export function unmap(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/**
 * Kong's ipmatcher: IPv4 and IPv6 kept apart (`::/0` does not catch an IPv4 client, `0.0.0.0/0` no IPv6 one),
 * except that IPv4-mapped IPv6 counts as IPv4, for clients (`::ffff:127.0.0.1`, `::ffff:7f00:1`) and for rules
 * at least as narrow as `::ffff:0:0/96`. Host bits of a rule are masked off (`10.1.2.3/8` is `10.0.0.0/8`).
 */
export class IpMatcher {
  /** IPv4 rules and IPv4-mapped ones; BlockList matches IPv4 and mapped addresses against both. */
  private readonly v4 = new BlockList();
  /** Every other IPv6 rule, consulted for IPv6 clients that are not IPv4 in disguise. */
  private readonly v6 = new BlockList();
  /**
   * Verdicts by address text. A BlockList check is a native call (a few hundred ns, several times the hand-written
   * matcher it replaced); clients repeat, and a Map hit costs tens. Bounded: a crowd of distinct addresses costs the
   * uncached price, never memory. Safe because the rules never change after construction.
   */
  private readonly verdicts = new Map<string, boolean>();

  /** Throws on an entry that is not an IP or CIDR (schemas refuse those first, with isIpOrCidr). */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const parsed = parseIpOrCidr(entry);
      if (parsed === null) throw new Error(`invalid ip or cidr range: '${entry}'`);
      const { address, type, prefix } = parsed;
      const ipv4Like = type === 'ipv4' || (prefix >= 96 && IPV4_MAPPED.check(address, 'ipv6'));
      (ipv4Like ? this.v4 : this.v6).addSubnet(address, prefix, type);
    }
  }

  /** Whether `ip`, of family `type` (see ipType), falls in any entry. */
  containsTyped(ip: string, type: IpType): boolean {
    const known = this.verdicts.get(ip);
    if (known !== undefined) return known;
    const verdict = type === 'ipv6' && !IPV4_MAPPED.check(ip, 'ipv6') ? this.v6.check(ip, 'ipv6') : this.v4.check(ip, type);
    if (this.verdicts.size >= VERDICT_LIMIT) this.verdicts.clear();
    this.verdicts.set(ip, verdict);
    return verdict;
  }

  /** Whether `ip` falls in any entry; false for anything that is not an address. */
  contains(ip: string): boolean {
    const type = ipType(ip);
    return type !== null && this.containsTyped(ip, type);
  }
}
