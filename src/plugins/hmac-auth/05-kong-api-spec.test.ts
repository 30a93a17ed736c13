// Kong's spec/03-plugins/19-hmac-auth/02-api_spec.lua and 04-invalidations_spec.lua against the admin API
// in database mode (PGlite): CRUD under /consumers/{c}/hmac-auth and /hmac-auths, by id and by username; the
// secret never read back (a generated one shown once); 409 on a duplicate or lookalike username; and every
// change reaching the proxy at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { expectProblem, startTestAdmin, type TestAdmin } from '../../../test/helpers/admin.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { specClient } from '../../../test/helpers/kong-spec.ts';
import { hmacAuthorization, httpDate } from '../../../test/plugins/hmac-auth/test-support.ts';

let admin: TestAdmin;
let upstream: TestUpstream;
before(async () => {
  [admin, upstream] = await Promise.all([startTestAdmin(), startUpstream()]);
});
after(async () => {
  await admin?.close();
  await upstream?.close();
});

/** Kong's before_each: no credentials, one consumer `bob` (custom_id 1234). */
async function freshBob(): Promise<{ id: string }> {
  for (const c of (await admin.request('GET', '/consumers')).body.data as { id: string }[]) {
    assert.equal((await admin.request('DELETE', `/consumers/${c.id}`)).status, 204);
  }
  const bob = await admin.request('POST', '/consumers', { body: { username: 'bob', custom_id: '1234' } });
  assert.equal(bob.status, 201, bob.text);
  return bob.body;
}

async function insertCredential(consumerId: string, fields: Record<string, unknown> = {}) {
  const res = await admin.request('POST', '/hmac-auths', { body: { username: `user-${randomUUID().slice(0, 8)}`, consumer: { id: consumerId }, ...fields } });
  assert.equal(res.status, 201, res.text);
  return res.body as { id: string; username: string };
}

describe('Plugin: hmac-auth (API)', () => {
  describe('/consumers/:consumer/hmac-auth/', () => {
    let consumer: { id: string };
    before(async () => {
      consumer = await freshBob();
    });

    test('POST [SUCCESS] should create a hmac-auth credential (the chosen secret is not echoed)', async () => {
      const res = await admin.request('POST', '/consumers/bob/hmac-auth/', { body: { username: 'bob', secret: '1234' } });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.consumer.id, consumer.id);
      assert.equal(res.body.secret, undefined);
    });

    test('POST [SUCCESS] should create a hmac-auth credential with a random secret, shown once', async () => {
      const res = await admin.request('POST', '/consumers/bob/hmac-auth/', { body: { username: 'bob-random' } });
      assert.equal(res.status, 201, res.text);
      assert.match(res.body.secret, /^[0-9a-f]{64}$/);
      const read = await admin.request('GET', `/consumers/bob/hmac-auth/${res.body.id}`);
      assert.equal(read.body.secret, undefined);
      assert.ok(!read.text.includes(res.body.secret));
    });

    test('POST [SUCCESS] should create a hmac-auth credential with tags', async () => {
      const res = await admin.request('POST', '/consumers/bob/hmac-auth/', { body: { username: 'bobby', tags: ['tag1', 'tag2'] } });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.consumer.id, consumer.id);
      assert.deepEqual(res.body.tags, ['tag1', 'tag2']);
    });

    test('POST [FAILURE] should return proper errors', async () => {
      const problem = expectProblem(await admin.request('POST', '/consumers/bob/hmac-auth/', { body: {} }), 400, 'ADMIN_SCHEMA_VIOLATION');
      assert.deepEqual(problem.fields, { username: 'required field missing' });
    });

    test('POST a username already taken, by any consumer, or a lookalike of one: 409', async () => {
      await admin.request('POST', '/consumers', { body: { username: 'other' } });
      expectProblem(await admin.request('POST', '/consumers/bob/hmac-auth', { body: { username: 'bob' } }), 409, 'ADMIN_UNIQUE_VIOLATION');
      expectProblem(await admin.request('POST', '/consumers/other/hmac-auth', { body: { username: 'bob' } }), 409, 'ADMIN_UNIQUE_VIOLATION');
      expectProblem(await admin.request('POST', '/consumers/other/hmac-auth', { body: { username: 'BOB' } }), 409, 'ADMIN_LOOKALIKE_VIOLATION');
      expectProblem(await admin.request('POST', '/consumers/other/hmac-auth', { body: { username: 'b\u043eb' } }), 409, 'ADMIN_LOOKALIKE_VIOLATION');
      expectProblem(await admin.request('POST', '/consumers/other/hmac-auth', { body: { username: 'bo\u200bb' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
    });

    test('GET should retrieve all; no read ever shows a secret', async () => {
      const res = await admin.request('GET', '/consumers/bob/hmac-auth');
      assert.equal(res.status, 200);
      assert.equal(res.body.data.length, 3);
      for (const path of ['/consumers/bob/hmac-auth', '/hmac-auths', '/consumers/bob/hmac-auth/bob', '/hmac-auths/bob']) {
        const read = await admin.request('GET', path);
        assert.equal(read.status, 200, path);
        assert.ok(!read.text.includes('"secret"'), `${path}: ${read.text}`);
      }
    });
  });

  describe('/consumers/:consumer/hmac-auth/:id', () => {
    let consumer: { id: string };
    let credential: { id: string; username: string };
    before(async () => {
      consumer = await freshBob();
    });
    const fresh = async () => {
      credential = await insertCredential(consumer.id);
    };

    test('GET should retrieve by id and by username', async () => {
      await fresh();
      assert.equal((await admin.request('GET', `/consumers/bob/hmac-auth/${credential.id}`)).body.id, credential.id);
      assert.equal((await admin.request('GET', `/consumers/bob/hmac-auth/${credential.username}`)).body.id, credential.id);
    });

    test('PATCH [SUCCESS] should update a credential by id, and by username', async () => {
      await fresh();
      const byId = await admin.request('PATCH', `/consumers/bob/hmac-auth/${credential.id}`, { body: { username: 'alice' } });
      assert.equal(byId.status, 200, byId.text);
      assert.equal(byId.body.username, 'alice');
      const byName = await admin.request('PATCH', '/consumers/bob/hmac-auth/alice', { body: { username: 'aliceUPD' } });
      assert.equal(byName.status, 200, byName.text);
      assert.equal(byName.body.username, 'aliceUPD');
    });

    test('PATCH [FAILURE] should return proper errors', async () => {
      await fresh();
      const problem = expectProblem(
        await admin.request('PATCH', `/consumers/bob/hmac-auth/${credential.id}`, { body: { username: '' } }),
        400,
        'ADMIN_SCHEMA_VIOLATION',
      );
      assert.deepEqual(Object.keys(problem.fields), ['username']);
    });

    test('PUT [SUCCESS] should create and update', async () => {
      const res = await admin.request('PUT', '/consumers/bob/hmac-auth/foo', { body: { secret: '1234' } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.username, 'foo');
      assert.equal(res.body.consumer.id, consumer.id);
      assert.equal(res.body.secret, undefined);
      const again = await admin.request('PUT', '/consumers/bob/hmac-auth/foo', { body: { secret: '5678', tags: ['t'] } });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.body.id, res.body.id);
    });

    test('PUT [FAILURE] should return proper errors', async () => {
      const problem = expectProblem(await admin.request('PUT', '/consumers/bob/hmac-auth/foo', { body: { secret: 123 } }), 400, 'ADMIN_SCHEMA_VIOLATION');
      assert.deepEqual(Object.keys(problem.fields), ['secret']);
    });

    test('DELETE [FAILURE] should return proper errors', async () => {
      expectProblem(await admin.request('DELETE', '/consumers/bob/hmac-auth/aliceasd'), 404, 'ADMIN_NOT_FOUND');
      expectProblem(await admin.request('DELETE', '/consumers/bob/hmac-auth/00000000-0000-0000-0000-000000000000'), 404, 'ADMIN_NOT_FOUND');
    });

    test('DELETE [SUCCESS] should delete a credential', async () => {
      await fresh();
      assert.equal((await admin.request('DELETE', `/consumers/bob/hmac-auth/${credential.id}`)).status, 204);
      expectProblem(await admin.request('GET', `/consumers/bob/hmac-auth/${credential.id}`), 404, 'ADMIN_NOT_FOUND');
    });
  });

  describe('/hmac-auths', () => {
    let consumer: { id: string };
    before(async () => {
      consumer = await freshBob();
      await insertCredential(consumer.id, { username: 'bob' });
      const consumer2 = (await admin.request('POST', '/consumers', { body: { username: 'bob-the-buidler' } })).body;
      await insertCredential(consumer2.id, { username: 'bob-the-buidler' });
    });

    test('GET retrieves all the hmac-auths with and without trailing slash', async () => {
      for (const path of ['/hmac-auths/', '/hmac-auths']) {
        const res = await admin.request('GET', path);
        assert.equal(res.status, 200, path);
        assert.equal(res.body.data.length, 2, path);
      }
    });

    test('GET paginates through the hmac-auths', async () => {
      const first = await admin.request('GET', '/hmac-auths?size=1');
      assert.equal(first.body.data.length, 1);
      const second = await admin.request('GET', `/hmac-auths?size=1&offset=${encodeURIComponent(first.body.offset)}`);
      assert.equal(second.body.data.length, 1);
      assert.notDeepEqual(first.body.data, second.body.data);
      assert.equal(second.body.offset, undefined, 'last page');
    });

    test('POST does not create hmac-auth credential when missing consumer', async () => {
      const problem = expectProblem(await admin.request('POST', '/hmac-auths', { body: { username: 'carol' } }), 400, 'ADMIN_SCHEMA_VIOLATION');
      assert.equal(problem.message, 'schema violation (consumer: required field missing)');
    });

    test('POST creates hmac-auth credential', async () => {
      const res = await admin.request('POST', '/hmac-auths', { body: { username: 'carol', consumer: { id: consumer.id } } });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.username, 'carol');
    });
  });

  describe('/hmac-auths/:username_or_id', () => {
    test('PUT does not create hmac-auth credential when missing consumer, then creates it', async () => {
      const consumer = await freshBob();
      const problem = expectProblem(await admin.request('PUT', '/hmac-auths/bob', { body: {} }), 400, 'ADMIN_SCHEMA_VIOLATION');
      assert.equal(problem.message, 'schema violation (consumer: required field missing)');
      const res = await admin.request('PUT', '/hmac-auths/bob', { body: { consumer: { id: consumer.id } } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.username, 'bob');
    });
  });

  describe('/hmac-auths/:hmac_username_or_id/consumer', () => {
    let consumer: { id: string };
    let credential: { id: string; username: string };
    before(async () => {
      consumer = await freshBob();
      credential = await insertCredential(consumer.id, { username: 'bob' });
    });

    test('retrieve consumer from a hmac-auth id and from a hmac-auth username', async () => {
      for (const key of [credential.id, credential.username]) {
        const res = await admin.request('GET', `/hmac-auths/${key}/consumer`);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.id, consumer.id);
        assert.equal(res.body.username, 'bob');
        assert.equal(res.body.custom_id, '1234');
      }
    });

    test('returns 404 for a random non-existing hmac-auth id or username', async () => {
      expectProblem(await admin.request('GET', `/hmac-auths/${randomUUID()}/consumer`), 404, 'ADMIN_NOT_FOUND');
      expectProblem(await admin.request('GET', `/hmac-auths/${randomUUID().slice(0, 12)}/consumer`), 404, 'ADMIN_NOT_FOUND');
    });
  });
});

describe('Plugin: hmac-auth (invalidations)', () => {
  let consumer: { id: string };

  before(async () => {
    for (const c of (await admin.request('GET', '/consumers')).body.data as { id: string }[]) await admin.request('DELETE', `/consumers/${c.id}`);
    await admin.request('POST', '/services', { body: { name: 'hmac-svc', url: upstream.url } });
    await admin.request('POST', '/services/hmac-svc/routes', { body: { name: 'hmac-route', hosts: ['hmacauth.test'] } });
    const plugin = await admin.request('POST', '/routes/hmac-route/plugins', { body: { name: 'hmac-auth', config: { clock_skew: 3000 } } });
    assert.equal(plugin.status, 201, plugin.text);
    consumer = (await admin.request('POST', '/consumers', { body: { username: 'consumer1', custom_id: '1234' } })).body;
    assert.equal((await admin.request('POST', '/consumers/consumer1/hmac-auth', { body: { username: 'bob', secret: 'secret' } })).status, 201);
  });

  async function proxied(username: string, method = 'GET'): Promise<number> {
    const date = httpDate();
    const authorization = hmacAuthorization({ username, secret: 'secret', algorithm: 'hmac-sha1', values: { date } });
    return (await specClient(admin.proxyUrl, upstream)('hmacauth.test', '/requests', { method, headers: { date, authorization } })).status;
  }

  test('should invalidate when Hmac Auth Credential entity is deleted', async () => {
    assert.equal(await proxied('bob'), 200);
    const list = await admin.request('GET', '/consumers/consumer1/hmac-auth/');
    assert.equal(list.body.data.length, 1);
    assert.equal((await admin.request('DELETE', `/consumers/consumer1/hmac-auth/${list.body.data[0].id}`)).status, 204);
    assert.equal(await proxied('bob', 'POST'), 401);
  });

  test('should invalidate when Hmac Auth Credential entity is updated', async () => {
    const created = await admin.request('POST', '/consumers/consumer1/hmac-auth/', {
      body: { username: 'bob', secret: 'secret', consumer: { id: consumer.id } },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(await proxied('bob'), 200);
    assert.equal(await proxied('hello123'), 401);
    assert.equal((await admin.request('PATCH', `/consumers/consumer1/hmac-auth/${created.body.id}`, { body: { username: 'hello123' } })).status, 200);
    assert.equal(await proxied('hello123'), 200);
    assert.equal(await proxied('bob'), 401);
  });

  test('a generated secret (stored encrypted, decrypted for the gateway) signs requests too', async () => {
    const created = await admin.request('POST', '/consumers/consumer1/hmac-auth', { body: { username: 'generated' } });
    const date = httpDate();
    const authorization = hmacAuthorization({ username: 'generated', secret: created.body.secret, values: { date } });
    const res = await specClient(admin.proxyUrl, upstream)('hmacauth.test', '/requests', { headers: { date, authorization } });
    assert.equal(res.status, 200, res.body);
    assert.equal((await admin.request('DELETE', `/consumers/consumer1/hmac-auth/${created.body.id}`)).status, 204);
  });

  test('should invalidate when Consumer entity is deleted', async () => {
    assert.equal(await proxied('hello123'), 200);
    assert.equal((await admin.request('DELETE', '/consumers/consumer1')).status, 204);
    assert.equal(await proxied('hello123'), 401);
  });
});
