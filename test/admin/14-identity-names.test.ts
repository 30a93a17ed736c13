// Names and identities as strictly as requests: invisible characters refused at the field path, lengths bounded,
// a lookalike (case, width, NFC/NFD, confusable letters) of a stored identity refused inside the write (409, on
// PGlite and PostgreSQL), databases from before the lookalike keys upgraded in place, lookalikes within one
// declarative file an error, consumers without username or custom_id refused with Kong's message, and form
// field names nested without bound refused before they are built.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { allAdminRoutes } from '../../src/admin/routes/index.ts';
import { loadDeclarative } from '../../src/config/declarative/load-declarative.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { createSecretCodec } from '../../src/secrets/envelope-codec.ts';
import { keyringFromKeys } from '../../src/secrets/keyring.ts';
import { openStore } from '../../src/store/open-store.ts';
import { isGatewayError } from '../../src/errors/gateway-error.ts';
import { lookalikeKey } from '../../src/schema/identity-text.ts';
import { expectProblem, startTestAdmin, type TestAdmin } from '../helpers/admin.ts';
import { plugins } from '../helpers/gateway.ts';
import { createTestDatabase, postgresSkip } from '../helpers/pg-database.ts';
import { runCli } from '../cli/cli-node.ts';
import { writeFile } from 'node:fs/promises';

const KONG_CONSUMER = "at least one of these fields must be non-empty: 'custom_id', 'username'";
const ACTOR = { id: 'test', name: 'test', role: 'admin' } as const;

function identitySuite(driver: string, start: () => Promise<TestAdmin>): void {
  describe(`identities over the admin API (${driver})`, () => {
    let admin: TestAdmin;
    before(async () => {
      admin = await start();
      for (const username of ['alice', 'bob', 'café']) assert.equal((await admin.request('POST', '/consumers', { body: { username } })).status, 201);
    });
    after(() => admin?.close());

    test('control, bidi, zero-width and odd whitespace are refused at the field path; lengths are bounded', async () => {
      const before = await admin.snapshotEntities();
      for (const [body, field] of [
        [{ username: 'eve\r\nX-Injected: 1' }, 'username'],
        [{ username: 'eve\u202Egpj.exe' }, 'username'],
        [{ username: 'e\u200Bve' }, 'username'],
        [{ username: 'eve\u00A0smith' }, 'username'],
        [{ username: ' eve' }, 'username'],
        [{ username: 'eve', custom_id: 'id\t1' }, 'custom_id'],
        [{ username: 'x'.repeat(900_000) }, 'username'],
        [{ username: 'x'.repeat(256) }, 'username'],
        [{ username: 'eve', tags: ['ok', 'a,b'] }, 'tags[1]'],
        [{ username: 'eve', tags: ['line\nbreak'] }, 'tags[0]'],
      ] as const) {
        const problem = expectProblem(await admin.request('POST', '/consumers', { body }), 400, 'ADMIN_SCHEMA_VIOLATION', JSON.stringify(body).slice(0, 80));
        assert.ok(problem.fields[field], `${field}: ${JSON.stringify(problem.fields).slice(0, 200)}`);
      }
      assert.match(
        expectProblem(await admin.request('POST', '/consumers', { body: { username: 'a\u202Eb' } }), 400, 'ADMIN_SCHEMA_VIOLATION').fields.username,
        /U\+202E/,
      );
      for (const [path, body, field] of [
        ['/services', { name: 'svc\u200D', url: 'http://127.0.0.1:9' }, 'name'],
        ['/services', { name: 'svc\u00A0x', url: 'http://127.0.0.1:9' }, 'name'],
        ['/routes', { name: 'r\u2066', paths: ['/r'] }, 'name'],
        ['/plugins', { name: 'cors', instance_name: 'has space' }, 'instance_name'],
        ['/upstreams', { name: `${'a'.repeat(250)}.com` }, 'name'],
        ['/consumers/alice/acls', { group: 'admins\r\n' }, 'group'],
        ['/consumers/alice/acls', { group: 'g'.repeat(256) }, 'group'],
      ] as const) {
        const problem = expectProblem(
          await admin.request('POST', path, { body }),
          400,
          'ADMIN_SCHEMA_VIOLATION',
          `${path} ${JSON.stringify(body).slice(0, 60)}`,
        );
        assert.ok(problem.fields[field], `${path}: ${JSON.stringify(problem.fields)}`);
      }
      assert.deepEqual(await admin.snapshotEntities(), before, 'nothing refused was stored');
      // admin token names too: the audit log names actors by them
      for (const name of ['ci\u202Eevil', 'c\u200Bi', ' ci']) {
        assert.ok(
          expectProblem(await admin.request('POST', '/admin-tokens', { body: { name, role: 'read-only' } }), 400, 'ADMIN_SCHEMA_VIOLATION', name).fields.name,
        );
      }
      // what stays allowed: inner plain spaces in usernames, non-ASCII letters, 255 characters
      for (const username of ['Jane Smith', 'Zoë', 'z'.repeat(255), 'юрий'])
        assert.equal((await admin.request('POST', '/consumers', { body: { username } })).status, 201, username);
    });

    test("a lookalike of a stored identity is refused inside the write (409 naming it); the very same text keeps Kong's 409", async () => {
      for (const username of ['ａｌｉｃｅ', 'Alice', 'ALICE', 'аlice', 'b\u043Eb', 'cafe\u0301']) {
        const problem = expectProblem(await admin.request('POST', '/consumers', { body: { username } }), 409, 'ADMIN_LOOKALIKE_VIOLATION', username);
        assert.match(problem.fields.username, /looks the same as "(alice|bob|café)"/, username);
      }
      const same = expectProblem(await admin.request('POST', '/consumers', { body: { username: 'alice' } }), 409, 'ADMIN_UNIQUE_VIOLATION');
      assert.equal(same.message, 'UNIQUE violation detected on \'{username="alice"}\'');
      // custom_id is its own namespace
      assert.equal((await admin.request('POST', '/consumers', { body: { custom_id: 'alice' } })).status, 201);
      expectProblem(await admin.request('POST', '/consumers', { body: { custom_id: 'ＡＬＩＣＥ' } }), 409, 'ADMIN_LOOKALIKE_VIOLATION');
      // renaming onto a lookalike of another is refused; a consumer may change its own case
      expectProblem(await admin.request('PATCH', '/consumers/bob', { body: { username: 'ＡＬＩＣＥ' } }), 409, 'ADMIN_LOOKALIKE_VIOLATION');
      expectProblem(await admin.request('PUT', `/consumers/${randomUUID()}`, { body: { username: 'BOB' } }), 409, 'ADMIN_LOOKALIKE_VIOLATION');
      assert.equal((await admin.request('PATCH', '/consumers/bob', { body: { username: 'Bob' } })).status, 200);
      assert.equal((await admin.request('PATCH', '/consumers/Bob', { body: { username: 'bob' } })).status, 200);

      assert.equal((await admin.request('POST', '/services', { body: { name: 'orders', url: 'http://127.0.0.1:9' } })).status, 201);
      expectProblem(await admin.request('POST', '/services', { body: { name: 'Orders', url: 'http://127.0.0.1:9' } }), 409, 'ADMIN_LOOKALIKE_VIOLATION');
      expectProblem(await admin.request('POST', '/services', { body: { name: 'оrders', url: 'http://127.0.0.1:9' } }), 409, 'ADMIN_LOOKALIKE_VIOLATION');
      assert.equal((await admin.request('POST', '/upstreams', { body: { name: 'backend.internal' } })).status, 201);
      expectProblem(await admin.request('POST', '/upstreams', { body: { name: 'BACKEND.internal' } }), 409, 'ADMIN_LOOKALIKE_VIOLATION');
      assert.equal((await admin.request('POST', '/plugins', { body: { name: 'cors', instance_name: 'edge-cors' } })).status, 201);
      expectProblem(
        await admin.request('POST', '/services/orders/plugins', { body: { name: 'cors', instance_name: 'Edge-Cors' } }),
        409,
        'ADMIN_LOOKALIKE_VIOLATION',
      );
      // the schema dry run says nothing of other rows (as for plain uniqueness)
      assert.equal((await admin.request('POST', '/schemas/consumers/validate', { body: { username: 'ALICE' }, token: admin.readOnlyToken })).status, 200);
    });

    test("consumers need a username or a custom_id (Kong's message at @entity)", async () => {
      for (const body of [{}, { username: null, custom_id: null }, { tags: ['x'] }]) {
        const problem = expectProblem(await admin.request('POST', '/consumers', { body }), 400, 'ADMIN_SCHEMA_VIOLATION', JSON.stringify(body));
        assert.equal(problem.fields['@entity'], KONG_CONSUMER);
        assert.equal(problem.message, `schema violation (@entity: ${KONG_CONSUMER})`);
      }
      expectProblem(await admin.request('POST', '/consumers', { body: '', contentType: 'application/x-www-form-urlencoded' }), 400, 'ADMIN_SCHEMA_VIOLATION');
      expectProblem(await admin.request('PUT', `/consumers/${randomUUID()}`, { body: {} }), 400, 'ADMIN_SCHEMA_VIOLATION');
      const id = (await admin.request('GET', '/consumers/alice')).body.id;
      expectProblem(await admin.request('PATCH', `/consumers/${id}`, { body: { username: null } }), 400, 'ADMIN_SCHEMA_VIOLATION');
    });

    test('form field names nest at most 32 levels and JSON bodies 64: deeper is a 400, also for a read-only token', async () => {
      const deep = `${Array.from({ length: 100_000 }, () => 'a').join('.')}=1`;
      const res = await admin.request('POST', '/schemas/plugins/validate', {
        body: `name=cors&config.${deep}`,
        contentType: 'application/x-www-form-urlencoded',
        token: admin.readOnlyToken,
      });
      assert.match(expectProblem(res, 400, 'ADMIN_MALFORMED_BODY').detail, /at most 32 levels/);
      // the JSON twin: a few thousand brackets parse, then overflowed the checks' recursion (500)
      for (const depth of [65, 2000, 200_000]) {
        const json = `{"name":"cors","config":{"origins":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
        const deepJson = await admin.request('POST', '/schemas/plugins/validate', { body: json, contentType: 'application/json', token: admin.readOnlyToken });
        assert.match(expectProblem(deepJson, 400, 'ADMIN_MALFORMED_BODY', String(depth)).detail, /at most 64 levels/);
      }
      const ok = await admin.request('POST', '/schemas/routes/validate', {
        body: 'paths[]=/x&headers.x-a[1]=a',
        contentType: 'application/x-www-form-urlencoded',
        token: admin.readOnlyToken,
      });
      assert.equal(ok.status, 200, ok.text);
    });
  });
}

identitySuite('PGlite', () => startTestAdmin({ routes: allAdminRoutes() }));
const skip = await postgresSkip();
if (skip) test('identities over the admin API (PostgreSQL)', { skip }, () => {});
else {
  const db = await createTestDatabase('portcullis_identities');
  after(() => db.drop());
  identitySuite('PostgreSQL', () => startTestAdmin({ routes: allAdminRoutes(), databaseUrl: db.url }));
}

describe('a database from before the lookalike keys upgrades in place', () => {
  for (const driver of ['PGlite', 'PostgreSQL'] as const) {
    test(`${driver}: rows get keys at start, the oldest of two lookalikes keeps its key, and a new lookalike is refused`, async (t) => {
      if (driver === 'PostgreSQL' && skip) return t.skip(skip);
      const registry = await plugins();
      const codec = createSecretCodec(keyringFromKeys([{ id: 'k', key: randomBytes(32) }]));
      const logged: string[] = [];
      const logger = pino(
        { level: 'warn' },
        {
          write: (line: string) => {
            logged.push(line);
          },
        },
      );
      const dataDir = driver === 'PGlite' ? await mkdtemp(join(tmpdir(), 'portcullis-lookalike-')) : undefined;
      const db = driver === 'PostgreSQL' ? await createTestDatabase('portcullis_lookalike_upgrade') : undefined;
      const open = () => openStore({ dataDir, databaseUrl: db?.url, codec, plugins: registry, logger });
      try {
        let store = await open();
        const write = (username: string) =>
          store.write([{ op: 'insert', kind: 'consumers', record: { id: randomUUID(), username } }], { actor: ACTOR, requestId: 'r', check: () => {} });
        await write('carol');
        await write('dave');
        // as an older node left it: no keys, and a lookalike pair it let in
        await store.sql.query("UPDATE consumers SET username = 'ＣＡＲＯＬ' WHERE username = 'dave'");
        await store.sql.query('UPDATE consumers SET username_key = NULL');
        await store.sql.query("UPDATE consumers SET created_at = created_at - 10 WHERE username = 'carol'");
        await store.close();

        store = await open();
        const keys = (
          await store.sql.query<{ username: string; username_key: string | null }>('SELECT username, username_key FROM consumers ORDER BY created_at, id')
        ).rows;
        assert.deepEqual(keys, [
          { username: 'carol', username_key: 'carol' },
          { username: 'ＣＡＲＯＬ', username_key: null },
        ]);
        assert.ok(
          logged.some((l) => l.includes('looks like another')),
          'the kept lookalike is logged',
        );
        await assert.rejects(write('Carol'), (err) => isGatewayError(err) && err.code === 'ADMIN_LOOKALIKE_VIOLATION');
        await write('erin');
        await store.close();
      } finally {
        if (dataDir) await rm(dataDir, { recursive: true, force: true });
        await db?.drop();
      }
    });
  }
});

describe('declarative files: lookalikes within one file are an error', () => {
  test('config validate and DB-less loads refuse them, with both paths', async () => {
    const registry = await plugins();
    const doc = {
      _format_version: '3.0',
      services: [
        { name: 'orders', url: 'http://127.0.0.1:9' },
        { name: 'ORDERS', url: 'http://127.0.0.1:9' },
      ],
      consumers: [{ username: 'alice' }, { username: 'ａｌｉｃｅ' }, { username: 'bob' }, { username: 'b\u043Eb' }, {}, { custom_id: 'x\ny' }],
      upstreams: [{ name: 'up.internal' }, { name: 'UP.internal' }],
    };
    let caught: unknown;
    try {
      loadDeclarative(doc, registry);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof ConfigError);
    const byPath = Object.fromEntries(caught.errors.map((e) => [e.path, e.message]));
    assert.match(byPath['services[1].name']!, /looks the same as "orders" at services\[0\]/);
    assert.match(byPath['consumers[1].username']!, /looks the same as "alice" at consumers\[0\]/);
    assert.match(byPath['consumers[3].username']!, /looks the same as "bob" at consumers\[2\]/);
    assert.match(byPath['upstreams[1].name']!, /looks the same as "up.internal"/);
    assert.equal(byPath['consumers[4]'], KONG_CONSUMER);
    assert.match(byPath['consumers[5].custom_id']!, /U\+000A/);

    // `portcullis config validate` says the same, every error with its path, exit 1
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-validate-'));
    try {
      const file = join(dir, 'kong.json');
      await writeFile(file, JSON.stringify(doc));
      const run = await runCli(['validate', file], {});
      assert.equal(run.code, 1, run.stdout + run.stderr);
      const out = run.stdout + run.stderr;
      for (const path of ['services[1].name', 'consumers[1].username', 'consumers[3].username', 'consumers[4]:', 'consumers[5].custom_id'])
        assert.ok(out.includes(path), `${path} in:\n${out}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test('the lookalike key: every printable ASCII character keys as its fullwidth twin does; TR39 pairs meet', () => {
  for (let c = 0x21; c <= 0x7e; c++) {
    const ascii = `x${String.fromCharCode(c)}y`;
    const wide = `x${String.fromCharCode(c + 0xfee0)}y`;
    assert.equal(lookalikeKey(ascii), lookalikeKey(wide), `${ascii} / ${wide}`);
  }
  for (const [a, b] of [
    ['paypal', 'pаypаl'],
    ['admin', 'ADMIN'],
    ['straße', 'STRASSE'],
    ['café', 'cafe\u0301'],
    ['user1', 'userl'],
    ['rn', 'm'],
    ['ﬁle', 'file'],
  ] as const) {
    assert.equal(lookalikeKey(a), lookalikeKey(b), `${a} / ${b}`);
  }
  for (const [a, b] of [
    ['alice', 'alicia'],
    ['bob', 'b0bby'],
    ['ca', 'cafe'],
  ] as const)
    assert.notEqual(lookalikeKey(a), lookalikeKey(b));
});
