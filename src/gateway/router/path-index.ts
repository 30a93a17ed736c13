// Index by first path segment: which route pieces can possibly match a request path, in priority order.
/*
 * Each piece gets "keys" from its paths:
 *   - exact key K: every path it has starts `/K/` (prefix `/api/orders`, regex `/users/\d+`), so it can only
 *     match a request whose first segment is exactly K;
 *   - stem S: a prefix that ends inside the first segment (`/orders`, `/`), so it matches first segments
 *     that start with S (`orders`, `orders.json`);
 *   - any: no paths, or a regex we cannot read a literal first segment from.
 * For every key we precompute the full candidate list (exact K, stems that K starts with, every "any"),
 * already in priority order, so a lookup is one Map.get and the scan below it is a plain array walk.
 * A first segment that is no key can only be matched by "any" pieces and the stems it starts with: a trie
 * of the stems, walked along the segment, gives that list precomputed at the deepest node reached.
 */
import type { CompiledRoute } from './compile-route.ts';

/** Below this many pieces a linear scan beats building and probing the index. */
const MIN_PIECES_FOR_INDEX = 16;

interface PathKeys {
  any: boolean;
  exact: string[];
  stems: string[];
}

export interface PathIndex {
  candidates(path: string): readonly CompiledRoute[];
}

export function buildPathIndex(sorted: readonly CompiledRoute[]): PathIndex {
  if (sorted.length < MIN_PIECES_FOR_INDEX) return { candidates: () => sorted };

  const keyed = sorted.map((piece): KeyedPiece => ({ piece, keys: pathKeys(piece) }));
  const allKeys = new Set<string>();
  for (const { keys } of keyed) {
    for (const e of keys.exact) allKeys.add(e);
    for (const s of keys.stems) allKeys.add(s);
  }
  const buckets = new Map<string, readonly CompiledRoute[]>();
  for (const key of allKeys) {
    buckets.set(
      key,
      piecesWhere(keyed, (keys) => canMatchSegment(keys, key)),
    );
  }
  const stems = buildStemTrie(keyed);

  return {
    candidates(path: string): readonly CompiledRoute[] {
      const slash = path.indexOf('/', 1);
      const end = slash < 0 ? path.length : slash;
      const exact = buckets.get(path.slice(1, end));
      if (exact !== undefined) return exact;
      let node = stems;
      for (let i = 1; i < end; i++) {
        const child = node.children.get(path.charCodeAt(i));
        if (child === undefined) break;
        node = child;
      }
      return node.list;
    },
  };
}

interface StemNode {
  readonly children: Map<number, StemNode>;
  /** "any" pieces plus the pieces whose stem is a prefix of this node's string, in priority order. */
  list: readonly CompiledRoute[];
}

interface KeyedPiece {
  readonly piece: CompiledRoute;
  readonly keys: PathKeys;
}

/** The pieces (still in priority order) whose keys pass `test`. */
function piecesWhere(keyed: readonly KeyedPiece[], test: (keys: PathKeys) => boolean): CompiledRoute[] {
  return keyed.filter(({ keys }) => test(keys)).map(({ piece }) => piece);
}

function buildStemTrie(keyed: readonly KeyedPiece[]): StemNode {
  const root: StemNode = { children: new Map(), list: [] };
  const terminals = new Map<StemNode, string>();
  for (const { keys } of keyed) {
    for (const stem of keys.stems) {
      let node = root;
      for (let i = 0; i < stem.length; i++) {
        const code = stem.charCodeAt(i);
        let child = node.children.get(code);
        if (child === undefined) node.children.set(code, (child = { children: new Map(), list: [] }));
        node = child;
      }
      terminals.set(node, stem);
    }
  }
  // A node that ends no stem shares the list of its nearest ancestor that does (or the root's).
  const fill = (node: StemNode, inherited: readonly CompiledRoute[]): void => {
    const stem = terminals.get(node);
    node.list = stem === undefined ? inherited : piecesWhere(keyed, (keys) => keys.any || keys.stems.some((s) => stem.startsWith(s)));
    for (const child of node.children.values()) fill(child, node.list);
  };
  fill(
    root,
    piecesWhere(keyed, (keys) => keys.any),
  );
  return root;
}

function canMatchSegment(k: PathKeys, segment: string): boolean {
  if (k.any || k.exact.includes(segment)) return true;
  for (const s of k.stems) if (segment.startsWith(s)) return true;
  return false;
}

function pathKeys(c: CompiledRoute): PathKeys {
  const keys: PathKeys = { any: false, exact: [], stems: [] };
  if (c.prefixResults !== null) {
    for (const { matchedPath: p } of c.prefixResults) {
      const slash = p.indexOf('/', 1);
      if (slash < 0) keys.stems.push(p.slice(1));
      else keys.exact.push(p.slice(1, slash));
    }
    return keys;
  }
  if (c.regexSources !== null) {
    for (const src of c.regexSources) {
      const key = regexFirstSegment(src);
      if (key === null) return { any: true, exact: [], stems: [] };
      keys.exact.push(key);
    }
    return keys;
  }
  return { any: true, exact: [], stems: [] };
}

const LITERAL = /[A-Za-z0-9_~%-]/;
const ESCAPABLE = /[./_~-]/;
/** `ch` is one character, or '' past the end. */
function isQuantifier(ch: string): boolean {
  return ch === '?' || ch === '*' || ch === '+' || ch === '{';
}

/**
 * The literal first segment a regex requires (`/users/(?<id>\d+)` -> `users`), or null when unsure:
 * alternation anywhere, anything but plain characters before the second `/`, or a quantifier that could
 * make a character (or that `/`) optional or repeated.
 */
export function regexFirstSegment(source: string): string | null {
  if (source.includes('|') || source.charCodeAt(0) !== 0x2f) return null;
  let key = '';
  for (let i = 1; i < source.length; i++) {
    let ch = source.charAt(i);
    if (ch === '\\') {
      const next = source.charAt(i + 1);
      if (next === '' || !ESCAPABLE.test(next)) return null;
      ch = next;
      i++;
    } else if (ch !== '/' && !LITERAL.test(ch)) {
      return null;
    }
    if (isQuantifier(source.charAt(i + 1))) return null;
    if (ch === '/') return key === '' ? null : key;
    key += ch;
  }
  return null;
}
