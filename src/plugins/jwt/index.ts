// The jwt plugin (Kong 3.x compatible, plus trusted JWKS issuers and a verified-token cache).
import { definePlugin } from '../contract.ts';
import { createJwtHandler } from './handler.ts';
import { JwtConfigSchema, validateJwtConfig } from './schema.ts';

export default definePlugin({
  name: 'jwt',
  // Kong 3.x: after cors/correlation-id, before key-auth (1250) and acl (950).
  priority: 1450,
  noConsumer: true,
  configSchema: JwtConfigSchema,
  validate: validateJwtConfig,
  create: createJwtHandler,
});
