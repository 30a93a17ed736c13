// key-auth: authenticates consumers by an API key sent in a header, the query string or the body (Kong priority 1250).
import { definePlugin } from '../contract.ts';
import { createKeyAuthHandler } from './handler.ts';
import { KeyAuthConfigSchema } from './schema.ts';

export default definePlugin({
  name: 'key-auth',
  priority: 1250,
  noConsumer: true,
  configSchema: KeyAuthConfigSchema,
  create: createKeyAuthHandler,
});
