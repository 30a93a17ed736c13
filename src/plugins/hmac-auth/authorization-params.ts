// Reads `hmac username="…", algorithm="…", headers="…", signature="…"` from an Authorization or
// Proxy-Authorization value exactly as Kong's access.lua does with its PCRE pattern
//   \s*[Hh]mac\s*username="(.+)",\s*algorithm="(.+)",\s*headers="(.+)",\s*signature="(.+)"
// (unanchored, every group greedy), but in linear time: run as a backtracking regex, four greedy groups
// cost O(n^4) steps on a crafted header, enough to stall the event loop.

export interface AuthorizationParams {
  username: string;
  algorithm: string;
  /** Kong's `splitn(headers, " ")`: empty names kept (two spaces make one). */
  headers: string[];
  /** Base64, as sent. */
  signature: string;
}

/** PCRE's `\s` without the UTF flag: ASCII whitespace only (JS's `\s` also takes U+00A0 and other spaces). */
const WS = '[ \\t\\n\\x0b\\f\\r]*';
const START = new RegExp(`[Hh]mac${WS}username="`);

interface Delimiter {
  /** Where the `"` closing the previous value is. */
  start: number;
  /** Where the next value begins (after `name="`). */
  valueStart: number;
}

/**
 * The four values, or null when the pattern does not match. Greedy groups mean: among all ways to split the
 * value, the one whose username ends last, then algorithm, then headers, then signature.
 */
export function parseAuthorizationParams(value: string): AuthorizationParams | null {
  // `.` never matches a line feed; Node refuses CR and LF in header values anyway.
  if (value.includes('\n')) return null;
  const start = START.exec(value);
  if (start === null) return null;
  const usernameStart = start.index + start[0].length;
  const lastQuote = value.lastIndexOf('"');
  // Each delimiter is usable when what follows it can still complete the match (every group takes a character).
  const signature = lastUsable(value, 'signature', (d) => d.valueStart + 1 <= lastQuote);
  if (signature === undefined) return null;
  const headers = lastUsable(value, 'headers', (d) => d.valueStart + 1 <= signature.start);
  if (headers === undefined) return null;
  const algorithm = lastUsable(value, 'algorithm', (d) => d.valueStart + 1 <= headers.start);
  // Later `hmac username="` occurrences start further right: if the first cannot fit a username, none can.
  if (algorithm === undefined || usernameStart + 1 > algorithm.start) return null;
  return {
    username: value.slice(usernameStart, algorithm.start),
    algorithm: value.slice(algorithm.valueStart, headers.start),
    headers: value.slice(headers.valueStart, signature.start).split(' '),
    signature: value.slice(signature.valueStart, lastQuote),
  };
}

/** The last `",<ws>name="` in `value` that `usable` accepts. Linear: each whitespace run follows one `",`. */
function lastUsable(value: string, name: string, usable: (d: Delimiter) => boolean): Delimiter | undefined {
  const tail = `${name}="`;
  let found: Delimiter | undefined;
  for (let i = value.indexOf('",'); i !== -1; i = value.indexOf('",', i + 1)) {
    let j = i + 2;
    while (j < value.length && isPcreSpace(value.charCodeAt(j))) j++;
    if (!value.startsWith(tail, j)) continue;
    const delimiter = { start: i, valueStart: j + tail.length };
    if (usable(delimiter)) found = delimiter;
  }
  return found;
}

function isPcreSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
