// cors: Cross-Origin Resource Sharing at the gateway (Kong priority 2000: before authentication, so preflights,
// which carry no credentials, are answered rather than refused).
import { definePlugin } from '../contract.ts';
import { createCors } from './handler.ts';
import { CorsConfigSchema, validateCors } from './schema.ts';

export default definePlugin({
  name: 'cors',
  priority: 2000,
  noConsumer: true,
  configSchema: CorsConfigSchema,
  validate: validateCors,
  create: createCors,
});
