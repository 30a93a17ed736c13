// Groups asserted by another auth plugin (ctx.shared.authenticated_groups, Kong's kong.ctx.shared one):
// when they replace the consumer's, and always_use_authenticated_groups. No bundled plugin sets them
// yet, so these drive the acl handler directly with a real RequestContext and consumer directory.
import { pino } from 'pino';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './index.ts';
import { AUTHENTICATED_GROUPS_KEY } from './handler.ts';
import { RequestContext } from '../../gateway/context.ts';
import { buildConsumerDirectory } from '../../config/consumer-directory.ts';
import { emptyEntities } from '../../schema/entity-shapes.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { pluginConfig } from '../../../test/helpers/plugin-config.ts';

const entities = emptyEntities();
entities.consumers = [
  { id: 'c-staff', username: 'staff' },
  { id: 'c-guest', username: 'guest' },
];
entities.acls = [
  { id: 'a-staff', consumerId: 'c-staff', group: 'staff' },
  { id: 'a-guest', consumerId: 'c-guest', group: 'anonymous' },
];
const directory = buildConsumerDirectory(entities.consumers);

function acl(config: Record<string, unknown>) {
  return plugin.create(pluginConfig(plugin, config), {
    instanceId: 'acl-test',
    consumers: directory,
    entities,
    logger: pino({ level: 'silent' }),
    persistent: (_k, init) => init(),
    shared: (_k, build) => build(),
  });
}

function request(options: { consumer?: string; credential?: boolean; groups?: unknown; method?: string } = {}): RequestContext {
  const ctx = new RequestContext({
    id: 'r1',
    method: options.method ?? 'GET',
    path: '/',
    querystring: '',
    headers: {},
    clientIp: '127.0.0.1',
    scheme: 'http',
    host: 'localhost',
  });
  const credential = options.credential ? { id: 'cred-1', type: 'test', identifier: 'cred-1' } : null;
  if (options.consumer) ctx.authenticate(directory.byId(options.consumer)!, credential);
  else if (credential) ctx.credential = credential;
  if (options.groups !== undefined) ctx.shared[AUTHENTICATED_GROUPS_KEY] = options.groups;
  return ctx;
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    return err.code;
  }
  assert.fail('expected a refusal');
}

test('without a consumer, asserted groups decide and go upstream as X-Authenticated-Groups', async () => {
  const handler = acl({ allow: ['admin'] });
  const ctx = request({ groups: ['admin', 'ops'] });
  await handler.access!(ctx);
  assert.equal(ctx.headers['x-authenticated-groups'], 'admin, ops');
  assert.equal(ctx.headers['x-consumer-groups'], undefined);
  assert.equal(
    refusal(() => handler.access!(request({ groups: ['ops'] }))),
    'ACL_FORBIDDEN',
  );
  assert.equal(
    refusal(() => handler.access!(request({ groups: [] }))),
    'ACL_FORBIDDEN',
  );
});

test('without a consumer or groups: 401, or 403 when a credential came without a consumer (Kong 3.x)', () => {
  const handler = acl({ allow: ['admin'] });
  assert.equal(
    refusal(() => handler.access!(request())),
    'ACL_NO_CONSUMER',
  );
  assert.equal(
    refusal(() => handler.access!(request({ groups: 'admin' }))),
    'ACL_NO_CONSUMER',
    'not a list: ignored',
  );
  assert.equal(
    refusal(() => handler.access!(request({ credential: true }))),
    'ACL_FORBIDDEN',
  );
});

test("asserted groups override the anonymous consumer's own groups", async () => {
  const handler = acl({ allow: ['admin'] });
  assert.equal(
    refusal(() => handler.access!(request({ consumer: 'c-guest' }))),
    'ACL_FORBIDDEN',
  );
  const ctx = request({ consumer: 'c-guest', groups: ['admin'] });
  await handler.access!(ctx);
  assert.equal(ctx.headers['x-authenticated-groups'], 'admin');
});

test('a consumer with a credential keeps its own groups unless always_use_authenticated_groups', async () => {
  const byDefault = acl({ allow: ['admin'] });
  assert.equal(
    refusal(() => byDefault.access!(request({ consumer: 'c-staff', credential: true, groups: ['admin'] }))),
    'ACL_FORBIDDEN',
  );

  const always = acl({ allow: ['admin'], always_use_authenticated_groups: true });
  const ctx = request({ consumer: 'c-staff', credential: true, groups: ['admin'] });
  await always.access!(ctx);
  assert.equal(ctx.headers['x-authenticated-groups'], 'admin');
  // no asserted groups: back to the consumer's own
  assert.equal(
    refusal(() => always.access!(request({ consumer: 'c-staff', credential: true }))),
    'ACL_FORBIDDEN',
  );
  const staffOnly = acl({ allow: ['staff'], always_use_authenticated_groups: true });
  const own = request({ consumer: 'c-staff', credential: true });
  await staffOnly.access!(own);
  assert.equal(own.headers['x-consumer-groups'], 'staff');
});

test('group_methods apply to asserted groups as well', async () => {
  const handler = acl({ allow: ['partners'], group_methods: { partners: ['GET'] } });
  await handler.access!(request({ groups: ['partners'], method: 'GET' }));
  assert.equal(
    refusal(() => handler.access!(request({ groups: ['partners'], method: 'PUT' }))),
    'ACL_METHOD_FORBIDDEN',
  );
});
