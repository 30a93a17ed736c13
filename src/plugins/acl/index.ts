// acl: lets consumers through by the groups they belong to, optionally per HTTP method (Kong priority 950).
import { definePlugin } from '../contract.ts';
import { createAclHandler } from './handler.ts';
import { AclConfigSchema, validateAclConfig } from './schema.ts';

export default definePlugin({
  name: 'acl',
  priority: 950,
  noConsumer: true,
  configSchema: AclConfigSchema,
  validate: validateAclConfig,
  create: createAclHandler,
});
