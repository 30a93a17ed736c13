// The `WWW-Authenticate` challenge auth plugins send with a 401 (RFC 9110 §11.6.1, RFC 6750 §3): a scheme,
// then auth-params separated by commas, each value a quoted-string. Kong's exact forms: `Key`,
// `Key realm="kong"`, `Bearer`, `Bearer error="invalid_token"`, `Bearer realm="kong", error="invalid_token"`.

/** RFC 9110 token: what a scheme and a parameter name may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Characters a quoted-string can carry (qdtext or quoted-pair): HTAB, SP, VCHAR, obs-text. No other controls. */
const QUOTABLE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Schema pattern for a value that will be sent as a quoted-string (a realm): no control characters but HTAB. */
export const QUOTABLE_PATTERN = '^[\\t\\x20-\\x7e\\x80-\\xff]*$';

/**
 * `scheme`, then `realm` (when not null), then `params` in order: `Bearer realm="a \"b\"", error="invalid_token"`.
 * Built once per plugin instance; throws on a value no header can carry, which config validation refuses first.
 */
export function challenge(scheme: string, realm: string | null, params: Readonly<Record<string, string>> = {}): string {
  if (!TOKEN.test(scheme)) throw new RangeError(`not an auth-scheme token: ${JSON.stringify(scheme)}`);
  const parts: string[] = [];
  if (realm !== null) parts.push(authParam('realm', realm));
  for (const [name, value] of Object.entries(params)) parts.push(authParam(name, value));
  return parts.length === 0 ? scheme : `${scheme} ${parts.join(', ')}`;
}

function authParam(name: string, value: string): string {
  if (!TOKEN.test(name)) throw new RangeError(`not an auth-param name: ${JSON.stringify(name)}`);
  if (!QUOTABLE.test(value)) throw new RangeError(`the ${name} of a challenge cannot hold control characters`);
  return `${name}="${value.replace(/[\\"]/g, '\\$&')}"`;
}
