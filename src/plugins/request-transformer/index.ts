// request-transformer: rewrites the request before it is proxied: method, path, headers, query string and
// JSON/form/multipart body fields (Kong priority 801: after authentication and traffic control).
import { definePlugin } from '../contract.ts';
import { createRequestTransformer } from './handler.ts';
import { RequestTransformerConfigSchema, validateRequestTransformer } from './schema.ts';

export default definePlugin({
  name: 'request-transformer',
  priority: 801,
  configSchema: RequestTransformerConfigSchema,
  validate: validateRequestTransformer,
  create: createRequestTransformer,
});
