// Who is calling the admin API: a token from `Authorization: Bearer …` or Kong Enterprise's `Kong-Admin-Token`,
// verified by the context (hashed tokens in the store, configured ones in DB-less mode). Anything else is a 401.
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors/gateway-error.ts';
import { challenge } from '../http/www-authenticate.ts';
import type { Actor } from '../store/store.ts';
import type { AdminAuth } from './admin-route.ts';

export const ADMIN_REALM = 'portcullis-admin';

/** Longest token we bother verifying: real ones are far shorter, and a huge one is never worth a hash. */
const MAX_TOKEN_LENGTH = 512;

export async function authenticate(headers: IncomingHttpHeaders, auth: AdminAuth): Promise<Actor> {
  const token = tokenFrom(headers);
  if (token === undefined) throw unauthorized('an admin token is required (Authorization: Bearer <token>)');
  const actor = token.length <= MAX_TOKEN_LENGTH ? await auth.verify(token) : undefined;
  if (!actor) throw unauthorized('the admin token is not valid');
  return actor;
}

/** The token given, or undefined when there is none (an empty or malformed header counts as none). */
export function tokenFrom(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (match) return match[1];
  }
  const kong = headers['kong-admin-token'];
  if (typeof kong === 'string' && kong.trim() !== '') return kong.trim();
  return undefined;
}

function unauthorized(detail: string): GatewayError {
  return new GatewayError('ADMIN_UNAUTHORIZED', { detail, headers: { 'WWW-Authenticate': challenge('Bearer', ADMIN_REALM) } });
}
