// hmac-auth: authenticates consumers by an HMAC signature over chosen request headers (Kong priority 1030).
import { definePlugin } from '../contract.ts';
import { hmacCredentials } from './credential-index.ts';
import { createHmacAuthHandler } from './handler.ts';
import { HmacAuthConfigSchema } from './schema.ts';

export default definePlugin({
  name: 'hmac-auth',
  priority: 1030,
  noConsumer: true,
  configSchema: HmacAuthConfigSchema,
  create: (config, env) => createHmacAuthHandler(config, { consumers: env.consumers, credentials: hmacCredentials(env) }),
});
