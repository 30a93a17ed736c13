// correlation-id: tags each request with an id for tracing across services (Kong priority 100001: runs first).
import { definePlugin } from '../contract.ts';
import { createCorrelationId } from './handler.ts';
import { CorrelationIdConfigSchema } from './schema.ts';

export default definePlugin({
  name: 'correlation-id',
  priority: 100001,
  configSchema: CorrelationIdConfigSchema,
  create: createCorrelationId,
});
