// Kong's `$(...)` values (penlight templates evaluated as sandboxed Lua), in the subset that reads the
// request: `$(headers.x)`, `$(query_params["y"])`, `$(uri_captures.name)` or `[n]`, `$(shared.key)`,
// each optionally `or 'default'`, and quoted literals (`$('$(kept)')`). Anything else is refused when
// the config loads, never passed through as text and never evaluated.

/** What a template reads; a snapshot of the request taken before the plugin changes anything. */
export interface TemplateEnv {
  header(name: string): string | undefined;
  query(name: string): string | undefined;
  capture(name: string): string | undefined;
  shared(name: string): string | undefined;
}

export type Source = 'headers' | 'query_params' | 'uri_captures' | 'shared';

interface Reference {
  source: Source;
  key: string;
  fallback: string | null;
}

type Piece = string | Reference;

export interface Template {
  /** True when the value has `$(...)`: rendering then reads the request. */
  readonly dynamic: boolean;
  /** Where its values come from (to refuse client-controlled values in identity headers). */
  readonly sources: ReadonlySet<Source>;
  render(env: TemplateEnv): string;
}

const SOURCES: readonly string[] = ['headers', 'query_params', 'uri_captures', 'shared'];
const STRING = String.raw`(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")`;
const REFERENCE = new RegExp(
  String.raw`^\s*(?:([A-Za-z_]+)\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:${STRING}|(\d+))\s*\])(?:\s+or\s+${STRING})?|${STRING})\s*$`,
);

/** Compiles a value; throws an Error with a message fit for the config error when it is outside the subset. */
export function compileTemplate(value: string): Template {
  const pieces: Piece[] = [];
  let at = 0;
  for (;;) {
    const start = value.indexOf('$(', at);
    if (start === -1) break;
    const end = balancedEnd(value, start + 1);
    if (end === -1) throw new Error(`value '${value}' has an unclosed $(`);
    if (start > at) pieces.push(value.slice(at, start));
    pieces.push(reference(value.slice(start + 2, end)));
    at = end + 1;
  }
  if (at < value.length) pieces.push(value.slice(at));
  const refs = pieces.filter((p): p is Reference => typeof p !== 'string');
  const literal = pieces.every((p) => typeof p === 'string') ? pieces.join('') : null;
  return {
    dynamic: refs.length > 0,
    sources: new Set(refs.map((r) => r.source)),
    render: literal !== null ? () => literal : (env) => pieces.map((p) => (typeof p === 'string' ? p : (lookup(env, p) ?? p.fallback ?? ''))).join(''),
  };
}

/** Index of the `)` closing the `(` at `open` (penlight matches `%b()`: parentheses only, quotes ignored). */
function balancedEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

function reference(expression: string): Piece {
  const m = REFERENCE.exec(expression);
  if (!m) throw unsupported(expression);
  // Groups that took no part in the match are undefined, whatever TypeScript's RegExpExecArray says.
  const groups: readonly (string | undefined)[] = m;
  const [, source, dotted, sq, dq, index, fsq, fdq, lsq, ldq] = groups;
  // No source: the whole expression is a quoted literal, so one of its two groups matched.
  if (source === undefined) return unescape(lsq ?? ldq ?? '');
  if (!isSource(source)) throw unsupported(expression);
  const quoted = sq ?? dq;
  const key = dotted ?? (quoted !== undefined ? unescape(quoted) : index);
  if (key === undefined) throw unsupported(expression);
  const fallback = fsq ?? fdq;
  return { source, key, fallback: fallback === undefined ? null : unescape(fallback) };
}

function isSource(name: string): name is Source {
  return SOURCES.includes(name);
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

function unsupported(expression: string): Error {
  return new Error(
    `template $(${expression}) is not supported by this gateway: only $(headers.<name>), $(query_params.<name>), $(uri_captures.<name>) and $(shared.<name>) (also with ["<name>"], and optionally followed by or '<default>'), or a quoted literal, are rendered; Lua expressions are not evaluated`,
  );
}

function lookup(env: TemplateEnv, ref: Reference): string | undefined {
  switch (ref.source) {
    case 'headers':
      return env.header(ref.key);
    case 'query_params':
      return env.query(ref.key);
    case 'uri_captures':
      return env.capture(ref.key);
    case 'shared':
      return env.shared(ref.key);
  }
}
