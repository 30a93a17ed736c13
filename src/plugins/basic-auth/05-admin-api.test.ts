// Kong's spec/03-plugins/10-basic-auth/02-api_spec.lua (and 04-invalidations, and 03-access's "consumer cache
// consistency") against a real admin API over PGlite with a real gateway behind it: credentials created,
// listed, read, patched, put and deleted under /consumers/{c}/basic-auth and /basic-auths; the password never
// in any answer (Kong shows its sha1: this build shows nothing); passwords hashed by the store work on the
// proxy, and every change reaches it at once.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestAdmin, expectProblem, type AdminResponse, type RequestOptions, type TestAdmin } from '../../../test/helpers/admin.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { allAdminRoutes } from '../../admin/routes/index.ts';

let admin: TestAdmin;
let upstream: TestUpstream;
let bob: Body;

/** What these tests read of admin answers: an entity, a page of them, or (problem()) a refusal's fields. */
interface Body {
  id: string;
  username: string;
  consumer: { id: string };
  tags?: string[];
  data: Body[];
  offset?: string | null;
}
type Answer = Omit<AdminResponse, 'body'> & { body: Body };

const call = async (method: string, path: string, options?: RequestOptions): Promise<Answer> => admin.request(method, path, options);
const problem = (res: Answer, status: number, code: string) => expectProblem(res, status, code) as { fields: Record<string, string> };

const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;
/** fetch sets Host itself: routes here match by path (`/ba`; `/anon` for the anonymous case). */
const proxy = (authorization?: string, path = '/ba') =>
  fetch(`${admin.proxyUrl}${path}/request`, { headers: authorization === undefined ? {} : { authorization } });

/** No answer of the admin API may hold a password or its hash. */
function assertNoSecret(text: string, ...passwords: string[]): void {
  assert.doesNotMatch(text, /password|\$scrypt\$/, text);
  for (const p of passwords) assert.ok(!text.includes(p), `${p} in ${text}`);
}

async function clearCredentials(): Promise<void> {
  for (const c of (await call('GET', '/basic-auths')).body.data) await call('DELETE', `/basic-auths/${c.id}`);
}

before(async () => {
  upstream = await startUpstream();
  admin = await startTestAdmin({ routes: allAdminRoutes() });
  bob = (await call('POST', '/consumers', { body: { username: 'bob' } })).body;
  await call('POST', '/services', { body: { name: 'svc', url: upstream.url } });
  await call('POST', '/services/svc/routes', { body: { name: 'r', paths: ['/ba'] } });
  assert.equal((await call('POST', '/routes/r/plugins', { body: { name: 'basic-auth' } })).status, 201);
});

after(async () => {
  await admin?.close();
  await upstream?.close();
});

describe('/consumers/:consumer/basic-auth/', () => {
  describe('POST', () => {
    test('creates a basic-auth credential', async () => {
      await clearCredentials();
      const res = await call('POST', '/consumers/bob/basic-auth', { body: { username: 'bob', password: 'kong' } });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.consumer.id, bob.id);
      assert.equal(res.body.username, 'bob');
    });
    test('creates a basic-auth credential with tags', async () => {
      const res = await call('POST', '/consumers/bob/basic-auth/', { body: { username: 'bobby', password: 'kong', tags: ['tag1', 'tag2'] } });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.consumer.id, bob.id);
      assert.deepEqual(res.body.tags, ['tag1', 'tag2']);
    });
    test('hashes the password (and, unlike Kong, never shows it, not even hashed); it works on the proxy', async () => {
      await clearCredentials();
      const res = await call('POST', '/consumers/bob/basic-auth', { body: { username: 'bob', password: 'kong' } });
      assert.equal(res.status, 201, res.text);
      assertNoSecret(res.text);
      const row = (await admin.store.sql.query<{ data: Record<string, unknown> }>('SELECT data FROM basicauth_credentials WHERE id = $1', [res.body.id]))
        .rows[0];
      assert.ok(row);
      assert.match(String(row.data.password_hash), /^\$scrypt\$ln=15,r=8,p=1\$/);
      assert.equal(row.data.password, undefined, 'the password itself is never stored');
      assert.equal((await proxy(basic('bob:kong'))).status, 200);
      assert.equal((await proxy(basic('bob:kong '))).status, 401);
    });
    test('hashes the password without trimming whitespace', async () => {
      await clearCredentials();
      assert.equal((await call('POST', '/consumers/bob/basic-auth', { body: { username: 'bob', password: ' kong ' } })).status, 201);
      assert.equal((await proxy(basic('bob: kong '))).status, 200);
      assert.equal((await proxy(basic('bob:kong'))).status, 401);
    });
    describe('errors', () => {
      test('returns bad request', async () => {
        const body = problem(await call('POST', '/consumers/bob/basic-auth', { body: {} }), 400, 'ADMIN_SCHEMA_VIOLATION');
        assert.equal(body.fields.username, 'required field missing');
        assert.equal(body.fields.password, 'required field missing');
      });
      test('cannot create two identical usernames', async () => {
        await clearCredentials();
        assert.equal((await call('POST', '/consumers/bob/basic-auth', { body: { username: 'bob', password: 'kong' } })).status, 201);
        const dup = problem(await call('POST', '/consumers/bob/basic-auth', { body: { username: 'bob', password: 'kong' } }), 409, 'ADMIN_UNIQUE_VIOLATION');
        assert.ok(dup.fields.username, JSON.stringify(dup));
        assertNoSecret(JSON.stringify(dup), 'kong');
      });
      test('(ours) a lookalike of a username is a conflict too', async () => {
        expectProblem(await call('POST', '/consumers/bob/basic-auth', { body: { username: 'BOB', password: 'kong' } }), 409, 'ADMIN_LOOKALIKE_VIOLATION');
      });
    });
  });

  describe('GET', () => {
    test('retrieves the first page; no password or hash in it', async () => {
      await clearCredentials();
      for (let i = 1; i <= 3; i++) await call('POST', '/consumers/bob/basic-auth', { body: { username: `bob${i}`, password: `kong-secret-${i}` } });
      const res = await call('GET', '/consumers/bob/basic-auth');
      assert.equal(res.status, 200);
      assert.equal(res.body.data.length, 3);
      assertNoSecret(res.text, 'kong-secret-');
    });
  });
});

describe('/consumers/:consumer/basic-auth/:id', () => {
  let credential: Body;
  const reset = async () => {
    await clearCredentials();
    credential = (await call('POST', '/consumers/bob/basic-auth', { body: { username: 'bob', password: 'kong' } })).body;
  };

  describe('GET', () => {
    test('retrieves basic-auth credential by id', async () => {
      await reset();
      const res = await call('GET', `/consumers/bob/basic-auth/${credential.id}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.id, credential.id);
      assertNoSecret(res.text, 'kong');
    });
    test('retrieves basic-auth credential by username', async () => {
      assert.equal((await call('GET', `/consumers/bob/basic-auth/${credential.username}`)).body.id, credential.id);
    });
    test('retrieves credential by id only if the credential belongs to the specified consumer', async () => {
      await call('POST', '/consumers', { body: { username: 'alice' } });
      assert.equal((await call('GET', `/consumers/bob/basic-auth/${credential.id}`)).status, 200);
      expectProblem(await call('GET', `/consumers/alice/basic-auth/${credential.id}`), 404, 'ADMIN_NOT_FOUND');
    });
  });

  describe('PUT', () => {
    test('creates a basic-auth credential', async () => {
      const res = await call('PUT', '/consumers/bob/basic-auth/robert', { body: { password: 'kong' } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.consumer.id, bob.id);
      assert.equal(res.body.username, 'robert');
      assert.equal((await proxy(basic('robert:kong'))).status, 200);
    });
    test('errors: returns bad request', async () => {
      const body = problem(
        await call('PUT', '/consumers/bob/basic-auth/b59d82f6-c839-4a60-b491-c6cdff4cd5d3', { body: { username: 123 } }),
        400,
        'ADMIN_SCHEMA_VIOLATION',
      );
      assert.ok(body.fields.username, JSON.stringify(body.fields));
      assert.equal(body.fields.password, 'required field missing');
    });
  });

  describe('PATCH', () => {
    test('updates a credential by id: the new password works, the old one no longer', async () => {
      await reset();
      const res = await call('PATCH', `/consumers/bob/basic-auth/${credential.id}`, { body: { password: '4321' } });
      assert.equal(res.status, 200, res.text);
      assertNoSecret(res.text, '4321');
      assert.equal((await proxy(basic('bob:4321'))).status, 200);
      assert.equal((await proxy(basic('bob:kong'))).status, 401);
    });
    test('ignores a nil password when updated by id', async () => {
      await reset();
      const res = await call('PATCH', `/consumers/bob/basic-auth/${credential.id}`, { body: { username: 'Tyrion Lannister' } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.username, 'Tyrion Lannister');
      assert.equal((await proxy(basic('Tyrion Lannister:kong'))).status, 200, 'the stored password is kept');
      assert.equal((await proxy(basic('bob:kong'))).status, 401);
    });
    test('updates a credential by username', async () => {
      await reset();
      assert.equal((await call('PATCH', `/consumers/bob/basic-auth/${credential.username}`, { body: { password: 'upd4321' } })).status, 200);
      assert.equal((await proxy(basic('bob:upd4321'))).status, 200);
    });
    test('ignores a nil password when updated by username', async () => {
      await reset();
      const res = await call('PATCH', `/consumers/bob/basic-auth/${credential.username}`, { body: { username: 'Tyrion Lannister' } });
      assert.equal(res.body.username, 'Tyrion Lannister');
      assert.equal((await proxy(basic('Tyrion Lannister:kong'))).status, 200);
    });
    test('errors: handles invalid input', async () => {
      await reset();
      const body = problem(await call('PATCH', `/consumers/bob/basic-auth/${credential.id}`, { body: { username: 123 } }), 400, 'ADMIN_SCHEMA_VIOLATION');
      assert.deepEqual(Object.keys(body.fields), ['username']);
    });
  });

  describe('DELETE', () => {
    test('deletes a credential, which stops working at once', async () => {
      await reset();
      assert.equal((await proxy(basic('bob:kong'))).status, 200);
      assert.equal((await call('DELETE', `/consumers/bob/basic-auth/${credential.id}`)).status, 204);
      assert.equal((await proxy(basic('bob:kong'))).status, 401, 'a remembered check outlives no credential');
    });
    test('errors: returns 404 on missing username', async () => {
      expectProblem(await call('DELETE', '/consumers/bob/basic-auth/blah'), 404, 'ADMIN_NOT_FOUND');
    });
    test('errors: returns 404 if not found', async () => {
      expectProblem(await call('DELETE', '/consumers/bob/basic-auth/00000000-0000-0000-0000-000000000000'), 404, 'ADMIN_NOT_FOUND');
    });
  });
});

describe('/basic-auths', () => {
  test('GET retrieves all the basic-auths, with and without trailing slash, and paginates', async () => {
    await clearCredentials();
    await call('POST', '/consumers/bob/basic-auth', { body: { username: 'bob', password: 'secret' } });
    await call('POST', '/consumers', { body: { username: 'bob-the-buidler' } });
    await call('POST', '/consumers/bob-the-buidler/basic-auth', { body: { username: 'bob-the-buidler', password: 'secret' } });
    for (const path of ['/basic-auths/', '/basic-auths']) {
      const res = await call('GET', path);
      assert.equal(res.body.data.length, 2, path);
      assertNoSecret(res.text, 'secret');
    }
    const first = (await call('GET', '/basic-auths?size=1')).body;
    assert.equal(first.data.length, 1);
    const second = (await call('GET', `/basic-auths?size=1&offset=${encodeURIComponent(first.offset ?? '')}`)).body;
    assert.equal(second.data.length, 1);
    assert.notDeepEqual(first.data, second.data);
    assert.equal(second.offset ?? null, null, 'last page');
  });
  test('POST does not create basic-auth credential when missing consumer', async () => {
    await clearCredentials();
    const body = problem(await call('POST', '/basic-auths', { body: { username: 'bob' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
    assert.equal(body.fields.consumer, 'required field missing');
    assert.equal(body.fields.password, 'required field missing');
  });
  test('POST creates basic-auth credential', async () => {
    const res = await call('POST', '/basic-auths', { body: { username: 'bob', password: 'test', consumer: { id: bob.id } } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.username, 'bob');
    assertNoSecret(res.text, 'test');
  });
});

describe('/basic-auths/:username_or_id', () => {
  test('PUT does not create basic-auth credential when missing consumer', async () => {
    await clearCredentials();
    const body = problem(await call('PUT', '/basic-auths/bob', { body: {} }), 400, 'ADMIN_SCHEMA_VIOLATION');
    assert.equal(body.fields.consumer, 'required field missing');
    assert.equal(body.fields.password, 'required field missing');
  });
  test('PUT creates basic-auth credential', async () => {
    const res = await call('PUT', '/basic-auths/bob', { body: { password: 'secret', consumer: { id: bob.id } } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.username, 'bob');
  });
  // Kong refuses to move a credential to another consumer without a new password: its hash is salted with
  // the consumer id. The scrypt hash has its own salt, so a move keeps the password working.
  test('(ours) PATCH may move a credential to another consumer; its password keeps working', async () => {
    const john = (await call('POST', '/consumers', { body: { username: 'john' } })).body;
    const res = await call('PATCH', '/basic-auths/bob', { body: { consumer: { id: john.id } } });
    assert.equal(res.status, 200, res.text);
    assert.equal((await proxy(basic('bob:secret'))).status, 200);
    assert.equal(upstream.requests.at(-1)?.headers['x-consumer-username'], 'john');
  });
});

describe('/basic-auths/:credential_username_or_id/consumer', () => {
  let credential: Body;
  before(async () => {
    await clearCredentials();
    credential = (await call('POST', '/basic-auths', { body: { username: 'bob', password: 'secret', consumer: { id: bob.id } } })).body;
  });
  test('retrieve consumer from a basic-auth id', async () => {
    assert.deepEqual((await call('GET', `/basic-auths/${credential.id}/consumer`)).body, (await call('GET', '/consumers/bob')).body);
  });
  test('retrieve consumer from a basic-auth username', async () => {
    assert.equal((await call('GET', `/basic-auths/${credential.username}/consumer`)).body.id, bob.id);
  });
  test('returns 404 for a random non-existing basic-auth id', async () => {
    expectProblem(await call('GET', `/basic-auths/${randomUUID()}/consumer`), 404, 'ADMIN_NOT_FOUND');
  });
  test('returns 404 for a random non-existing basic-auth username', async () => {
    expectProblem(await call('GET', '/basic-auths/no-such-username/consumer'), 404, 'ADMIN_NOT_FOUND');
  });
});

test('(ours) the audit log of all these writes names the password only as [REDACTED], never its value or hash', async () => {
  const audit = await call('GET', '/audit?kind=basicauth_credentials&size=1000');
  assert.equal(audit.status, 200, audit.text);
  assert.ok(audit.body.data.length > 10);
  assert.doesNotMatch(audit.text, /\$scrypt\$|kong-secret-|upd4321|OpenSesame|"password":"(?!\[REDACTED\])/);
  assert.match(audit.text, /"password":"\[REDACTED\]"/);
});

describe('invalidations (Kong 04-invalidations_spec) and the anonymous consumer (03-access_spec)', () => {
  test('invalidates credentials when the Consumer is deleted', async () => {
    await call('POST', '/consumers', { body: { username: 'carol' } });
    await call('POST', '/consumers/carol/basic-auth', { body: { username: 'carol', password: 'kong' } });
    assert.equal((await proxy(basic('carol:kong'))).status, 200);
    assert.equal((await call('DELETE', '/consumers/carol')).status, 204);
    assert.equal((await proxy(basic('carol:kong'))).status, 401);
    assert.equal((await call('GET', '/basic-auths/carol')).status, 404, 'deleted with its consumer (cascade)');
  });
  test('consumer cache consistency: deleting the anonymous consumer turns the fallback into a 500', async () => {
    const anonymous = (await call('POST', '/consumers', { body: { username: 'Anonymous' } })).body;
    await call('POST', '/services/svc/routes', { body: { name: 'anon', paths: ['/anon'] } });
    await call('POST', '/routes/anon/plugins', { body: { name: 'basic-auth', config: { anonymous: 'Anonymous' } } });
    const ok = await proxy(undefined, '/anon');
    assert.equal(ok.status, 200);
    const seen = upstream.requests.at(-1)!.headers;
    assert.equal(seen['x-anonymous-consumer'], 'true');
    assert.equal(seen['x-consumer-id'], anonymous.id);
    assert.equal(seen['x-consumer-username'], 'Anonymous');
    assert.equal((await call('DELETE', '/consumers/Anonymous')).status, 204);
    assert.equal((await proxy(undefined, '/anon')).status, 500);
  });
});
