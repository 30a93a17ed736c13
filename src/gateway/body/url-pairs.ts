// `a=1&b=2` (query strings and form bodies) as an ordered list of pairs that plugins edit by decoded
// name, while every pair nobody touched keeps its exact bytes: re-encoding could change what the upstream reads.

/** `true`: the name appeared without `=` (Kong's `?flag`). */
export type PairValue = string | true;

interface Pair {
  name: string;
  value: PairValue;
  /** As received; null for pairs a plugin wrote. */
  raw: string | null;
}

export class UrlPairs {
  private readonly pairs: Pair[];

  private constructor(pairs: Pair[]) {
    this.pairs = pairs;
  }

  static parse(text: string): UrlPairs {
    const pairs: Pair[] = [];
    if (text !== '') {
      for (const raw of text.split('&')) {
        if (raw === '') continue;
        const eq = raw.indexOf('=');
        pairs.push(eq === -1 ? { name: decode(raw), value: true, raw } : { name: decode(raw.slice(0, eq)), value: decode(raw.slice(eq + 1)), raw });
      }
    }
    return new UrlPairs(pairs);
  }

  get size(): number {
    return this.pairs.length;
  }

  has(name: string): boolean {
    return this.pairs.some((p) => p.name === name);
  }

  getAll(name: string): PairValue[] {
    return this.pairs.filter((p) => p.name === name).map((p) => p.value);
  }

  /** Every pair, decoded, in order. */
  entries(): [string, PairValue][] {
    return this.pairs.map((p) => [p.name, p.value]);
  }

  /** Removes every `name` pair; true when there was one. */
  remove(name: string): boolean {
    const before = this.pairs.length;
    for (let i = this.pairs.length - 1; i >= 0; i--) if (this.pairs[i]?.name === name) this.pairs.splice(i, 1);
    return this.pairs.length !== before;
  }

  /** `from` pairs become `to` pairs (values kept), replacing any `to` already there; true when `from` existed. */
  rename(from: string, to: string): boolean {
    if (from === to || !this.has(from)) return false;
    this.remove(to);
    for (const p of this.pairs) {
      if (p.name === from) {
        p.name = to;
        p.raw = p.value === true ? encode(to) : `${encode(to)}=${rawValue(p)}`;
      }
    }
    return true;
  }

  /** Every `name` pair gives way to one `name=value` where the first was; true when `name` existed. */
  replace(name: string, value: string): boolean {
    const first = this.pairs.findIndex((p) => p.name === name);
    if (first === -1) return false;
    this.remove(name);
    this.pairs.splice(first, 0, { name, value, raw: null });
    return true;
  }

  /** Adds `name=value` at the end. */
  append(name: string, value: string): void {
    this.pairs.push({ name, value, raw: null });
  }

  toString(): string {
    return this.pairs.map((p) => p.raw ?? (p.value === true ? encode(p.name) : `${encode(p.name)}=${encode(p.value)}`)).join('&');
  }
}

function rawValue(p: Pair): string {
  if (p.raw === null || p.value === true) return encode(p.value === true ? '' : p.value);
  return p.raw.slice(p.raw.indexOf('=') + 1);
}

function encode(text: string): string {
  return encodeURIComponent(text);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
