// rate-limiting: request limits per second to year, per consumer, credential, IP, service, header or path, in
// fixed or sliding windows, counted in this process, in Redis or in the database (Kong priority 910).
import { definePlugin } from '../contract.ts';
import { createRateLimitingHandler } from './handler.ts';
import { RateLimitingConfigSchema, validateRateLimitingConfig } from './schema.ts';
import { SHARED_COUNTER_BYTES } from './shared-counter-store.ts';

export default definePlugin({
  name: 'rate-limiting',
  priority: 910,
  configSchema: RateLimitingConfigSchema,
  validate: validateRateLimitingConfig,
  // `policy: local` counts per node, whichever worker thread a request lands on.
  sharedMemoryBytes: SHARED_COUNTER_BYTES,
  create: createRateLimitingHandler,
});
