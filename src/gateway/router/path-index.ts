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
import { runAtOnce, type Steps } from '../../config/steps.ts';

/** Below this many pieces a linear scan beats building and probing the index. */
const MIN_PIECES_FOR_INDEX = 16;

/** Elements of candidate lists written between two pause points. */
const WORK_PER_STEP = 4096;

interface PathKeys {
  any: boolean;
  exact: string[];
  stems: string[];
}

export interface PathIndex {
  candidates(path: string): readonly CompiledRoute[];
}

interface StemNode {
  readonly children: Map<number, StemNode>;
  /** Pieces (by position in priority order, ascending) with a stem ending at this node. */
  readonly own: number[];
  /** "any" pieces plus the pieces whose stem is a prefix of this node's string, in priority order. */
  list: readonly CompiledRoute[];
}

export function buildPathIndex(sorted: readonly CompiledRoute[]): PathIndex {
  return runAtOnce(pathIndexSteps(sorted));
}

/*
 * Linear in the pieces' keys plus the lists it writes: pieces are named by their position in priority order,
 * each key's pieces are collected once (ascending), and a list is a merge of ascending lists. (Filtering every
 * piece for every key made 10,000 routes of 10 paths take seconds.)
 */
export function* pathIndexSteps(sorted: readonly CompiledRoute[]): Steps<PathIndex> {
  if (sorted.length < MIN_PIECES_FOR_INDEX) return { candidates: () => sorted };

  const anyPieces: number[] = [];
  const exactPieces = new Map<string, number[]>();
  const root = stemNode();
  for (let i = 0; i < sorted.length; i++) {
    const piece = sorted[i];
    if (piece === undefined) continue;
    const keys = pathKeys(piece);
    if (keys.any) anyPieces.push(i);
    for (const key of keys.exact) {
      const list = exactPieces.get(key);
      if (list === undefined) exactPieces.set(key, [i]);
      else addOnce(list, i);
    }
    for (const stem of keys.stems) addOnce(stemNodeAt(root, stem).own, i);
    if (i % 256 === 255) yield;
  }

  const pieces = (ids: readonly number[]): CompiledRoute[] => ids.flatMap((i) => sorted[i] ?? []);
  // A node that ends no stem shares the list of its nearest ancestor that does (or the root's "any" list).
  const idsOf = new Map<StemNode, readonly number[]>();
  const listOf = new Map<readonly number[], readonly CompiledRoute[]>();
  const stack: { node: StemNode; inherited: readonly number[] }[] = [{ node: root, inherited: anyPieces }];
  let work = 0;
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { node, inherited } = top;
    const ids = node.own.length === 0 ? inherited : mergeAscending(inherited, node.own);
    idsOf.set(node, ids);
    let list = listOf.get(ids);
    if (list === undefined) {
      listOf.set(ids, (list = pieces(ids)));
      work += ids.length;
    }
    node.list = list;
    for (const child of node.children.values()) stack.push({ node: child, inherited: ids });
    if (++work >= WORK_PER_STEP) {
      work = 0;
      yield;
    }
  }

  // A first segment equal to an exact key: that key's pieces plus those the stem trie gives the segment.
  const buckets = new Map<string, readonly CompiledRoute[]>();
  for (const [key, ids] of exactPieces) {
    const fromStems = idsOf.get(deepestNode(root, key, 0, key.length)) ?? anyPieces;
    const merged = mergeAscending(ids, fromStems);
    buckets.set(key, pieces(merged));
    work += merged.length + 1;
    if (work >= WORK_PER_STEP) {
      work = 0;
      yield;
    }
  }

  return {
    candidates(path: string): readonly CompiledRoute[] {
      const slash = path.indexOf('/', 1);
      const end = slash < 0 ? path.length : slash;
      return buckets.get(path.slice(1, end)) ?? deepestNode(root, path, 1, end).list;
    },
  };
}

function stemNode(): StemNode {
  return { children: new Map(), own: [], list: [] };
}

function stemNodeAt(root: StemNode, stem: string): StemNode {
  let node = root;
  for (let i = 0; i < stem.length; i++) {
    const code = stem.charCodeAt(i);
    let child = node.children.get(code);
    if (child === undefined) node.children.set(code, (child = stemNode()));
    node = child;
  }
  return node;
}

/** The deepest trie node along `text` from `start` to `end`. */
function deepestNode(root: StemNode, text: string, start: number, end: number): StemNode {
  let node = root;
  for (let i = start; i < end; i++) {
    const child = node.children.get(text.charCodeAt(i));
    if (child === undefined) break;
    node = child;
  }
  return node;
}

/** Appends `id` unless it is already last (ids arrive ascending, so a repeat can only be the last). */
function addOnce(list: number[], id: number): void {
  if (list.at(-1) !== id) list.push(id);
}

/** Two ascending lists of distinct ids as one, each id once. */
function mergeAscending(a: readonly number[], b: readonly number[]): readonly number[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i] ?? Number.POSITIVE_INFINITY;
    const y = b[j] ?? Number.POSITIVE_INFINITY;
    if (x <= y) {
      out.push(x);
      i++;
      if (x === y) j++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
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
