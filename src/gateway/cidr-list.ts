// Addresses and CIDR blocks an operator lists (trusted proxies, networks JWKS fetches may reach): one parser onto
// net.BlockList, strict about prefixes, so every such setting refuses the same malformed entries the same way.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** `10.0.0.0/8`, `::1`, …; throws naming `what` the entry was for when one is not an address or CIDR. */
export function parseCidrList(entries: readonly string[], what: string): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
    const prefix = bits === undefined ? undefined : Number(bits);
    const max = type === 'ipv4' ? 32 : 128;
    if (type === null || extra !== undefined || (prefix !== undefined && (!/^\d{1,3}$/.test(bits!) || prefix > max))) {
      throw new Error(`${what} '${entry}' is not an IP address or CIDR`);
    }
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return list;
}

/** A comma-separated flag or environment value as its entries. */
export function splitList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}
