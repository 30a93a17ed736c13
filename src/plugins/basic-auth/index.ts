// basic-auth: authenticates consumers by `Authorization: Basic base64(username:password)` (Kong priority 1100).
import { definePlugin } from '../contract.ts';
import { buildCredentialIndex, type BasicAuthRow } from './credential-index.ts';
import { BasicAuthCredentials } from './daos.ts';
import { createBasicAuthHandler } from './handler.ts';
import { createPasswordChecker } from './password-checks.ts';
import { BasicAuthConfigSchema } from './schema.ts';

/** One per process: a check is a pure function of (hash, password), so what it remembers outlives config rebuilds. */
const passwords = createPasswordChecker();

export default definePlugin({
  name: 'basic-auth',
  priority: 1100,
  noConsumer: true,
  configSchema: BasicAuthConfigSchema,
  entities: [BasicAuthCredentials],
  create: (config, env) => {
    const index = env.shared('basic-auth:credentials', () => buildCredentialIndex(env.entities.basicauth_credentials as readonly BasicAuthRow[], passwords));
    return createBasicAuthHandler(config, env.consumers, index);
  },
});
