// Allocation-free IPv4/IPv6 text parsing into 32-bit words, so matching a client costs integer compares only.

/** Address family after parsing; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) counts as IPv4. */
export type Family = 0 | 4 | 6;

/** Groups of the IPv6 address being parsed; module scratch is safe because parsing never yields. */
const groups = new Uint16Array(8);

/**
 * Parses `ip` into `out`: IPv4 (and IPv4-mapped IPv6) leave the address in out[0] and return 4;
 * IPv6 fills out[0..3], most significant word first, and returns 6; anything else returns 0.
 */
export function parseAddress(ip: string, out: Uint32Array): Family {
  const v4 = parseIPv4(ip, 0, ip.length);
  if (v4 >= 0) {
    out[0] = v4;
    return 4;
  }
  if (!parseIPv6(ip, out)) return 0;
  if (out[0] === 0 && out[1] === 0 && out[2] === 0xffff) {
    out[0] = out[3];
    return 4;
  }
  return 6;
}

/** Dotted quad in s[start, end) as an unsigned 32-bit number, or -1. Leading zeros are refused (octal ambiguity). */
export function parseIPv4(s: string, start: number, end: number): number {
  let value = 0;
  let octets = 0;
  let i = start;
  while (octets < 4) {
    const first = i;
    let octet = 0;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      i++;
    }
    const digits = i - first;
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && s.charCodeAt(first) === 48)) return -1;
    value = value * 256 + octet;
    octets++;
    if (octets < 4) {
      if (i >= end || s.charCodeAt(i) !== 46) return -1;
      i++;
    }
  }
  return i === end ? value : -1;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** RFC 4291 text form (with `::`, an embedded IPv4 tail and an ignored `%zone`) into four words. */
function parseIPv6(s: string, out: Uint32Array): boolean {
  let end = s.indexOf('%');
  if (end < 0) end = s.length;
  else if (end === s.length - 1) return false;
  let i = 0;
  let n = 0;
  let gap = -1;
  if (end >= 2 && s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    if (n === 8) return false;
    const first = i;
    let group = 0;
    while (i < end) {
      const h = hexValue(s.charCodeAt(i));
      if (h < 0) break;
      group = group * 16 + h;
      i++;
    }
    if (i < end && s.charCodeAt(i) === 46) {
      if (n > 6) return false;
      const v4 = parseIPv4(s, first, end);
      if (v4 < 0) return false;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      i = end;
      break;
    }
    const digits = i - first;
    if (digits === 0 || digits > 4) return false;
    groups[n++] = group;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < end && s.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i++;
    } else if (i === end) {
      return false;
    }
  }
  if (gap < 0 ? n !== 8 : n > 7) return false;
  const zeros = 8 - n;
  for (let k = 0; k < 4; k++) out[k] = (wordGroup(2 * k, gap, zeros) << 16 | wordGroup(2 * k + 1, gap, zeros)) >>> 0;
  return true;
}

/** Group k of the expanded address: parsed groups before the gap, zeros in it, the rest after it. */
function wordGroup(k: number, gap: number, zeros: number): number {
  if (gap < 0 || k < gap) return groups[k];
  if (k < gap + zeros) return 0;
  return groups[k - zeros];
}
