// ip-restriction: refuse clients by address (Kong priority 990: after authentication, so it can be scoped to a consumer).
import { definePlugin } from '../contract.ts';
import { createIpRestriction } from './handler.ts';
import { IpRestrictionConfigSchema, validateIpRestriction } from './schema.ts';

export default definePlugin({
  name: 'ip-restriction',
  priority: 990,
  configSchema: IpRestrictionConfigSchema,
  validate: validateIpRestriction,
  create: createIpRestriction,
});
