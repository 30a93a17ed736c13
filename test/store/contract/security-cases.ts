// Contract cases on what must stay secret or be accounted for: secrets never read back and never in SQL in
// the clear, API key lookup through hashes, the audit trail with redaction, admin tokens kept as hashes,
// the snapshot compiling into a gateway config.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { compileConfig } from '../../../src/config/compile.ts';
import { REDACTED } from '../../../src/secrets/secret-fields.ts';
import { ACTOR, builders, insert, ref, rejectsWith, rawTable, secretValue, write } from './fixtures.ts';
import type { ContractHarness } from './harness.ts';
import type { AuditEntry } from '../../../src/store/store.ts';
import { fieldOf, isObjectNode } from '../../../src/schema/object-node.ts';

export function securityCases(h: ContractHarness): void {
  const b = () => builders(h.plugins);

  /** A consumer with one of each secret-bearing entity. */
  async function secretsFixture() {
    const svc = await insert(h.store, 'services', b().service());
    const consumer = await insert(h.store, 'consumers', b().consumer());
    const jwt = b().jwt(consumer.id);
    const keyAuth = b().keyauth_credentials(consumer.id);
    const password = secretValue('redispw');
    const plugin = b().plugin('rate-limiting', { minute: 10, redis: { password } }, { service: ref(svc.id) });
    const written = await write(h.store, [
      { op: 'insert', kind: 'jwt_secrets', record: jwt },
      { op: 'insert', kind: 'keyauth_credentials', record: keyAuth },
      { op: 'insert', kind: 'plugins', record: plugin },
    ]);
    return { svc, consumer, jwt, keyAuth, plugin, password, written, plaintexts: [jwt.secret as string, keyAuth.key as string, password] };
  }

  it('never returns secret fields from writes or reads, and keeps none in the clear in SQL', async () => {
    const f = await secretsFixture();
    const reads = JSON.stringify([
      f.written.records,
      await h.store.get('jwt_secrets', f.jwt.id),
      await h.store.get('keyauth_credentials', f.keyAuth.id),
      await h.store.get('plugins', f.plugin.id),
      await h.store.list('jwt_secrets', { size: 1000 }),
      await h.store.list('keyauth_credentials', { size: 1000 }),
      await h.store.list('plugins', { size: 1000 }),
    ]);
    const sql = (await Promise.all(['jwt_secrets', 'keyauth_credentials', 'plugins', 'audit_log'].map((t) => rawTable(h.store, t)))).join('\n');
    for (const plaintext of f.plaintexts) {
      assert.ok(!reads.includes(plaintext), 'a secret came back from a read');
      assert.ok(!sql.includes(plaintext), 'a secret is stored in the clear');
    }
    const jwt = (await h.store.get('jwt_secrets', f.jwt.id))!;
    assert.equal('secret' in jwt, false);
    assert.equal(jwt.key, f.jwt.key);
    const plugin = (await h.store.get('plugins', f.plugin.id))!;
    const redis = fieldOf(plugin.config, 'redis');
    assert.ok(isObjectNode(redis));
    assert.equal('password' in redis, false);

    const row = (await h.store.sql.query<{ secrets: string }>('SELECT secrets FROM jwt_secrets WHERE id = $1', [f.jwt.id])).rows.at(0);
    assert.ok(row);
    assert.equal(h.codec.keyIdOf(row.secrets), h.codec.activeKeyId);
    const hash = (await h.store.sql.query<{ key_hash: string }>('SELECT key_hash FROM keyauth_credentials WHERE id = $1', [f.keyAuth.id])).rows.at(0)?.key_hash;
    assert.equal(hash, h.codec.hashApiKey(f.keyAuth.key as string));
  });

  it('gives secrets back decrypted in snapshot(), API keys as their hash only', async () => {
    const f = await secretsFixture();
    const { entities } = await h.store.snapshot();
    assert.equal(entities.jwt_secrets.find((j) => j.id === f.jwt.id)?.secret, f.jwt.secret);
    const plugin = entities.plugins.find((p) => p.id === f.plugin.id)!;
    assert.equal(fieldOf(fieldOf(plugin.config, 'redis'), 'password'), f.password);
    assert.equal(plugin.serviceId, f.svc.id);
    const key = entities.keyauth_credentials.find((k) => k.id === f.keyAuth.id)!;
    assert.equal(key.key, undefined);
    assert.equal(key.key_hash, h.codec.hashApiKey(f.keyAuth.key as string));
    assert.equal(key.consumerId, f.consumer.id);
  });

  it('an update that leaves a secret out keeps it; one that names it replaces it', async () => {
    const f = await secretsFixture();
    const jwtWithout = withoutField(f.jwt, 'secret');
    const keyWithout = withoutField(f.keyAuth, 'key');
    const config = structuredClone(f.plugin.config) as { redis: Record<string, unknown> };
    delete config.redis.password;
    await write(h.store, [
      { op: 'update', kind: 'jwt_secrets', record: { ...jwtWithout, tags: ['kept'] } },
      { op: 'update', kind: 'keyauth_credentials', record: { ...keyWithout, tags: ['kept'] } },
      { op: 'update', kind: 'plugins', record: { ...f.plugin, config } },
    ]);
    let { entities } = await h.store.snapshot();
    assert.equal(entities.jwt_secrets.find((j) => j.id === f.jwt.id)?.secret, f.jwt.secret);
    assert.equal(entities.keyauth_credentials.find((k) => k.id === f.keyAuth.id)?.key_hash, h.codec.hashApiKey(f.keyAuth.key as string));
    assert.equal(fieldOf(fieldOf(entities.plugins.find((p) => p.id === f.plugin.id)?.config, 'redis'), 'password'), f.password);

    const secret = secretValue('rotated');
    config.redis.password = null;
    await write(h.store, [
      { op: 'update', kind: 'jwt_secrets', record: { ...f.jwt, secret } },
      { op: 'update', kind: 'plugins', record: { ...f.plugin, config } },
    ]);
    ({ entities } = await h.store.snapshot());
    assert.equal(entities.jwt_secrets.find((j) => j.id === f.jwt.id)?.secret, secret);
    assert.equal(fieldOf(fieldOf(entities.plugins.find((p) => p.id === f.plugin.id)?.config, 'redis'), 'password'), null);
    assert.equal((await h.store.sql.query<{ secrets: string | null }>('SELECT secrets FROM plugins WHERE id = $1', [f.plugin.id])).rows.at(0)?.secrets, null);
  });

  it('finds a key-auth credential by its API key (within its consumer), and refuses a duplicate key without echoing it', async () => {
    const f = await secretsFixture();
    const key = f.keyAuth.key as string;
    assert.equal((await h.store.get('keyauth_credentials', key))?.id, f.keyAuth.id);
    assert.equal((await h.store.get('keyauth_credentials', key, { field: 'consumer', id: f.consumer.id }))?.id, f.keyAuth.id);
    const other = await insert(h.store, 'consumers', b().consumer());
    assert.equal(await h.store.get('keyauth_credentials', key, { field: 'consumer', id: other.id }), undefined);
    assert.equal(await h.store.get('keyauth_credentials', `${key}x`), undefined);
    const err = await rejectsWith(insert(h.store, 'keyauth_credentials', b().keyauth_credentials(other.id, { key })), 'ADMIN_UNIQUE_VIOLATION');
    assert.ok(!JSON.stringify({ ...err, message: err.message }).includes(key), 'the duplicate key is echoed');
    assert.deepEqual((err as { fields?: unknown }).fields, { key: 'already exists' });
  });

  it('takes an API key already hashed (key_hash, as config dump exports it) and never shows the hash', async () => {
    const consumer = await insert(h.store, 'consumers', b().consumer());
    const key = secretValue('apikey');
    const record = withoutField(b().keyauth_credentials(consumer.id), 'key');
    const created = await insert(h.store, 'keyauth_credentials', { ...record, key_hash: h.codec.hashApiKey(key) });
    assert.equal('key_hash' in created, false);
    assert.equal('key_hash' in (await h.store.get('keyauth_credentials', record.id))!, false);
    assert.equal((await h.store.get('keyauth_credentials', key))?.id, record.id);
    const { entities } = await h.store.snapshot();
    assert.equal(entities.keyauth_credentials.find((k) => k.id === record.id)?.key_hash, h.codec.hashApiKey(key));
  });

  it('audits every change with actor, request id and redacted before/after images, newest first', async () => {
    const f = await secretsFixture();
    await write(h.store, [{ op: 'update', kind: 'jwt_secrets', record: { ...f.jwt, tags: ['audited'] } }], 'req-update');
    await write(h.store, [{ op: 'delete', kind: 'jwt_secrets', id: f.jwt.id }], 'req-delete');
    const { data, offset } = await h.store.audit.list({ size: 10, entityId: f.jwt.id });
    assert.equal(offset, null);
    assert.deepEqual(
      data.map((e) => e.action),
      ['delete', 'update', 'create'],
    );
    assert.deepEqual(
      data.map((e) => e.request_id),
      ['req-delete', 'req-update', 'req-contract'],
    );
    for (const e of data) {
      assert.deepEqual(e.actor, { id: ACTOR.id, name: ACTOR.name });
      assert.equal(e.kind, 'jwt_secrets');
      assert.ok(!Number.isNaN(Date.parse(e.at)));
    }
    const [del, upd, created] = data;
    assert.ok(del && upd && created);
    assert.equal(created.before, null);
    assert.equal(created.after?.secret, REDACTED);
    assert.equal(created.after?.key, f.jwt.key);
    assert.deepEqual(upd.after?.tags, ['audited']);
    assert.equal(upd.before?.secret, REDACTED);
    assert.equal(del.after, null);
    assert.equal(del.before?.id, f.jwt.id);
    const keyAudit = (await h.store.audit.list({ size: 1, entityId: f.keyAuth.id })).data.at(0);
    assert.equal(keyAudit?.after?.key, REDACTED);
    const pluginAudit = (await h.store.audit.list({ size: 1, kind: 'plugins', entityId: f.plugin.id })).data.at(0);
    assert.equal(fieldOf(fieldOf(pluginAudit?.after?.config, 'redis'), 'password'), REDACTED);
    const all = JSON.stringify(await h.store.audit.list({ size: 1000 }));
    for (const plaintext of f.plaintexts) assert.ok(!all.includes(plaintext), 'a secret is in the audit log');

    const first = await h.store.audit.list({ size: 1, entityId: f.jwt.id });
    assert.ok(first.offset);
    const second = await h.store.audit.list({ size: 1, entityId: f.jwt.id, offset: first.offset });
    assert.deepEqual(
      second.data.map((e) => e.action),
      ['update'],
    );
  });

  it('audits each entity a delete cascades to: a delete row per child, same actor and request id, redacted', async () => {
    const f = await secretsFixture();
    const acl = await insert(h.store, 'acls', b().acl(f.consumer.id));
    const consumerPlugin = await insert(h.store, 'plugins', b().plugin('cors', {}, { consumer: ref(f.consumer.id) }));
    const route = await insert(h.store, 'routes', b().route(f.svc.id));
    const routePlugin = await insert(h.store, 'plugins', b().plugin('cors', {}, { route: ref(route.id) }));
    const up = await insert(h.store, 'upstreams', b().upstream());
    const target0 = await insert(h.store, 'targets', b().target(up.id));
    const target1 = await insert(h.store, 'targets', b().target(up.id));
    await write(h.store, [{ op: 'delete', kind: 'consumers', id: f.consumer.id }], 'req-consumer');
    await write(
      h.store,
      [
        { op: 'delete', kind: 'routes', id: route.id },
        { op: 'delete', kind: 'services', id: f.svc.id },
      ],
      'req-service',
    );
    await write(h.store, [{ op: 'delete', kind: 'upstreams', id: up.id }], 'req-upstream');

    const deletion = async (kind: string, id: string) => {
      const rows = (await h.store.audit.list({ size: 10, kind, entityId: id })).data.filter((e) => e.action === 'delete');
      assert.equal(rows.length, 1, `one delete row for ${kind} ${id}`);
      const [row] = rows;
      assert.ok(row);
      assert.deepEqual(row.actor, { id: ACTOR.id, name: ACTOR.name });
      assert.equal(row.after, null);
      assert.equal(row.before?.id, id);
      return row;
    };
    const consumerRow = await deletion('consumers', f.consumer.id);
    const routeRow = await deletion('routes', route.id);
    const serviceRow = await deletion('services', f.svc.id);
    const upstreamRow = await deletion('upstreams', up.id);
    const children: [string, string, AuditEntry][] = [
      ['jwt_secrets', f.jwt.id, consumerRow],
      ['keyauth_credentials', f.keyAuth.id, consumerRow],
      ['acls', acl.id, consumerRow],
      ['plugins', consumerPlugin.id, consumerRow],
      ['plugins', routePlugin.id, routeRow],
      ['plugins', f.plugin.id, serviceRow],
      ['targets', target0.id, upstreamRow],
      ['targets', target1.id, upstreamRow],
    ];
    for (const [kind, id, parent] of children) {
      const row = await deletion(kind, id);
      assert.equal(row.request_id, parent.request_id, `${kind} ${id}`);
      // Kong's order: the parent's delete, then its children's, before the write's next op
      assert.ok(row.id > parent.id, `${kind} after its parent`);
      if (parent === routeRow) assert.ok(row.id < serviceRow.id, 'before the next op of the write');
    }
    assert.deepEqual((await deletion('consumers', f.consumer.id)).before?.username, f.consumer.username);
    assert.equal((await deletion('jwt_secrets', f.jwt.id)).before?.secret, REDACTED);
    assert.equal((await deletion('keyauth_credentials', f.keyAuth.id)).before?.key, REDACTED);
    assert.equal(fieldOf(fieldOf((await deletion('plugins', f.plugin.id)).before?.config, 'redis'), 'password'), REDACTED);
    assert.equal((await deletion('targets', target0.id)).before?.target, target0.target);
    const all = JSON.stringify(await h.store.audit.list({ size: 1000 }));
    for (const plaintext of f.plaintexts) assert.ok(!all.includes(plaintext), 'a secret is in the audit log');
  });

  it('keeps admin tokens as SHA-256 hashes; verifies, lists, counts and deletes them, audited', async () => {
    const before = await h.store.adminTokens.count();
    const { token, record } = await h.store.adminTokens.create('contract-token', 'read-only', ACTOR);
    assert.match(token, /^pcat_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(Object.keys(record).sort(), ['created_at', 'id', 'last_used_at', 'name', 'role']);
    const raw = await rawTable(h.store, 'admin_tokens');
    assert.ok(!raw.includes(token));
    assert.ok(raw.includes(createHash('sha256').update(token).digest('hex')));
    assert.deepEqual(await h.store.adminTokens.verify(token), { id: record.id, name: 'contract-token', role: 'read-only' });
    assert.equal(await h.store.adminTokens.verify(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`), undefined);
    assert.equal(await h.store.adminTokens.verify('not a token'), undefined);
    assert.equal(await h.store.adminTokens.count(), before + 1);
    assert.ok((await h.store.adminTokens.list()).some((t) => t.id === record.id && t.name === 'contract-token'));
    await rejectsWith(h.store.adminTokens.create('contract-token', 'admin', ACTOR), 'ADMIN_UNIQUE_VIOLATION');
    assert.equal(await h.store.adminTokens.delete(record.id, ACTOR), true);
    assert.equal(await h.store.adminTokens.verify(token), undefined);
    assert.equal(await h.store.adminTokens.delete(record.id, ACTOR), false);
    const audit = await h.store.audit.list({ size: 10, kind: 'admin_tokens', entityId: record.id });
    assert.deepEqual(
      audit.data.map((e) => e.action),
      ['token-delete', 'token-create'],
    );
    assert.ok(!JSON.stringify(audit).includes(token.slice(5)));
  });

  it('snapshot() compiles into a gateway config', async () => {
    await secretsFixture();
    const { entities } = await h.store.snapshot();
    await compileConfig(entities, h.plugins, undefined, undefined, { codec: h.codec, sql: h.store.sql });
  });
}

/** A copy of `record` without `field`. */
function withoutField<T extends Record<string, unknown>>(record: T, field: string): T {
  const copy = { ...record };
  Reflect.deleteProperty(copy, field);
  return copy;
}
