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
} as const;

export const IDENTITY_HEADERS: readonly string[] = Object.values(IdentityHeader);
