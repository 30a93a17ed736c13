// The admin API under hostile input, run against each store driver (10-bad-input: PGlite, 11: PostgreSQL):
// malformed and oversized bodies, unknown fields and wrong types in every field, duplicates, dangling references,
// SQL-looking and odd text in every string field of every kind, and concurrent conflicting writes. Never a 500;
// a refused write leaves the store, the exported config and the audit log exactly as they were.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TSchema } from '@sinclair/typebox';
import { expectProblem, type AdminResponse, type TestAdmin } from '../helpers/admin.ts';
import { KINDS, ENTITIES, type Kind } from '../../src/schema/entity-catalogue.ts';
import { declaredSecretFields } from '../../src/secrets/secret-fields.ts';
import { loadDeclarative } from '../../src/config/declarative/load-declarative.ts';
import { nest, readPath, stringFields, textValue, wrongValue } from './bad-input-fields.ts';
import { createFixtures, type Fixtures } from './bad-input-fixtures.ts';

/** Text that would do harm if it ever reached SQL (or a format string, or a template) unescaped. */
export const HOSTILE_TEXT = [
  "'; DROP TABLE services; --",
  '/" OR 1=1 --',
  '$1',
  'back\\slash\\\\ and \\x00',
  'nul\u0000byte',
  'ünïcödé 中文 🚀 \u202eevil',
  "%s%n ${x} {{7*7}} ' OR '1'='1",
  'lone\ud800surrogate',
];
/** Fewer for plugin configs (many more fields), still one of each family. */
const HOSTILE_CONFIG_TEXT = ["'; DROP TABLE plugins; --", 'nul\u0000byte', 'lone\ud800surrogate', '$1 \\ " OR 1=1 --'];

/** How a write may refuse text: its schema, a reference it names that does not exist, or a config that would not build. */
const REFUSALS = new Set(['ADMIN_SCHEMA_VIOLATION', 'ADMIN_FOREIGN_KEY_VIOLATION', 'ADMIN_CONFIG_REFUSED']);
const ACCEPTED_STATUSES = new Set([200, 201, 204, 400, 404, 405, 409, 413]);

export function badInputSuite(start: () => Promise<TestAdmin>): void {
  let admin: TestAdmin;
  let fx: Fixtures;

  before(async () => {
    admin = await start();
    fx = await createFixtures(admin);
  });
  after(async () => {
    await admin?.close();
  });

  /** Everything a write could change: entities, the exported config, the audit log's newest entry. */
  async function fingerprint(): Promise<string> {
    const [entities, config, audit] = await Promise.all([admin.snapshotEntities(), admin.request('GET', '/config'), admin.request('GET', '/audit?size=1')]);
    return JSON.stringify([entities, config.text, audit.body.data[0]?.id]);
  }
  async function unchanged<T>(label: string, run: () => Promise<T>): Promise<T> {
    const before = await fingerprint();
    const result = await run();
    assert.equal(await fingerprint(), before, `${label}: a refused write changed the store`);
    return result;
  }
  function neverInternal(res: AdminResponse, label: string): void {
    assert.ok(ACCEPTED_STATUSES.has(res.status), `${label}: ${res.status} ${res.text}`);
    if (res.status >= 400) assert.equal(res.headers.get('content-type'), 'application/problem+json', label);
  }
  function writeTargets(): { method: string; path: string; label: string }[] {
    return KINDS.flatMap((kind) => [
      { method: 'POST', path: fx.create[kind]('x').path, label: `POST ${kind}` },
      { method: 'PATCH', path: fx.entityPath(kind), label: `PATCH ${kind}` },
    ]);
  }

  test('malformed bodies on every write endpoint: 400, never 500, nothing changed', async () => {
    const bodies: (string | Uint8Array)[] = [
      '{',
      '{"host":',
      '{"a":1,}',
      '{"a":1} trailing',
      "{'a':1}",
      'NaN',
      '[1,2]',
      '"just a string"',
      'null',
      '123',
      'true',
      '[]'.padStart(200_000, '['),
      new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    ];
    await unchanged('malformed', async () => {
      for (const { method, path, label } of writeTargets()) {
        for (const body of bodies) {
          const res = await fetch(`${admin.url}${path}`, {
            method,
            headers: { authorization: `Bearer ${admin.adminToken}`, 'content-type': 'application/json' },
            body,
          });
          const text = await res.text();
          assert.equal(res.status, 400, `${label} ${String(body).slice(0, 30)}: ${text}`);
          assert.ok(['ADMIN_MALFORMED_BODY', 'ADMIN_SCHEMA_VIOLATION'].includes(JSON.parse(text).code), text);
        }
      }
    });
  });

  test('unknown fields and a wrong type in each field of each kind: 400 naming the field', async () => {
    await unchanged('wrong types', async () => {
      for (const kind of KINDS) {
        const { path, body } = fx.create[kind]('wt');
        const unknown = expectProblem(
          await admin.request('POST', path, { body: { ...body, no_such_field: 'x' } }),
          400,
          'ADMIN_SCHEMA_VIOLATION',
          `${kind} unknown`,
        );
        assert.ok(unknown.fields.no_such_field, `${kind}: ${JSON.stringify(unknown.fields)}`);
        for (const [field, schema] of Object.entries((ENTITIES[kind].schema as TSchema).properties as Record<string, TSchema>)) {
          // a parent the path names (`/upstreams/{u}/targets`) is taken from the path
          if (path.split('/').length > 2 && field in ENTITIES[kind].foreign) continue;
          const wrong = wrongValue(schema);
          if (wrong === undefined) continue;
          const res = await admin.request('POST', path, { body: { ...body, [field]: wrong } });
          const problem = expectProblem(res, 400, 'ADMIN_SCHEMA_VIOLATION', `${kind}.${field} = ${JSON.stringify(wrong)}`);
          assert.ok(
            Object.keys(problem.fields).some((f) => f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`)),
            `${kind}.${field}: ${JSON.stringify(problem.fields)}`,
          );
        }
      }
      for (const [name, id] of Object.entries(fx.plugins)) {
        const module = admin.context.plugins.get(name)!;
        for (const [field, schema] of Object.entries((module.configSchema.properties ?? {}) as Record<string, TSchema>)) {
          const wrong = wrongValue(schema);
          if (wrong === undefined) continue;
          const res = await admin.request('PATCH', `/plugins/${id}`, { body: { config: { [field]: wrong } } });
          const problem = expectProblem(res, 400, 'ADMIN_SCHEMA_VIOLATION', `${name}.config.${field}`);
          assert.ok(
            Object.keys(problem.fields).some((f) => f.startsWith(`config.${field}`)),
            `${name}.config.${field}: ${JSON.stringify(problem.fields)}`,
          );
        }
      }
    });
  });

  test('huge and deeply nested bodies: 413 or 400, and the server keeps serving', async () => {
    await unchanged('huge', async () => {
      const big = JSON.stringify({ host: 'x', tags: ['a'.repeat(2 * 1024 * 1024)] });
      const floods = await Promise.all(Array.from({ length: 6 }, () => admin.request('POST', '/services', { body: big, contentType: 'application/json' })));
      for (const res of floods) expectProblem(res, 413, 'ADMIN_BODY_TOO_LARGE');
      const manyKeys = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
      expectProblem(await admin.request('POST', '/services', { body: { host: 'x', ...manyKeys } }), 400, 'ADMIN_SCHEMA_VIOLATION');
      const longName = expectProblem(
        await admin.request('POST', '/services', { body: { host: 'x', name: 'n'.repeat(100_000) } }),
        400,
        'ADMIN_SCHEMA_VIOLATION',
      );
      assert.ok(longName.fields.name);
      assert.ok(!JSON.stringify(longName).includes('n'.repeat(1000)), 'the value is not echoed back');
      const deep = await admin.request('POST', '/plugins', {
        body: `{"name":"cors","config":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`,
        contentType: 'application/json',
      });
      assert.equal(deep.status, 400, deep.text);
      assert.ok(['ADMIN_MALFORMED_BODY', 'ADMIN_SCHEMA_VIOLATION'].includes(deep.body.code), deep.text);
    });
    assert.equal((await admin.request('GET', '/status')).status, 200);
    assert.equal((await admin.request('GET', `/services/${fx.ids.services}`)).status, 200);
  });

  test('duplicates are 409 naming the field, and never echo a credential', async () => {
    const other = (await admin.request('POST', '/services', { body: { name: 'bi-svc-2', host: 'z.internal' } })).body;
    const dupes: [string, string, Record<string, unknown>, string][] = [
      ['POST', '/services', { name: 'bi-svc', host: 'y.internal' }, 'name'],
      ['POST', '/routes', { name: 'bi-route', paths: ['/dup'] }, 'name'],
      ['POST', '/upstreams', { name: 'bi-up' }, 'name'],
      ['POST', '/consumers', { username: 'bi-user' }, 'username'],
      ['POST', '/consumers', { username: 'other', custom_id: 'bi-custom' }, 'custom_id'],
      ['POST', `/upstreams/${fx.ids.upstreams}/targets`, { target: '10.0.0.1:80' }, 'target'],
      ['POST', `/consumers/${fx.ids.consumers}/jwt`, { key: 'bi-jwt-key' }, 'key'],
      ['POST', `/consumers/${fx.ids.consumers}/key-auth`, { key: 'bi-secret-api-key' }, 'key'],
      ['POST', `/consumers/${fx.ids.consumers}/acls`, { group: 'bi-group' }, 'group'],
      ['POST', '/plugins', { name: 'cors' }, 'name'],
      ['PATCH', `/services/${other.id}`, { name: 'bi-svc' }, 'name'],
      ['PUT', `/services/${other.id}`, { name: 'bi-svc', host: 'z.internal' }, 'name'],
    ];
    await unchanged('duplicates', async () => {
      for (const [method, path, body, field] of dupes) {
        const res = await admin.request(method, path, { body });
        const problem = expectProblem(res, 409, 'ADMIN_UNIQUE_VIOLATION', `${method} ${path} ${JSON.stringify(body)}`);
        assert.ok(
          Object.keys(problem.fields).some((f) => f.includes(field)),
          `${path}: ${JSON.stringify(problem.fields)}`,
        );
        assert.ok(!res.text.includes('bi-secret-api-key'), res.text);
      }
    });
  });

  test('references to missing entities: 400 with the field, or 404 for a missing parent in the path', async () => {
    const ghost = '00000000-0000-4000-8000-00000000dead';
    await unchanged('references', async () => {
      for (const [method, path, body, field] of [
        ['POST', '/routes', { paths: ['/r'], service: { id: ghost } }, 'service'],
        ['POST', '/routes', { paths: ['/r'], service: { name: 'ghost-svc' } }, 'service'],
        ['POST', '/plugins', { name: 'rate-limiting', config: { minute: 1 }, route: { id: ghost } }, 'route'],
        ['POST', '/plugins', { name: 'rate-limiting', config: { minute: 1 }, consumer: { username: 'ghost' } }, 'consumer'],
        ['POST', '/jwts', { consumer: { id: ghost } }, 'consumer'],
        ['POST', '/key-auths', { consumer: { username: 'ghost' } }, 'consumer'],
        ['POST', '/acls', { group: 'g', consumer: { id: ghost } }, 'consumer'],
        ['PATCH', `/routes/${fx.ids.routes}`, { service: { id: ghost } }, 'service'],
      ] as const) {
        const problem = expectProblem(await admin.request(method, path, { body }), 400, 'ADMIN_FOREIGN_KEY_VIOLATION', `${method} ${path}`);
        assert.ok(problem.fields[field], `${path}: ${JSON.stringify(problem.fields)}`);
      }
      for (const text of HOSTILE_TEXT) {
        for (const ref of [{ name: text }, { id: text }]) {
          const res = await admin.request('POST', '/routes', { body: { paths: ['/r'], service: ref } });
          assert.equal(res.status, 400, `${JSON.stringify(ref)}: ${res.text}`);
          assert.ok(res.body.fields.service || res.body.fields['service.id'], `${JSON.stringify(ref)}: ${res.text}`);
        }
      }
      for (const path of [
        `/upstreams/${ghost}/targets`,
        '/consumers/ghost/key-auth',
        '/consumers/ghost/jwt',
        '/consumers/ghost/acls',
        '/services/ghost/routes',
      ]) {
        expectProblem(await admin.request('POST', path, { body: { target: '1.2.3.4:80', group: 'g', paths: ['/g'] } }), 404, 'ADMIN_NOT_FOUND', path);
      }
    });
  });

  test('hostile text in every string field of every kind: stored verbatim and read back, or refused with the field', async () => {
    const outcomes: string[] = [];
    for (const kind of KINDS) {
      const secret = new Set(declaredSecretFields(kind, undefined, admin.context.plugins).map((f) => f.path.join('.')));
      // references are covered by the references test: they are stored as `{ id }`, not as the text given
      const skip = new Set(['id', 'ws_id', 'config', ...Object.keys(ENTITIES[kind].foreign)]);
      for (const field of stringFields(ENTITIES[kind].schema as TSchema, skip)) {
        for (const text of HOSTILE_TEXT) {
          const value = textValue(field.shape, text);
          outcomes.push(await tryText(kind, fx.entityPath(kind), nest(field.path, value), field.path, value, secret.has(field.path.join('.'))));
        }
      }
    }
    for (const [name, id] of Object.entries(fx.plugins)) {
      const secret = new Set(declaredSecretFields('plugins', name, admin.context.plugins).map((f) => f.path.join('.')));
      for (const field of stringFields(admin.context.plugins.get(name)!.configSchema)) {
        for (const text of HOSTILE_CONFIG_TEXT) {
          const value = textValue(field.shape, text);
          const path = ['config', ...field.path];
          outcomes.push(await tryText('plugins', `/plugins/${id}`, nest(path, value), path, value, secret.has(path.join('.'))));
        }
      }
    }
    assert.ok(outcomes.filter((o) => o === 'stored').length > 20, 'many fields take any text');
    await tablesIntact();
  });

  /** What a refused write must leave as it was, cached between writes that change nothing. */
  let baseline: string | undefined;
  async function entitiesAndAudit(): Promise<string> {
    const [entities, audit] = await Promise.all([admin.snapshotEntities(), admin.request('GET', '/audit?size=1')]);
    return JSON.stringify([entities, audit.body.data[0]?.id]);
  }

  async function tryText(kind: Kind, path: string, body: Record<string, unknown>, field: string[], value: unknown, secret: boolean): Promise<string> {
    const label = `${kind} ${field.join('.')} = ${JSON.stringify(value)}`;
    baseline ??= await entitiesAndAudit();
    const res = await admin.request('PATCH', path, { body });
    neverInternal(res, label);
    if (res.status === 200) {
      baseline = undefined;
      if (secret) return 'stored';
      const read = await admin.request('GET', path);
      assert.deepEqual(readPath(read.body, field), value, `${label}: read back as ${JSON.stringify(readPath(read.body, field))}`);
      return 'stored';
    }
    assert.equal(res.status, 400, `${label}: ${res.text}`);
    assert.ok(REFUSALS.has(res.body.code), `${label}: ${res.text}`);
    // the error names the field, a field under it, or the record it is part of
    // (a plugin's own cross-field rule may name the config field it clashes with)
    const names = field.map((_, i) => field.slice(0, i + 1).join('.'));
    const within = field[0] === 'config' ? 'config.' : `${names[names.length - 1]}.`;
    const named = Object.keys(res.body.fields ?? {}).some(
      (f) => names.includes(f) || f.startsWith(within) || f.startsWith(`${names[names.length - 1]}[`) || f === '@entity',
    );
    // a config the gateway cannot build is refused naming the entity (the router, not the schema, said no)
    const builtNot = res.body.code === 'ADMIN_CONFIG_REFUSED' && res.text.includes(path.split('/').pop()!);
    assert.ok(named || builtNot, `${label}: ${res.text}`);
    assert.equal(await entitiesAndAudit(), baseline, `${label}: refused but changed the store`);
    return 'refused';
  }

  async function tablesIntact(): Promise<void> {
    const snapshot = await admin.snapshotEntities();
    for (const kind of KINDS) {
      const list = kind === 'targets' ? `/upstreams/${fx.ids.upstreams}/targets` : `/${ENTITIES[kind].adminPath}`;
      const res = await admin.request('GET', `${list}?size=1000`);
      assert.equal(res.status, 200, `${kind} list: ${res.text}`);
    }
    assert.equal((await admin.request('GET', '/services?size=1000')).body.data.length, snapshot.services.length);
    const exported = await admin.request('GET', '/config');
    assert.equal(exported.status, 200);
    loadDeclarative(exported.body, admin.context.plugins); // the whole config still loads as a file
  }

  test('hostile text in paths and query strings: a clean 4xx or an empty answer, never SQL', async () => {
    const reads = (t: string) => [
      `/services/${t}`,
      `/consumers/${t}/acls`,
      `/services?tags=${t}`,
      `/services?offset=${t}`,
      `/services?size=${t}`,
      `/consumers?custom_id=${t}`,
      `/audit?entity_id=${t}`,
      `/audit?offset=${t}`,
      `/schemas/${t}`,
      `/admin-tokens/${t}`,
    ];
    await unchanged('reads', async () => {
      for (const text of HOSTILE_TEXT) for (const path of reads(inUrl(text))) neverInternal(await admin.request('GET', path), `GET ${path}`);
    });
    // a delete by a hostile endpoint key deletes the entity with exactly that key, if any, and nothing else
    for (const text of HOSTILE_TEXT) {
      const t = inUrl(text);
      for (const path of [`/services/${t}`, `/consumers/${fx.ids.consumers}/acls/${t}`, `/admin-tokens/${t}`, `/upstreams/${fx.ids.upstreams}/targets/${t}`]) {
        neverInternal(await admin.request('DELETE', path), `DELETE ${path}`);
      }
    }
    await tablesIntact();
  });

  test('20 concurrent creates of one name: exactly one 201, the rest 409, one entity stored', async () => {
    for (const [path, body, count] of [
      [
        '/services',
        { name: 'race-svc', host: 'r.internal' },
        () => admin.snapshotEntities().then((e) => e.services.filter((s) => s.name === 'race-svc').length),
      ],
      ['/consumers', { username: 'race-user' }, () => admin.snapshotEntities().then((e) => e.consumers.filter((c) => c.username === 'race-user').length)],
      [
        `/consumers/${fx.ids.consumers}/key-auth`,
        { key: 'race-api-key' },
        () => admin.request('GET', `/consumers/${fx.ids.consumers}/key-auth?size=1000`).then((r) => r.body.data.length - 1),
      ],
      [
        `/upstreams/${fx.ids.upstreams}/targets`,
        { target: '10.9.9.9:80' },
        () => admin.snapshotEntities().then((e) => e.targets.filter((t) => t.target === '10.9.9.9:80').length),
      ],
    ] as const) {
      const results = await Promise.all(Array.from({ length: 20 }, () => admin.request('POST', path, { body })));
      const statuses = results.map((r) => r.status);
      assert.equal(
        statuses.filter((s) => s === 201).length,
        1,
        `${path}: ${statuses.join(',')} ${results.find((r) => r.status !== 201 && r.status !== 409)?.text ?? ''}`,
      );
      assert.equal(statuses.filter((s) => s === 409).length, 19, `${path}: ${statuses.join(',')}`);
      for (const r of results.filter((x) => x.status === 409)) assert.ok(['ADMIN_UNIQUE_VIOLATION', 'STORE_CONFLICT'].includes(r.body.code), r.text);
      assert.equal(await count(), 1, path);
    }
  });

  test('concurrent PUT, PATCH, DELETE and rename races end consistent', async () => {
    // PUT by name from ten clients: one service, holding one of the hosts sent
    const puts = await Promise.all(Array.from({ length: 10 }, (_, i) => admin.request('PUT', '/services/put-race', { body: { host: `h${i}.internal` } })));
    for (const r of puts) assert.ok([200, 201, 409].includes(r.status), r.text);
    const stored = (await admin.snapshotEntities()).services.filter((s) => s.name === 'put-race');
    assert.equal(stored.length, 1);
    assert.match(stored[0]!.host, /^h\d\.internal$/);

    // PATCHes racing a DELETE: each PATCH lands before (200) or finds nothing (404); the entity ends deleted
    const victim = (await admin.request('POST', '/consumers', { body: { username: 'victim' } })).body;
    const [del, ...patches] = await Promise.all([
      admin.request('DELETE', `/consumers/${victim.id}`),
      ...Array.from({ length: 10 }, (_, i) => admin.request('PATCH', `/consumers/${victim.id}`, { body: { custom_id: `c${i}` } })),
    ]);
    assert.equal(del.status, 204);
    for (const p of patches) assert.ok([200, 404].includes(p.status), p.text);
    expectProblem(await admin.request('GET', `/consumers/${victim.id}`), 404, 'ADMIN_NOT_FOUND');

    // two renames to one name: one wins, the other is a 409
    const a = (await admin.request('POST', '/upstreams', { body: { name: 'rename-a' } })).body;
    const b = (await admin.request('POST', '/upstreams', { body: { name: 'rename-b' } })).body;
    const renames = await Promise.all([a, b].map((u) => admin.request('PATCH', `/upstreams/${u.id}`, { body: { name: 'rename-c' } })));
    assert.deepEqual(renames.map((r) => r.status).sort(), [200, 409], renames.map((r) => r.text).join('\n'));

    // a parent deleted while children are created under it: no child outlives its parent
    const parent = (await admin.request('POST', '/consumers', { body: { username: 'parent' } })).body;
    const [gone, ...children] = await Promise.all([
      admin.request('DELETE', `/consumers/${parent.id}`),
      ...Array.from({ length: 10 }, (_, i) => admin.request('POST', `/consumers/${parent.id}/acls`, { body: { group: `g${i}` } })),
    ]);
    assert.equal(gone.status, 204);
    for (const c of children) assert.ok([201, 400, 404].includes(c.status), c.text);
    const left = await admin.snapshotEntities();
    const consumers = new Set(left.consumers.map((c) => c.id));
    for (const list of [left.acls, left.keyauth_credentials, left.jwt_secrets])
      for (const row of list) assert.ok(consumers.has(row.consumerId), 'no orphaned credential');
    await tablesIntact();
  });
}

/** Percent-encoded; a lone surrogate (which encodeURIComponent refuses) as the invalid UTF-8 bytes it would be. */
function inUrl(text: string): string {
  return text.isWellFormed() ? encodeURIComponent(text) : encodeURIComponent(text.toWellFormed()).replaceAll('%EF%BF%BD', '%ED%A0%80');
}
