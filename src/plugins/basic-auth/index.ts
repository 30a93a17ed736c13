// basic-auth: authenticates consumers by `Authorization: Basic base64(username:password)` (Kong priority 1100).
// Its credentials (`basicauth_credentials`) are declared in daos.ts.
import { definePlugin } from '../contract.ts';
import { createBasicAuthHandler } from './handler.ts';
import { BasicAuthConfigSchema } from './schema.ts';

export default definePlugin({
  name: 'basic-auth',
  priority: 1100,
  noConsumer: true,
  configSchema: BasicAuthConfigSchema,
  create: createBasicAuthHandler,
});
