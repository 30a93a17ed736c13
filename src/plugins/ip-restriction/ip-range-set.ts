// A list of IPs and CIDR blocks compiled once into numeric ranges: membership is a Set lookup or a few masks.
import { parseAddress, type Family } from './ip-address.ts';

const scratch = new Uint32Array(4);

/** Kong's `ip_or_cidr`: an IPv4/IPv6 address, optionally with a prefix length (/0-32, /0-128). */
export function isIpOrCidr(entry: string): boolean {
  return compileEntry(entry) !== null;
}

interface CompiledEntry {
  family: 4 | 6;
  prefix: number;
  words: Uint32Array;
}

function compileEntry(entry: string): CompiledEntry | null {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const words = new Uint32Array(4);
  if (address.includes('%')) return null;
  const family = parseAddress(address, words);
  if (family === 0) return null;
  const mapped = family === 4 && address.includes(':');
  const max = family === 4 && !mapped ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const text = entry.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(text)) return null;
    prefix = Number(text);
    if (prefix > max) return null;
  }
  if (mapped) {
    // An IPv4-mapped block narrower than ::ffff:0:0/96 is an IPv4 block; a wider one stays IPv6.
    if (prefix >= 96) return { family: 4, prefix: prefix - 96, words };
    words.set([0, 0, 0xffff, words[0]]);
    return { family: 6, prefix, words };
  }
  return { family, prefix, words };
}

function mask32(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

export class IpRangeSet {
  /** Single IPv4 hosts: the common allow-list shape, one hash lookup. */
  private readonly v4Hosts = new Set<number>();
  /** IPv4 blocks as (network, mask) pairs. */
  private readonly v4Blocks: Uint32Array;
  /** IPv6 blocks as groups of 8 words: network[4], mask[4]. */
  private readonly v6Blocks: Uint32Array;

  /** Throws on an entry that is not an IP or CIDR (the schema refuses those first). */
  constructor(entries: readonly string[]) {
    const v4: number[] = [];
    const v6: number[] = [];
    for (const entry of entries) {
      const compiled = compileEntry(entry);
      if (compiled === null) throw new Error(`invalid ip or cidr range: '${entry}'`);
      const { family, prefix, words } = compiled;
      if (family === 4) {
        if (prefix === 32) this.v4Hosts.add(words[0]);
        else {
          const mask = mask32(prefix);
          v4.push((words[0] & mask) >>> 0, mask);
        }
      } else {
        const masks = [0, 1, 2, 3].map((k) => mask32(prefix - 32 * k));
        v6.push(...masks.map((m, k) => (words[k] & m) >>> 0), ...masks);
      }
    }
    this.v4Blocks = Uint32Array.from(v4);
    this.v6Blocks = Uint32Array.from(v6);
  }

  /** Whether the parsed address (see parseAddress) falls in any entry. */
  containsParsed(family: Family, words: Uint32Array): boolean {
    if (family === 4) {
      const ip = words[0];
      if (this.v4Hosts.has(ip)) return true;
      const b = this.v4Blocks;
      for (let i = 0; i < b.length; i += 2) if (((ip & b[i + 1]) >>> 0) === b[i]) return true;
      return false;
    }
    if (family === 6) {
      const b = this.v6Blocks;
      for (let i = 0; i < b.length; i += 8) {
        if (((words[0] & b[i + 4]) >>> 0) === b[i]
          && ((words[1] & b[i + 5]) >>> 0) === b[i + 1]
          && ((words[2] & b[i + 6]) >>> 0) === b[i + 2]
          && ((words[3] & b[i + 7]) >>> 0) === b[i + 3]) return true;
      }
    }
    return false;
  }

  /** Convenience for one-off checks and tests; the request path parses once and calls containsParsed. */
  contains(ip: string): boolean {
    return this.containsParsed(parseAddress(ip, scratch), scratch);
  }
}
