// response-transformer: rewrites response headers and top-level JSON body fields on the way back to the
// client (Kong priority 800). Only JSON responses it changes are buffered, up to a cap.
import { definePlugin } from '../contract.ts';
import { createResponseTransformer } from './handler.ts';
import { ResponseTransformerConfigSchema, validateResponseTransformer } from './schema.ts';

export default definePlugin({
  name: 'response-transformer',
  priority: 800,
  configSchema: ResponseTransformerConfigSchema,
  validate: validateResponseTransformer,
  create: createResponseTransformer,
});
