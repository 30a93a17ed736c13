// The `WWW-Authenticate` challenge auth plugins send with a 401: a scheme, and a realm as an RFC 9110 quoted-string.
export function challenge(scheme: string, realm: string | null): string {
  return realm === null ? scheme : `${scheme} realm="${realm.replace(/[\\"]/g, '\\$&')}"`;
}
