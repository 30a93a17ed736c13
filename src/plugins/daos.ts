// The bundled plugins that own entities or tables: one line per plugin. Their kinds join the catalogue
// (schema/entity-catalogue.ts) in this order, after core's, so parents come before children.
import jwt from './jwt/daos.ts';
import keyAuth from './key-auth/daos.ts';
import basicAuth from './basic-auth/daos.ts';
import acl from './acl/daos.ts';
import rateLimiting from './rate-limiting/daos.ts';
import hmacAuth from './hmac-auth/daos.ts';

export const PLUGIN_DAOS = [jwt, keyAuth, basicAuth, acl, rateLimiting, hmacAuth] as const;
