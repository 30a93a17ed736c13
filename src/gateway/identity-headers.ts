// Kong's upstream identity headers. The gateway alone sets them: any copy a client sends is removed first.
export const IdentityHeader = {
  consumerId: 'x-consumer-id',
  consumerCustomId: 'x-consumer-custom-id',
  consumerUsername: 'x-consumer-username',
  credentialIdentifier: 'x-credential-identifier',
  consumerGroups: 'x-consumer-groups',
  anonymous: 'x-anonymous-consumer',
  /** Groups an auth plugin asserted without a consumer (acl's authenticated groups). */
  authenticatedGroups: 'x-authenticated-groups',
  /** Kong's oauth2 plugin: the end user and scopes a token was issued for (our auth server will set them). */
  authenticatedUserid: 'x-authenticated-userid',
  authenticatedScope: 'x-authenticated-scope',
} as const;

export const IDENTITY_HEADERS: readonly string[] = Object.values(IdentityHeader);

/** RFC 9110 §5.1 field-name token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Headers that carry framing or routing; stripping them would break the request, not protect it. */
const NOT_STRIPPABLE = new Set(['host', 'content-length', 'transfer-encoding', 'content-type']);

/**
 * The operator's extra identity headers (`--identity-headers` / PORTCULLIS_IDENTITY_HEADERS): comma-separated
 * names their services trust as identity, removed from client requests like Kong's own. Lower-cased; throws
 * with a sentence for a name that is not a header token or that the request cannot do without.
 */
export function parseIdentityHeaderList(value: string): string[] {
  const names: string[] = [];
  for (const raw of value.split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (!TOKEN.test(name)) throw new Error(`identity header '${raw.trim()}' is not a valid header name`);
    if (NOT_STRIPPABLE.has(name)) throw new Error(`identity header '${name}' cannot be stripped: requests need it`);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}
