// request-size-limiting: refuse request bodies over a size before they reach the upstream (Kong priority 951).
import { definePlugin } from '../contract.ts';
import { createRequestSizeLimiting } from './handler.ts';
import { RequestSizeLimitingConfigSchema } from './schema.ts';

export default definePlugin({
  name: 'request-size-limiting',
  priority: 951,
  configSchema: RequestSizeLimitingConfigSchema,
  create: createRequestSizeLimiting,
});
