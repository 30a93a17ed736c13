// Reads `Basic base64(username:password)` as Kong's basic-auth does (access.lua retrieve_credentials): the
// first `[Bb]asic` in the header, nginx's base64 decoding, then a username of at least one character up to
// the first `:` and the rest as the password. Anything else yields no credentials (Kong's 401 follows).

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/** Kong's `\s*[Bb]asic\s*(.+)`, unanchored as ngx.re.gmatch runs it: `xBasic abc` still finds `abc`. */
const BASIC = /\s*[Bb]asic\s*(.+)/;
/** Kong's `([^:]+):(.*)`, unanchored; PCRE's `.` stops at `\n` only (JS's also at `\r`, U+2028/9). */
const USER_PASS = /([^:]+):([^\n]*)/;
const BASE64_ALPHABET = /^[A-Za-z0-9+/]*$/;
/** Bytes that are not UTF-8 name no username the store can hold: refused rather than guessed at. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseBasicCredentials(header: string | undefined): BasicCredentials | undefined {
  if (header === undefined) return undefined;
  const encoded = BASIC.exec(header)?.[1];
  if (encoded === undefined) return undefined;
  const decoded = decodeBase64AsNginx(encoded);
  if (decoded === undefined) return undefined;
  let text: string;
  try {
    text = UTF8.decode(decoded);
  } catch {
    return undefined;
  }
  const parts = USER_PASS.exec(text);
  const username = parts?.at(1);
  const password = parts?.at(2);
  if (username === undefined || password === undefined) return undefined;
  return { username, password };
}

/**
 * ngx_decode_base64: standard alphabet up to the first `=` (what follows it is ignored), any other character
 * fails, and so does a length of 4n+1; a short last group decodes to the bytes it holds.
 */
export function decodeBase64AsNginx(text: string): Buffer | undefined {
  const end = text.indexOf('=');
  const body = end === -1 ? text : text.slice(0, end);
  if (body.length % 4 === 1 || !BASE64_ALPHABET.test(body)) return undefined;
  return Buffer.from(body, 'base64');
}
