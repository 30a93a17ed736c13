// Contract cases on entities: CRUD for every kind, PUT semantics, uniqueness (also under a race), foreign
// keys, delete restrict vs cascade, atomic multi-op writes, pagination, tags, config checks, versions.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { isGatewayError } from '../../../src/errors/gateway-error.ts';
import { runMigrations } from '../../../src/store/migrate.ts';
import type { Kind } from '../../../src/schema/entity-catalogue.ts';
import type { EntityInput, EntityRecord } from '../../../src/store/store.ts';
import { ACTOR, builders, insert, ref, rejectsWith, uniq, write } from './fixtures.ts';
import type { ContractHarness } from './harness.ts';

export function entityCases(h: ContractHarness): void {
  const b = () => builders(h.plugins);

  it('has run every migration once; running them again applies nothing', async () => {
    const versions = (await h.store.sql.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    assert.ok(
      ['001', '002', '003'].every((v) => versions.includes(v)),
      `applied: ${versions.join(', ')}`,
    );
    assert.deepEqual(await runMigrations(h.store.sql), []);
  });

  it('creates, reads (by id and endpoint key), lists, updates and deletes every kind', async () => {
    const svc = b().service();
    const up = b().upstream();
    const consumer = b().consumer();
    const route = b().route(svc.id);
    const records: [Kind, EntityInput, string | undefined][] = [
      ['services', svc, svc.name as string],
      ['routes', route, route.name as string],
      ['upstreams', up, up.name as string],
      ['targets', b().target(up.id), undefined],
      ['consumers', consumer, consumer.username as string],
      ['jwt_secrets', b().jwt(consumer.id), undefined],
      ['keyauth_credentials', b().keyauth_credentials(consumer.id), undefined],
      ['acls', b().acl(consumer.id), undefined],
      ['plugins', b().plugin('cors', {}, { service: ref(svc.id), instance_name: uniq('inst') }), undefined],
    ];
    for (const [kind, record, key] of records) {
      const created = await insert(h.store, kind, record);
      assert.equal(created.id, record.id);
      assert.deepEqual(await h.store.get(kind, record.id), created, `${kind} by id`);
      const endpointKey =
        key ?? ((kind === 'plugins' ? record.instance_name : kind === 'targets' ? record.target : kind === 'acls' ? record.group : record.key) as string);
      assert.equal((await h.store.get(kind, endpointKey))?.id, record.id, `${kind} by endpoint key`);
      const listed = await h.store.list(kind, { size: 1000 });
      assert.deepEqual(
        listed.data.find((r) => r.id === record.id),
        created,
        `${kind} listed`,
      );
      const updated = (await write(h.store, [{ op: 'update', kind, record: { ...record, tags: ['updated'] } }])).records[0]!;
      assert.deepEqual(updated.tags, ['updated']);
      assert.deepEqual((await h.store.get(kind, record.id))?.tags, ['updated']);
    }
    for (const [kind, record] of [...records].reverse()) {
      const result = await write(h.store, [{ op: 'delete', kind, id: record.id }]);
      assert.deepEqual(result.records, [null]);
      assert.equal(await h.store.get(kind, record.id), undefined, `${kind} deleted`);
    }
  });

  it("reads show Kong's shape: references as { id } or null, unset fields as null, timestamps set", async () => {
    const svc = await insert(h.store, 'services', b().service());
    const route = await insert(h.store, 'routes', b().route(svc.id));
    const global = await insert(h.store, 'routes', b().route(null));
    assert.deepEqual(route.service, { id: svc.id });
    assert.equal(global.service, null);
    assert.equal(route.hosts, null);
    assert.equal(svc.tags, null);
    assert.equal(svc.path, null);
    assert.ok(Number.isInteger(svc.created_at) && (svc.created_at as number) > 1_600_000_000);
    assert.equal(svc.updated_at, svc.created_at);
  });

  it('upsert inserts, then replaces: absent fields reset, created_at kept, updated_at moved', async () => {
    const first = b().service({ path: '/v1' });
    assert.equal((await write(h.store, [{ op: 'upsert', kind: 'services', record: first }])).records[0]!.path, '/v1');
    await h.store.sql.query('UPDATE services SET created_at = 1000, updated_at = 1000 WHERE id = $1', [first.id]);
    const second: EntityInput = { ...first, host: 'other.test' };
    delete second.path;
    const replaced = (await write(h.store, [{ op: 'upsert', kind: 'services', record: second }])).records[0]!;
    assert.equal(replaced.host, 'other.test');
    assert.equal(replaced.path, null);
    assert.equal(replaced.created_at, 1000);
    assert.ok((replaced.updated_at as number) > 1000);
  });

  it('update of a missing id is ADMIN_NOT_FOUND; delete of a missing id is not an error', async () => {
    await rejectsWith(write(h.store, [{ op: 'update', kind: 'services', record: b().service() }]), 'ADMIN_NOT_FOUND');
    assert.deepEqual((await write(h.store, [{ op: 'delete', kind: 'services', id: randomUUID() }])).records, [null]);
  });

  it("refuses duplicates of unique fields with Kong's 409, and lets NULLs repeat", async () => {
    const svc = await insert(h.store, 'services', b().service());
    const err = await rejectsWith(
      insert(h.store, 'services', b().service({ name: svc.name })),
      'ADMIN_UNIQUE_VIOLATION',
      `UNIQUE violation detected on '{name="${svc.name as string}"}'`,
    );
    assert.deepEqual((err as { fields?: unknown }).fields, { name: 'already exists' });
    await rejectsWith(
      insert(h.store, 'services', { ...b().service(), id: svc.id }),
      'ADMIN_UNIQUE_VIOLATION',
      `primary key violation on key '{id="${svc.id}"}'`,
    );

    await insert(h.store, 'consumers', b().consumer({ username: undefined, custom_id: uniq('cid') }));
    await insert(h.store, 'consumers', b().consumer({ username: undefined, custom_id: uniq('cid') }));
    const c = await insert(h.store, 'consumers', b().consumer({ custom_id: uniq('cid') }));
    await rejectsWith(
      insert(h.store, 'consumers', b().consumer({ custom_id: c.custom_id })),
      'ADMIN_UNIQUE_VIOLATION',
      `UNIQUE violation detected on '{custom_id="${c.custom_id as string}"}'`,
    );

    const up = await insert(h.store, 'upstreams', b().upstream());
    const up2 = await insert(h.store, 'upstreams', b().upstream());
    const t = await insert(h.store, 'targets', b().target(up.id));
    await insert(h.store, 'targets', b().target(up2.id, { target: t.target }));
    await rejectsWith(
      insert(h.store, 'targets', b().target(up.id, { target: t.target })),
      'ADMIN_UNIQUE_VIOLATION',
      `UNIQUE violation detected on '{target="${t.target as string}",upstream={id="${up.id}"}}'`,
    );

    const acl = await insert(h.store, 'acls', b().acl(c.id));
    await rejectsWith(insert(h.store, 'acls', b().acl(c.id, { group: acl.group })), 'ADMIN_UNIQUE_VIOLATION');
    const jwt = b().jwt(c.id);
    await insert(h.store, 'jwt_secrets', jwt);
    await rejectsWith(
      insert(h.store, 'jwt_secrets', b().jwt(c.id, { key: jwt.key })),
      'ADMIN_UNIQUE_VIOLATION',
      `UNIQUE violation detected on '{key="${jwt.key as string}"}'`,
    );

    // Plugins: one of a name per scope; an unset scope counts as a value.
    const name = 'request-size-limiting';
    await insert(h.store, 'plugins', b().plugin(name, {}, { service: ref(svc.id) }));
    await rejectsWith(
      insert(h.store, 'plugins', b().plugin(name, {}, { service: ref(svc.id) })),
      'ADMIN_UNIQUE_VIOLATION',
      `UNIQUE violation detected on '{consumer=null,name="${name}",route=null,service={id="${svc.id}"}}'`,
    );
    await insert(h.store, 'plugins', b().plugin(name, {}, { consumer: ref(c.id) }));
    const instance = uniq('inst');
    await insert(h.store, 'plugins', b().plugin('cors', {}, { instance_name: instance }));
    await rejectsWith(insert(h.store, 'plugins', b().plugin('cors', {}, { service: ref(svc.id), instance_name: instance })), 'ADMIN_UNIQUE_VIOLATION');
    await rejectsWith(insert(h.store, 'plugins', b().plugin('cors', {})), 'ADMIN_UNIQUE_VIOLATION');
  });

  it('of two concurrent inserts of one name from two connections, exactly one wins', async () => {
    const name = uniq('race');
    const results = await Promise.allSettled([insert(h.store, 'services', b().service({ name })), insert(h.other, 'services', b().service({ name }))]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(isGatewayError(failed.reason) && failed.reason.code === 'ADMIN_UNIQUE_VIOLATION', String(failed.reason));
    assert.ok(await h.store.get('services', name));
  });

  it('refuses references to missing entities, and children without their required parent', async () => {
    const missing = randomUUID();
    const err = await rejectsWith(
      insert(h.store, 'routes', b().route(missing)),
      'ADMIN_FOREIGN_KEY_VIOLATION',
      `the foreign key '{id="${missing}"}' does not reference an existing 'services' entity.`,
    );
    assert.ok((err as { fields?: Record<string, string> }).fields?.service);
    const up = await insert(h.store, 'upstreams', b().upstream());
    const target = b().target(up.id);
    await rejectsWith(insert(h.store, 'targets', { ...target, upstream: null }), 'ADMIN_SCHEMA_VIOLATION');
    await rejectsWith(insert(h.store, 'targets', { ...target, upstream: ref(missing) }), 'ADMIN_FOREIGN_KEY_VIOLATION');
  });

  it('deleting a parent: routes restrict a service; credentials, targets and plugins cascade', async () => {
    const svc = await insert(h.store, 'services', b().service());
    const route = await insert(h.store, 'routes', b().route(svc.id));
    const plugin = await insert(h.store, 'plugins', b().plugin('cors', {}, { service: ref(svc.id) }));
    await rejectsWith(
      write(h.store, [{ op: 'delete', kind: 'services', id: svc.id }]),
      'ADMIN_REFERENCED',
      "an existing 'routes' entity references this 'services' entity",
    );
    assert.ok(await h.store.get('services', svc.id));
    await write(h.store, [
      { op: 'delete', kind: 'routes', id: route.id },
      { op: 'delete', kind: 'services', id: svc.id },
    ]);
    assert.equal(await h.store.get('plugins', plugin.id), undefined);

    const consumer = await insert(h.store, 'consumers', b().consumer());
    const children: [Kind, EntityRecord][] = [
      ['jwt_secrets', await insert(h.store, 'jwt_secrets', b().jwt(consumer.id))],
      ['keyauth_credentials', await insert(h.store, 'keyauth_credentials', b().keyauth_credentials(consumer.id))],
      ['acls', await insert(h.store, 'acls', b().acl(consumer.id))],
      ['plugins', await insert(h.store, 'plugins', b().plugin('cors', {}, { consumer: ref(consumer.id) }))],
    ];
    await write(h.store, [{ op: 'delete', kind: 'consumers', id: consumer.id }]);
    for (const [kind, child] of children) assert.equal(await h.store.get(kind, child.id), undefined, `${kind} cascaded`);

    const up = await insert(h.store, 'upstreams', b().upstream());
    const target = await insert(h.store, 'targets', b().target(up.id));
    await write(h.store, [{ op: 'delete', kind: 'upstreams', id: up.id }]);
    assert.equal(await h.store.get('targets', target.id), undefined);
  });

  it('applies a multi-op write all or nothing', async () => {
    const a = b().service();
    await rejectsWith(
      write(h.store, [
        { op: 'insert', kind: 'services', record: a },
        { op: 'insert', kind: 'services', record: b().service({ name: a.name }) },
      ]),
      'ADMIN_UNIQUE_VIOLATION',
    );
    assert.equal(await h.store.get('services', a.id), undefined);
    const svc = b().service();
    const route = b().route(svc.id);
    const result = await write(h.store, [
      { op: 'insert', kind: 'services', record: svc },
      { op: 'insert', kind: 'routes', record: route },
    ]);
    assert.deepEqual(
      result.records.map((r) => r?.id),
      [svc.id, route.id],
    );
  });

  it('pages walk every row exactly once, in id order, with an opaque offset', async () => {
    const tag = uniq('page');
    const ids = new Set<string>();
    for (let i = 0; i < 23; i++) ids.add((await insert(h.store, 'services', b().service({ tags: [tag] }))).id);
    const seen: string[] = [];
    let offset: string | undefined;
    let pages = 0;
    do {
      const page = await h.store.list('services', { size: 7, offset, tags: { values: [tag], match: 'all' } });
      assert.ok(page.data.length <= 7);
      seen.push(...page.data.map((r) => r.id));
      offset = page.offset ?? undefined;
      pages++;
    } while (offset !== undefined);
    assert.equal(pages, 4);
    assert.equal(seen.length, 23);
    assert.deepEqual(new Set(seen), ids);
    assert.deepEqual(seen, [...seen].sort());
    assert.equal((await h.store.list('services', { size: 23, tags: { values: [tag], match: 'all' } })).offset, null);
    await rejectsWith(h.store.list('services', { size: 0 }), 'ADMIN_INVALID_QUERY');
    await rejectsWith(h.store.list('services', { size: 1001 }), 'ADMIN_INVALID_QUERY');
    await rejectsWith(h.store.list('services', { size: 10, offset: 'not-an-offset' }), 'ADMIN_INVALID_QUERY', /is not a valid offset/);
  });

  it('filters lists by parent and by tags (all / any)', async () => {
    const svc = await insert(h.store, 'services', b().service());
    const r1 = await insert(h.store, 'routes', b().route(svc.id));
    const r2 = await insert(h.store, 'routes', b().route(svc.id));
    await insert(h.store, 'routes', b().route(null));
    const children = await h.store.list('routes', { size: 100, parent: { field: 'service', id: svc.id } });
    assert.deepEqual(children.data.map((r) => r.id).sort(), [r1.id, r2.id].sort());
    assert.equal(await h.store.get('routes', r1.id, { field: 'service', id: randomUUID() }), undefined);
    assert.equal((await h.store.get('routes', r1.name as string, { field: 'service', id: svc.id }))?.id, r1.id);

    const [t1, t2, t3] = [uniq('t1'), uniq('t2'), uniq('t3')];
    const a = await insert(h.store, 'consumers', b().consumer({ tags: [t1, t2] }));
    const c = await insert(h.store, 'consumers', b().consumer({ tags: [t2, t3] }));
    const d = await insert(h.store, 'consumers', b().consumer({ tags: [t3] }));
    const ids = async (values: string[], match: 'all' | 'any') =>
      (await h.store.list('consumers', { size: 100, tags: { values, match } })).data.map((r) => r.id).sort();
    assert.deepEqual(await ids([t1, t2], 'all'), [a.id]);
    assert.deepEqual(await ids([t2], 'all'), [a.id, c.id].sort());
    assert.deepEqual(await ids([t1, t3], 'any'), [a.id, c.id, d.id].sort());
  });

  it('a failing check leaves the store unchanged; a passing one sees the write, secrets decrypted', async () => {
    const version = await h.store.version();
    const consumer = b().consumer();
    const jwt = b().jwt(consumer.id);
    const ops = [
      { op: 'insert', kind: 'consumers', record: consumer },
      { op: 'insert', kind: 'jwt_secrets', record: jwt },
    ] as const;
    await assert.rejects(
      h.store.write(ops, {
        actor: ACTOR,
        check: () => {
          throw new Error('refused by check');
        },
      }),
      /refused by check/,
    );
    assert.equal(await h.store.get('consumers', consumer.id), undefined);
    assert.equal(await h.store.version(), version);
    assert.equal((await h.store.audit.list({ size: 10, entityId: consumer.id })).data.length, 0);

    let seen: unknown;
    const result = await h.store.write(ops, {
      actor: ACTOR,
      check: (entities) => {
        seen = entities.jwt_secrets.find((j) => j.id === jwt.id)?.secret;
      },
    });
    assert.equal(seen, jwt.secret);
    assert.equal(result.version, version + 1);
  });

  it('bumps the version by one per committed write, the same version snapshot() reports', async () => {
    const before = await h.store.version();
    const first = await insert(h.store, 'upstreams', b().upstream());
    const second = await write(h.store, [{ op: 'delete', kind: 'upstreams', id: first.id }]);
    assert.equal(second.version, before + 2);
    assert.equal(await h.store.version(), before + 2);
    assert.equal((await h.store.snapshot()).version, before + 2);
  });

  it('tells watchers on another connection of each committed version', async () => {
    const seen: (number | null)[] = [];
    let wake: () => void = () => {};
    const stop = await h.other.watch((v) => {
      seen.push(v);
      wake();
    });
    try {
      const { version } = await write(h.store, [{ op: 'insert', kind: 'upstreams', record: b().upstream() }]);
      while (!seen.includes(version))
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
    } finally {
      await stop();
    }
  });
}
