// Kong 3.x declarative files work unchanged: a `kong config db_export` file (flat, every unset field null) and a
// decK-style nested dump load and serve; each Kong feature this gateway does not implement is refused with its path.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { parseDeclarativeText } from '../../src/config/declarative/parse-file.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startGateway } from '../helpers/gateway.ts';
import { httpRequest } from '../helpers/http.ts';

let up: TestUpstream;

before(async () => {
  up = await startUpstream();
});

after(async () => {
  await up.close();
});

const SERVICE_ID = '5b1484f2-5209-49d9-b43e-92ba09dd9d52';
const ROUTE_ID = '0ed0a9d6-5a43-4e06-9e2b-0d6e4f5a1c11';
const UPSTREAM_ID = '9b6f2d1e-4c8a-4f0e-8d3b-1a2b3c4d5e6f';
const CONSUMER_ID = '7d3a1c2e-8f4b-4a6d-9e0c-1b2a3c4d5e6f';
const WS_ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

/** The health checker as Kong 3.x exports it when nobody touched it (all checks off). */
const HEALTHCHECKS = `
    active:
      concurrency: 10
      headers: ~
      healthy: { http_statuses: [200, 302], interval: 0, successes: 0 }
      http_path: /
      https_sni: ~
      https_verify_certificate: true
      timeout: 1
      type: http
      unhealthy: { http_failures: 0, http_statuses: [429, 404, 500, 501, 502, 503, 504, 505], interval: 0, tcp_failures: 0, timeouts: 0 }
    passive:
      healthy: { http_statuses: [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308], successes: 0 }
      type: http
      unhealthy: { http_failures: 0, http_statuses: [429, 500, 503], tcp_failures: 0, timeouts: 0 }
    threshold: 0`;

/** Common plugin entity fields as db_export writes them (config, name, scope and id vary). */
const pluginRow = (id: string, name: string, scope: { service?: string; route?: string; consumer?: string }, config: string, enabled = true) => `
- config: ${config}
  consumer: ${scope.consumer ?? '~'}
  created_at: 1717171721
  enabled: ${enabled}
  id: ${id}
  instance_name: ~
  name: ${name}
  ordering: ~
  protocols: [grpc, grpcs, http, https]
  route: ${scope.route ?? '~'}
  service: ${scope.service ?? '~'}
  tags: ~
  updated_at: 1717171721
  ws_id: ${WS_ID}`;

/** `kong config db_export`: flat top-level lists, foreign keys as bare ids, every unset field written as null. */
const dbExport = (targetPort: number) => `
_format_version: "3.0"
_transform: false
services:
- ca_certificates: ~
  client_certificate: ~
  connect_timeout: 60000
  created_at: 1717171717
  enabled: true
  host: orders.upstream
  id: ${SERVICE_ID}
  name: ~
  path: /v1
  port: 80
  protocol: http
  read_timeout: 60000
  retries: 5
  tags: ~
  tls_verify: ~
  tls_verify_depth: ~
  updated_at: 1717171717
  write_timeout: 60000
  ws_id: ${WS_ID}
routes:
- created_at: 1717171718
  destinations: ~
  headers: ~
  hosts: ~
  https_redirect_status_code: 426
  id: ${ROUTE_ID}
  methods: ~
  name: ~
  path_handling: v0
  paths: [/orders]
  preserve_host: false
  protocols: [http, https]
  regex_priority: 0
  request_buffering: true
  response_buffering: true
  service: ${SERVICE_ID}
  snis: ~
  sources: ~
  strip_path: true
  tags: ~
  updated_at: 1717171718
  ws_id: ${WS_ID}
upstreams:
- algorithm: round-robin
  client_certificate: ~
  created_at: 1717171716
  hash_fallback: none
  hash_fallback_header: ~
  hash_fallback_query_arg: ~
  hash_fallback_uri_capture: ~
  hash_on: none
  hash_on_cookie: ~
  hash_on_cookie_path: /
  hash_on_header: ~
  hash_on_query_arg: ~
  hash_on_uri_capture: ~
  healthchecks:${HEALTHCHECKS}
  host_header: ~
  id: ${UPSTREAM_ID}
  name: orders.upstream
  slots: 10000
  tags: ~
  updated_at: 1717171716
  use_srv_name: false
  ws_id: ${WS_ID}
targets:
- created_at: 1717171716.123
  id: 3f1c2b4a-0d9e-4e8f-a7b6-c5d4e3f2a1b0
  tags: ~
  target: 127.0.0.1:${targetPort}
  updated_at: 1717171716.123
  upstream: ${UPSTREAM_ID}
  weight: 100
  ws_id: ${WS_ID}
consumers:
- created_at: 1717171719
  custom_id: ~
  id: ${CONSUMER_ID}
  tags: ~
  updated_at: 1717171719
  username: acme
  ws_id: ${WS_ID}
keyauth_credentials:
- consumer: ${CONSUMER_ID}
  created_at: 1717171720
  id: 1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
  key: acme-secret-key
  tags: ~
  ttl: ~
  ws_id: ${WS_ID}
jwt_secrets:
- algorithm: HS256
  consumer: ${CONSUMER_ID}
  created_at: 1717171720
  id: 2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e
  key: acme-issuer
  rsa_public_key: ~
  secret: acme-hmac-secret-0123456789abcdef
  tags: ~
  ws_id: ${WS_ID}
acls:
- consumer: ${CONSUMER_ID}
  created_at: 1717171720
  group: partners
  id: 4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f
  tags: ~
  ws_id: ${WS_ID}
plugins:${[
  pluginRow(
    '6e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8a9b',
    'key-auth',
    { service: SERVICE_ID },
    '{ anonymous: ~, hide_credentials: false, key_in_body: false, key_in_header: true, key_in_query: true, key_names: [apikey], realm: ~, run_on_preflight: true }',
  ),
  pluginRow(
    '7f8a9b0c-1d2e-4f3a-8b4c-5d6e7f8a9b0c',
    'acl',
    { route: ROUTE_ID },
    '{ allow: [partners], always_use_authenticated_groups: false, deny: ~, hide_groups_header: false }',
  ),
  pluginRow(
    '8a9b0c1d-2e3f-4a4b-8c5d-6e7f8a9b0c1d',
    'rate-limiting',
    { consumer: CONSUMER_ID },
    `{ day: ~, error_code: 429, error_message: API rate limit exceeded, fault_tolerant: true, header_name: ~, hide_client_headers: false, hour: ~,
      limit_by: consumer, minute: 100, month: ~, path: ~, policy: local, second: ~, sync_rate: -1, year: ~,
      redis: { database: 0, host: ~, password: ~, port: 6379, server_name: ~, ssl: false, ssl_verify: false, timeout: 2000, username: ~ } }`,
  ),
  pluginRow('9b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1d2e', 'correlation-id', {}, '{ echo_downstream: false, generator: uuid#counter, header_name: Kong-Request-ID }'),
  // disabled in Kong, so it must not run here either (it would refuse every request without a JWT)
  pluginRow(
    '0c1d2e3f-4a5b-4c6d-8e7f-8a9b0c1d2e3f',
    'jwt',
    {},
    '{ anonymous: ~, claims_to_verify: ~, cookie_names: [], header_names: [authorization], key_claim_name: iss, maximum_expiration: 0, realm: ~, run_on_preflight: true, secret_is_base64: false, uri_param_names: [jwt] }',
    false,
  ),
  pluginRow(
    '1d2e3f4a-5b6c-4d7e-8f8a-9b0c1d2e3f4a',
    'cors',
    {},
    '{ credentials: false, exposed_headers: ~, headers: ~, max_age: ~, methods: [GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS, TRACE, CONNECT], origins: ~, preflight_continue: false, private_network: false }',
  ),
  pluginRow('2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b', 'ip-restriction', {}, '{ allow: [127.0.0.1], deny: ~, message: ~, status: ~ }'),
  pluginRow(
    '3f4a5b6c-7d8e-4f9a-8b1c-2d3e4f5a6b7c',
    'request-size-limiting',
    {},
    '{ allowed_payload_size: 128, require_content_length: false, size_unit: megabytes }',
  ),
].join('')}
`;

test('a `kong config db_export` file (flat, nulls, ids, timestamps, ws_id) loads and proxies unchanged', async () => {
  const gw = await startGateway(parseDeclarativeText(dbExport(up.port)));
  try {
    const before = up.requests.length;
    const ok = await fetch(`${gw.url}/orders/42?x=1`, { headers: { apikey: 'acme-secret-key' } });
    await ok.arrayBuffer();
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-ratelimit-limit-minute'), '100', 'the consumer-scoped rate limit applies');
    const seen = up.requests.at(-1)!;
    assert.equal(up.requests.length, before + 1);
    assert.equal(seen.url, '/v1/42?x=1', 'service path /v1 joined with the stripped route path');
    assert.equal(seen.headers['x-consumer-username'], 'acme');
    assert.equal(seen.headers['x-consumer-id'], CONSUMER_ID, 'the exported id is kept');
    assert.ok(seen.headers['kong-request-id'], 'the global correlation-id plugin ran');

    const anonymous = await fetch(`${gw.url}/orders/42`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { message: string }).message, 'No API key found in request');
    assert.equal(up.requests.length, before + 1);
  } finally {
    await gw.close();
  }
});

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function hs256(payload: object, secret: string): string {
  const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** decK's nested shape (`deck gateway dump --with-id`), defaults spelled out, plus Kong's `_comment`/`_ignore` notes. */
const nestedDump = (port: number, deadPort: number) => `
_format_version: "3.0"
_info: { select_tags: [shop], defaults: {} }
_comment: exported for the migration
services:
- connect_timeout: 60000
  enabled: true
  host: shop.upstream
  id: 11111111-2222-4333-8444-555555555555
  name: shop
  port: 80
  protocol: http
  read_timeout: 60000
  retries: 5
  tags: [shop]
  write_timeout: 60000
  _comment: owned by the shop team
  routes:
  - https_redirect_status_code: 426
    hosts: [shop.example.test]
    id: 22222222-3333-4444-8555-666666666666
    methods: [GET, POST]
    name: shop-api
    path_handling: v0
    paths: [/shop]
    preserve_host: false
    protocols: [http, https]
    regex_priority: 0
    request_buffering: true
    response_buffering: true
    strip_path: false
    tags: [shop]
    plugins:
    - config: { allow: [buyers], always_use_authenticated_groups: false, hide_groups_header: false }
      enabled: true
      id: 33333333-4444-4555-8666-777777777777
      name: acl
      protocols: [grpc, grpcs, http, https]
  plugins:
  - config: { claims_to_verify: [exp], cookie_names: [], header_names: [authorization], key_claim_name: iss, maximum_expiration: 0, run_on_preflight: true, secret_is_base64: false, uri_param_names: [jwt] }
    enabled: true
    id: 44444444-5555-4666-8777-888888888888
    name: jwt
    protocols: [grpc, grpcs, http, https]
    _ignore: [{ note: kept by Kong, ignored }]
upstreams:
- algorithm: round-robin
  hash_fallback: none
  hash_on: none
  hash_on_cookie_path: /
  healthchecks:${HEALTHCHECKS}
  id: 55555555-6666-4777-8888-999999999999
  name: shop.upstream
  slots: 10000
  use_srv_name: false
  targets:
  - id: 66666666-7777-4888-8999-aaaaaaaaaaaa
    target: 127.0.0.1:${port}
    weight: 100
  - id: 77777777-8888-4999-8aaa-bbbbbbbbbbbb
    target: 127.0.0.1:${deadPort}
    weight: 0
consumers:
- id: 88888888-9999-4aaa-8bbb-cccccccccccc
  created_at: 1717171719
  username: shopper
  custom_id: shopper-7
  acls:
  - group: buyers
    id: 99999999-aaaa-4bbb-8ccc-dddddddddddd
  jwt_secrets:
  - algorithm: HS256
    id: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee
    key: shop-issuer
    secret: shop-hmac-secret-0123456789abcdef
`;

test('a decK-style nested dump with ids, notes and a weight-0 target loads and proxies unchanged', async () => {
  const gw = await startGateway(parseDeclarativeText(nestedDump(up.port, 9)));
  try {
    const token = hs256({ iss: 'shop-issuer', exp: Math.floor(Date.now() / 1000) + 300 }, 'shop-hmac-secret-0123456789abcdef');
    for (let i = 0; i < 3; i++) {
      // weight 0 takes the dead target out of rotation: every request reaches the live one
      const res = await httpRequest(`${gw.url}/shop/cart`, { headers: { host: 'shop.example.test', authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, res.body);
      const seen = up.requests.at(-1)!;
      assert.equal(seen.url, '/shop/cart');
      assert.equal(seen.headers['x-consumer-custom-id'], 'shopper-7');
    }
    const noToken = await httpRequest(`${gw.url}/shop/cart`, { headers: { host: 'shop.example.test' } });
    assert.equal(noToken.status, 401);
  } finally {
    await gw.close();
  }
});

test('settings Kong accepts and this gateway honours as written also load', async () => {
  const doc = minimal();
  Object.assign(doc.services[0]!, { protocol: 'https', port: 443, tls_verify: true, tls_verify_depth: null, ca_certificates: [] });
  Object.assign(doc.services[0]!.routes[0]!, { sources: [], destinations: null, snis: null });
  Object.assign(doc.upstreams[0]!, {
    // hash parameters are inert while hash_on is none, in Kong as here
    hash_on_header: 'x-user',
    hash_on_cookie: 'sticky',
    hash_on_query_arg: 'user',
    healthchecks: {
      active: { type: 'https', http_path: '/health', https_sni: 'orders.internal', healthy: { successes: 2 } },
      passive: { healthy: { successes: 5 } },
      threshold: 25,
    },
  });
  doc.plugins[0]!.protocols = ['http', 'https'];
  doc.plugins[0]!.ordering = { before: null, after: null };
  const gw = await startGateway(doc);
  await gw.close();
});

test('plugin protocols as Kong reads them: any HTTP-subsystem protocol runs it on every HTTP request; stream-only never', async () => {
  const doc = { ...minimal(), upstreams: [] };
  doc.services[0] = { name: 'orders', url: up.url, routes: doc.services[0]!.routes };
  // Kong's should_process_plugin looks at the subsystem, not at the request's scheme: an https-only key-auth
  // still guards plain http requests, and a tcp-only one is never run by the HTTP proxy.
  for (const [protocols, status] of [
    [['grpcs', 'https'], 401],
    [['ws'], 401],
    [['tcp', 'tls'], 200],
  ] as const) {
    doc.plugins[0]!.protocols = [...protocols];
    const gw = await startGateway(doc);
    try {
      const res = await fetch(`${gw.url}/orders`);
      await res.arrayBuffer();
      assert.equal(res.status, status, JSON.stringify(protocols));
    } finally {
      await gw.close();
    }
  }
});

/** A small valid file to graft one unsupported setting onto. */
function minimal() {
  return {
    _format_version: '3.0',
    services: [
      { name: 'orders', host: 'orders.upstream', routes: [{ name: 'orders', paths: ['/orders'] } as Record<string, unknown>] } as Record<string, unknown> & {
        routes: Record<string, unknown>[];
      },
    ],
    upstreams: [{ name: 'orders.upstream', targets: [{ target: '127.0.0.1:9' }] } as Record<string, unknown>],
    consumers: [{ username: 'acme', keyauth_credentials: [{ key: 'k' }] } as Record<string, unknown>],
    plugins: [{ name: 'key-auth' } as Record<string, unknown>],
  };
}

type Doc = ReturnType<typeof minimal>;
const REFUSED: [string, (doc: Doc) => void, string[]][] = [
  [
    'upstream algorithm least-connections',
    (d) => {
      d.upstreams[0]!.algorithm = 'least-connections';
    },
    ['upstreams[0].algorithm'],
  ],
  [
    'upstream algorithm consistent-hashing on a header',
    (d) => Object.assign(d.upstreams[0]!, { algorithm: 'consistent-hashing', hash_on: 'header', hash_on_header: 'x-user' }),
    ['upstreams[0].algorithm', 'upstreams[0].hash_on'],
  ],
  [
    'hash_on consumer with an ip fallback',
    (d) => Object.assign(d.upstreams[0]!, { hash_on: 'consumer', hash_fallback: 'ip' }),
    ['upstreams[0].hash_on', 'upstreams[0].hash_fallback'],
  ],
  [
    'active probes of healthy targets',
    (d) => {
      d.upstreams[0]!.healthchecks = { active: { healthy: { interval: 5 } } };
    },
    ['upstreams[0].healthchecks.active.healthy.interval'],
  ],
  [
    'active probes of unhealthy targets',
    (d) => {
      d.upstreams[0]!.healthchecks = { active: { unhealthy: { interval: 0.5 } } };
    },
    ['upstreams[0].healthchecks.active.unhealthy.interval'],
  ],
  [
    'a passive circuit breaker',
    (d) => {
      d.upstreams[0]!.healthchecks = { passive: { unhealthy: { tcp_failures: 2, timeouts: 1, http_failures: 3 } } };
    },
    [
      'upstreams[0].healthchecks.passive.unhealthy.tcp_failures',
      'upstreams[0].healthchecks.passive.unhealthy.timeouts',
      'upstreams[0].healthchecks.passive.unhealthy.http_failures',
    ],
  ],
  [
    'SRV names',
    (d) => {
      d.upstreams[0]!.use_srv_name = true;
    },
    ['upstreams[0].use_srv_name'],
  ],
  [
    'an upstream client certificate',
    (d) => {
      d.upstreams[0]!.client_certificate = 'c0ffee00-0000-4000-8000-000000000001';
    },
    ['upstreams[0].client_certificate'],
  ],
  [
    'a gRPC service',
    (d) => {
      d.services[0]!.protocol = 'grpc';
    },
    ['services[0].protocol'],
  ],
  ['a service that skips certificate verification', (d) => Object.assign(d.services[0]!, { protocol: 'https', tls_verify: false }), ['services[0].tls_verify']],
  ['a certificate chain depth', (d) => Object.assign(d.services[0]!, { protocol: 'https', tls_verify_depth: 3 }), ['services[0].tls_verify_depth']],
  [
    'a service client certificate',
    (d) => Object.assign(d.services[0]!, { protocol: 'https', client_certificate: { id: 'c0ffee00-0000-4000-8000-000000000001' } }),
    ['services[0].client_certificate'],
  ],
  [
    'service CA certificates',
    (d) => Object.assign(d.services[0]!, { protocol: 'https', ca_certificates: ['c0ffee00-0000-4000-8000-000000000002'] }),
    ['services[0].ca_certificates'],
  ],
  [
    'a route also serving tcp',
    (d) => {
      d.services[0]!.routes[0]!.protocols = ['http', 'tcp'];
    },
    ['services[0].routes[0].protocols[1]'],
  ],
  [
    'route sources',
    (d) => {
      d.services[0]!.routes[0]!.sources = [{ ip: '10.0.0.0/8' }];
    },
    ['services[0].routes[0].sources'],
  ],
  [
    'route destinations',
    (d) => {
      d.services[0]!.routes[0]!.destinations = [{ port: 8443 }];
    },
    ['services[0].routes[0].destinations'],
  ],
  [
    'dynamic plugin ordering',
    (d) => {
      d.plugins[0]!.ordering = { before: { access: ['rate-limiting'] } };
    },
    ['plugins[0].ordering'],
  ],
  // entities that refer to a refused one (here by name, as flat exports do by id) add no errors of their own
  [
    'a refused upstream with a flat target',
    (d) => {
      d.upstreams[0]!.algorithm = 'least-connections';
      Object.assign(d, { targets: [{ upstream: 'orders.upstream', target: '127.0.0.1:10' }] });
    },
    ['upstreams[0].algorithm'],
  ],
  [
    'a refused service with a flat route and plugin',
    (d) => {
      d.services[0]!.protocol = 'grpcs';
      Object.assign(d, { routes: [{ service: 'orders', paths: ['/flat'] }] });
      d.plugins.push({ name: 'rate-limiting', service: 'orders', config: { minute: 5 } });
    },
    ['services[0].protocol'],
  ],
  [
    'entities from two workspaces',
    (d) => {
      d.services[0]!.ws_id = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
      d.consumers[0]!.ws_id = 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';
    },
    ['consumers[0].ws_id'],
  ],
];

for (const [what, graft, paths] of REFUSED) {
  test(`refused when the file loads, at its path: ${what}`, async () => {
    const doc = minimal();
    graft(doc);
    const error = await startGateway(doc).then(
      async (gw) => {
        await gw.close();
        return null;
      },
      (err: unknown) => err,
    );
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.deepEqual(error.errors.map((e) => e.path).sort(), [...paths].sort(), JSON.stringify(error.errors, null, 1));
    for (const e of error.errors) assert.match(e.message, /not supported yet by this gateway/);
  });
}

test("Kong's _comment and _ignore notes must have Kong's types", async () => {
  const doc = minimal();
  Object.assign(doc.services[0]!, { _comment: ['not', 'a', 'string'] });
  Object.assign(doc.consumers[0]!, { _ignore: 'not an array' });
  const error = await startGateway(doc).then(
    () => null,
    (err: unknown) => err,
  );
  assert.ok(error instanceof ConfigError);
  assert.deepEqual(
    error.errors.map((e) => [e.path, e.message]),
    [
      ['services[0]._comment', 'expected a string'],
      ['consumers[0]._ignore', 'expected an array'],
    ],
  );
});
