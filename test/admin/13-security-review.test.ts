// Security review of the admin API, failing closed: a JSON body sent as a form (`curl -d '{…}'`) is refused
// without echoing it, form bodies are bounded in fields (the schema dry runs are open to read-only tokens),
// log redaction covers Kong-Admin-Token and bodies, YAML given to POST /config never reaches stderr or an error;
// plus what was checked and holds: path tricks cannot dodge role checks, secrets stay out of every answer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { MAX_FORM_FIELDS } from '../../src/admin/form-body.ts';
import { allAdminRoutes } from '../../src/admin/routes/index.ts';
import { DEFAULT_ADMIN_LISTEN, startNode, type RunningNode } from '../../src/control-plane/start-node.ts';
import { REDACT_PATHS } from '../../src/observability/logger.ts';
import { expectProblem, startTestAdmin, type TestAdmin } from '../helpers/admin.ts';
import { plugins } from '../helpers/gateway.ts';
import { rawRequest } from '../helpers/raw-http.ts';

const API_KEY = 'sr-api-key-never-shown-0123456789';
const JWT_SECRET = 'sr-jwt-secret-never-shown-0123456789';
const REDIS_PASSWORD = 'sr-redis-password-never-shown';

describe('database mode', () => {
  let admin: TestAdmin;
  before(async () => {
    admin = await startTestAdmin({ routes: allAdminRoutes() });
    assert.equal((await admin.request('POST', '/consumers', { body: { username: 'sr-user' } })).status, 201);
  });
  after(() => admin.close());

  test('a JSON body sent as a form (curl -d) is refused without echoing it: its text would be a field name', async () => {
    const before = await admin.snapshotEntities();
    const cases: [string, string][] = [
      ['/consumers/sr-user/key-auth', `{"key":"${API_KEY}"}`],
      ['/consumers/sr-user/jwt', ` {"key":"sr-iss","secret":"${JWT_SECRET}"}`],
      ['/plugins', `{"name":"rate-limiting","config":{"minute":1,"redis":{"password":"${REDIS_PASSWORD}"}}}`],
      ['/schemas/plugins/validate', `[{"name":"rate-limiting","config":{"redis":{"password":"${REDIS_PASSWORD}"}}}]`],
    ];
    for (const [path, body] of cases) {
      const res = await admin.request('POST', path, { body, contentType: 'application/x-www-form-urlencoded' });
      const problem = expectProblem(res, 400, 'ADMIN_MALFORMED_BODY', path);
      assert.match(problem.detail, /application\/json/);
      for (const secret of [API_KEY, JWT_SECRET, REDIS_PASSWORD]) assert.ok(!res.text.includes(secret), `${path}: ${res.text}`);
    }
    assert.deepEqual(await admin.snapshotEntities(), before);
    // the same mistake on /admin-tokens
    const token = await admin.request('POST', '/admin-tokens', { body: '{"name":"sr-token","role":"admin"}' });
    expectProblem(token, 400, 'ADMIN_MALFORMED_BODY');
  });

  test(`a form body holds at most ${MAX_FORM_FIELDS} fields, also on the dry runs a read-only token may call`, async () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `headers.x-sr[${i}].y=1`).join('&');
    // many thousand indexed records: refused before any of them is placed
    const flood = await admin.request('POST', '/schemas/routes/validate', { body: fields(30_000), token: admin.readOnlyToken });
    assert.match(expectProblem(flood, 400, 'ADMIN_MALFORMED_BODY').detail, new RegExp(`at most ${MAX_FORM_FIELDS} fields`));
    expectProblem(await admin.request('POST', '/routes', { body: `${fields(MAX_FORM_FIELDS)}&paths=/one-too-many` }), 400, 'ADMIN_MALFORMED_BODY');
    // up to the limit, indexed fields still land where they say
    const paths = Array.from({ length: MAX_FORM_FIELDS - 1 }, (_, i) => `paths[${i + 1}]=/p${i}`).join('&');
    const route = await admin.request('POST', '/routes', { body: `name=sr-many&${paths}` });
    assert.equal(route.status, 201, route.text.slice(0, 300));
    assert.equal(route.body.paths.length, MAX_FORM_FIELDS - 1);
    assert.deepEqual(route.body.paths.slice(0, 2), ['/p0', '/p1']);
    const objects = await admin.request('POST', '/schemas/routes/validate', { body: 'paths=/x&headers.x-a[1]=a&headers.x-a[2]=b', token: admin.readOnlyToken });
    assert.equal(objects.status, 200, objects.text);
  });

  test('path and method tricks never take a read-only or unknown token past the role check', async () => {
    const before = (await admin.request('GET', '/admin-tokens')).body.data.length;
    const reader = { token: admin.readOnlyToken };
    for (const path of [
      '/admin-tokens',
      '/admin-tokens/',
      '/admin%2Dtokens',
      '/%61dmin-tokens',
      '/services/../admin-tokens',
      '/services/%2E%2E/admin-tokens',
      '//admin-tokens',
    ]) {
      const read = await admin.request('GET', path, reader);
      assert.ok([403, 404].includes(read.status), `GET ${path}: ${read.status}`);
      assert.ok(!read.text.includes('test-admin'), `GET ${path} lists no token`);
      const write = await admin.request('POST', path, { ...reader, body: { name: `sr-${path}`, role: 'admin' } });
      assert.ok([403, 404].includes(write.status), `POST ${path}: ${write.status}`);
      const anonymous = await admin.request('POST', path, { token: 'pcat_not-a-token', body: { name: 'sr-anon', role: 'admin' } });
      expectProblem(anonymous, 401, 'ADMIN_UNAUTHORIZED', `anonymous POST ${path}`);
    }
    assert.equal((await admin.request('HEAD', '/admin-tokens', reader)).status, 403);
    expectProblem(await admin.request('PUT', '/services/sr-svc', { ...reader, body: { host: 'x.internal' } }), 403, 'ADMIN_FORBIDDEN');
    // a Host header or an absolute-form target changes nothing
    const port = admin.server.address().port;
    const absolute = await rawRequest(
      port,
      `POST http://127.0.0.1:${port}/admin-tokens HTTP/1.1\r\nHost: admin.internal\r\nAuthorization: Bearer ${admin.readOnlyToken}\r\nContent-Type: application/json\r\nContent-Length: 32\r\nConnection: close\r\n\r\n{"name":"sr-abs","role":"admin"}`,
    );
    assert.ok([403, 404].includes(absolute.status), absolute.raw);
    const host = await rawRequest(
      port,
      `POST /admin-tokens HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${admin.readOnlyToken}\r\nContent-Type: application/json\r\nContent-Length: 32\r\nConnection: close\r\n\r\n{"name":"sr-hst","role":"admin"}`,
    );
    assert.equal(host.status, 403);
    assert.equal((await admin.request('GET', '/admin-tokens')).body.data.length, before, 'no token was created');
  });

  test('secrets never come back: reads, write answers, unique violations, /config and /audit', async () => {
    const key = await admin.request('POST', '/consumers/sr-user/key-auth', { body: { key: API_KEY } });
    const jwt = await admin.request('POST', '/consumers/sr-user/jwt', { body: { key: 'sr-iss', secret: JWT_SECRET } });
    const rl = await admin.request('POST', '/plugins', {
      body: { name: 'rate-limiting', instance_name: 'sr-rl', config: { minute: 5, policy: 'local', redis: { password: REDIS_PASSWORD } } },
    });
    assert.deepEqual([key.status, jwt.status, rl.status], [201, 201, 201], rl.text);
    const answers = [
      key,
      jwt,
      rl,
      await admin.request('POST', '/consumers/sr-user/key-auth', { body: { key: API_KEY } }),
      await admin.request('PATCH', `/key-auths/${key.body.id}`, { body: { tags: ['x'] } }),
      await admin.request('PUT', `/consumers/sr-user/jwt/sr-iss`, { body: { secret: JWT_SECRET } }),
      await admin.request('PATCH', '/plugins/sr-rl', { body: { config: { minute: 6 } } }),
      await admin.request('PATCH', '/plugins/sr-rl', { body: { config: { minute: 'x', redis: { password: REDIS_PASSWORD } } } }),
      await admin.request('GET', `/key-auths/${API_KEY}`),
      await admin.request('GET', '/consumers/sr-user/jwt'),
      await admin.request('GET', '/plugins'),
      await admin.request('GET', '/config'),
      await admin.request('GET', '/config?format=yaml'),
      await admin.request('GET', '/audit?size=50'),
    ];
    assert.equal(answers[3]!.status, 409);
    for (const res of answers) {
      for (const secret of [API_KEY, JWT_SECRET, REDIS_PASSWORD]) assert.ok(!res.text.includes(secret), `${secret} in ${res.text.slice(0, 200)}`);
    }
  });
});

test('log redaction covers both admin token headers, proxy credentials and whole request bodies', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write: (chunk, _enc, done) => {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
  const token = 'pcat_sr-token-never-logged';
  logger.info(
    {
      req: {
        headers: { 'kong-admin-token': token, authorization: `Bearer ${token}`, 'proxy-authorization': token },
        body: { config: { redis: { password: REDIS_PASSWORD } } },
      },
    },
    'request',
  );
  logger.info({ headers: { 'kong-admin-token': token, 'proxy-authorization': token } }, 'headers');
  logger.info({ body: { key: API_KEY, credentials: [{ secret: JWT_SECRET }] } }, 'body');
  const log = lines.join('');
  assert.equal(lines.length, 3);
  for (const secret of [token, REDIS_PASSWORD, API_KEY, JWT_SECRET]) assert.ok(!log.includes(secret), log);
});

test('the admin API listens on 127.0.0.1 unless told otherwise', () => {
  assert.equal(DEFAULT_ADMIN_LISTEN.host, '127.0.0.1');
});

describe('DB-less mode: YAML sent to POST /config', () => {
  let node: RunningNode;
  let dir: string;
  let url: string;
  const ADMIN = 'sr-dbless-admin-token';
  const post = async (body: unknown) => {
    const res = await fetch(`${url}/config`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-sr-'));
    const file = join(dir, 'kong.json');
    await writeFile(file, JSON.stringify({ _format_version: '3.0' }));
    node = await startNode({
      configFile: file,
      listen: [{ host: '127.0.0.1', port: 0 }],
      adminListen: { host: '127.0.0.1', port: 0 },
      env: { PORTCULLIS_ADMIN_TOKEN: ADMIN },
      logger: pino({ level: 'silent' }),
      plugins: await plugins(),
    });
    url = `http://127.0.0.1:${node.admin.address().port}`;
  });
  after(async () => {
    await node?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('never reaches stderr (YAML warnings quote the source line) nor an error message', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(`${w.name} ${w.message}`);
    process.on('warning', onWarning);
    try {
      const yaml = `_format_version: "3.0"\nconsumers:\n- username: sr-yaml\n  jwt_secrets:\n  - key: sr-yaml-iss\n    secret: !vault ${JWT_SECRET}\n`;
      const loaded = await post({ config: yaml });
      assert.equal(loaded.status, 201, loaded.text);
      const alias = await post({ config: `_format_version: "3.0"\nconsumers:\n- username: *${REDIS_PASSWORD}\n` });
      assert.equal(alias.status, 400, alias.text);
      assert.ok(!alias.text.includes(REDIS_PASSWORD), alias.text);
      assert.match(alias.text, /Unresolved alias/);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      for (const w of warnings) assert.ok(!w.includes(JWT_SECRET), w);
      assert.ok(!loaded.text.includes(JWT_SECRET), loaded.text);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
