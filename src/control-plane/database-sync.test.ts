// The database sync over a real (in-memory PGlite) store: notifications rebuild, rebuilds never go back in
// version, a stored config that does not build is logged and the old one keeps serving, the two fallbacks
// (periodic check, catch-up after a reconnect) find writes whose notification was lost, and a local write's
// checked entities are built without a second read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { loadPluginRegistry, type PluginRegistry } from '../plugins/registry.ts';
import { keyringFromKeys } from '../secrets/keyring.ts';
import { createSecretCodec } from '../secrets/envelope-codec.ts';
import { openStore } from '../store/open-store.ts';
import type { Store, WriteOp } from '../store/store.ts';
import { KINDS } from '../schema/entity-catalogue.ts';
import { toAdminRecord } from '../schema/entity-shapes.ts';
import { loadDeclarative } from '../config/declarative/load-declarative.ts';
import type { CompiledConfig } from '../config/compiled.ts';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import { createConfigBuilder, type ConfigBuilder } from './config-builder.ts';
import { createDatabaseSync, type DatabaseSync } from './database-sync.ts';
import { insertOps } from './seed.ts';

const logger = pino({ level: 'silent' });
const actor = { id: 'test', name: 'test', role: 'admin' as const };
let plugins: PluginRegistry;
let store: Store;

before(async () => {
  plugins = await loadPluginRegistry();
  const codec = createSecretCodec(keyringFromKeys([{ id: 'k1', key: randomBytes(32) }]));
  store = await openStore({ codec, plugins, logger });
});

after(async () => {
  await store.close();
});

/**
 * Inserts a service with one route at `path` (written as another node would: straight to the store, no check).
 * `unchecked` fields are set on the route after validation, as an older node lacking this version's checks
 * could have stored them.
 */
async function addRoute(name: string, path: string, unchecked: Record<string, unknown> = {}): Promise<number> {
  const entities = loadDeclarative({ _format_version: '3.0', services: [{ name, url: 'http://127.0.0.1:9', routes: [{ name, paths: [path] }] }] }, plugins);
  const ops: WriteOp[] = [];
  for (const kind of KINDS) {
    for (const row of entities[kind]) ops.push({ op: 'insert', kind, record: { ...toAdminRecord(kind, row), ...(kind === 'routes' ? unchecked : {}) } });
  }
  return (await store.write(ops, { actor })).version;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`${what} did not happen within 5 s`);
}

function harness(source: Store, pollIntervalMs = 60_000): { sync: DatabaseSync; builder: ConfigBuilder; swapped: number[] } {
  const builder = createConfigBuilder({ plugins, logger });
  const swapped: number[] = [];
  const sync = createDatabaseSync({
    store: source,
    builder,
    logger,
    pollIntervalMs,
    swap: (_config, version) => {
      swapped.push(version);
    },
  });
  return { sync, builder, swapped };
}

test('a notified write is rebuilt; concurrent writes and catch-ups never move the served version back', async () => {
  const { sync, builder, swapped } = harness(store);
  await sync.start();
  try {
    assert.equal(sync.served(), await store.version());
    const v1 = await addRoute('one', '/one');
    await until(() => sync.served() === v1, 'the notified rebuild');
    const versions = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        addRoute(`many-${i}`, `/many-${i}`).then(async (v) => {
          await sync.catchUp(v);
          assert.ok(sync.served()! >= v, 'catchUp resolves once that version (or a newer one) is served');
          return v;
        }),
      ),
    );
    await until(() => sync.served() === Math.max(...versions), 'the last write served');
    assert.deepEqual(
      swapped,
      [...swapped].sort((a, b) => a - b),
      'swaps only ever go forward',
    );
    assert.equal(new Set(swapped).size, swapped.length, 'no version built twice');
    assert.equal(builder.state().lastError, null);
  } finally {
    await sync.close();
  }
});

test('a stored config that fails to build is logged, not served, and the next good one is', async () => {
  const { sync, builder } = harness(store);
  await sync.start();
  try {
    const good = sync.served()!;
    // validation refuses this host now, but an older node that did not could have stored it; the router cannot build it
    const bad = await addRoute('bad', '/bad', { hosts: ['a.*.com'] });
    await sync.catchUp(bad);
    assert.equal(sync.served(), good);
    assert.match(builder.state().lastError ?? '', /invalid wildcard host/);
    const badService = await store.get('services', 'bad');
    await store.write(
      [
        { op: 'delete', kind: 'routes', id: (await store.get('routes', 'bad'))!.id },
        { op: 'delete', kind: 'services', id: badService!.id },
      ],
      { actor },
    );
    const fixed = await store.version();
    await sync.catchUp(fixed);
    assert.equal(sync.served(), fixed);
    assert.equal(builder.state().lastError, null);
  } finally {
    await sync.close();
  }
});

test('the periodic check finds a write whose notification was lost', async () => {
  // The same store, but its notifications never arrive.
  const deaf: Store = Object.assign(Object.create(store) as Store, { watch: () => Promise.resolve(() => Promise.resolve()) });
  const { sync } = harness(deaf, 50);
  await sync.start();
  try {
    const v = await addRoute('polled', '/polled');
    await until(() => sync.served() === v, 'the periodic check');
  } finally {
    await sync.close();
  }
});

test('after a reconnect (onChange(null)) the node catches up at once', async () => {
  let notify: ((version: number | null) => void) | undefined;
  // Notifications are captured, not delivered: only the reconnect signal below reaches the sync.
  const reconnecting: Store = Object.assign(Object.create(store) as Store, {
    watch: (onChange: (version: number | null) => void) => {
      notify = onChange;
      return Promise.resolve(() => Promise.resolve());
    },
  });
  const { sync } = harness(reconnecting);
  await sync.start();
  try {
    const v = await addRoute('missed', '/missed');
    assert.ok(sync.served()! < v, 'nothing told the sync yet'); // notifications are captured, the periodic check is far off
    notify!(null);
    await until(() => sync.served() === v, 'the catch-up');
  } finally {
    await sync.close();
  }
});

/** The name of the route `path` reaches in `config`, or null. */
function routeAt(config: CompiledConfig, path: string): string | null {
  const found = config.router.find({ method: 'GET', host: 'localhost', path, headers: {}, scheme: 'http' });
  return found.kind === 'match' ? (found.route.name ?? null) : null;
}

test("a local write's checked entities are built without reading the store again, unless a newer write committed", async () => {
  let reads = 0;
  // Notifications are not delivered, so only catchUp rebuilds; snapshots are counted.
  const counting: Store = Object.assign(Object.create(store) as Store, {
    watch: () => Promise.resolve(() => Promise.resolve()),
    snapshot: () => (reads++, store.snapshot()),
  });
  const configs = new Map<number, CompiledConfig>();
  const builder = createConfigBuilder({ plugins, logger });
  const sync = createDatabaseSync({
    store: counting,
    builder,
    logger,
    pollIntervalMs: 60_000,
    swap: (config, version) => {
      configs.set(version, config);
    },
  });
  await sync.start();
  // As the admin API commits: the check sees the whole config inside the write's transaction.
  const checkedWrite = async (name: string, path: string) => {
    const entities = loadDeclarative({ _format_version: '3.0', services: [{ name, url: 'http://127.0.0.1:9', routes: [{ name, paths: [path] }] }] }, plugins);
    const ops = insertOps(entities);
    let checked: ConfigEntities | undefined;
    const { version } = await store.write(ops, { actor, check: (e) => void (checked = e) });
    return { version, checked: checked! };
  };
  try {
    const one = await checkedWrite('reused', '/reused');
    assert.deepStrictEqual(one.checked, (await store.snapshot()).entities, 'what the check saw is what committed');
    const readsBefore = reads;
    await sync.catchUp(one.version, one.checked);
    assert.equal(sync.served(), one.version);
    assert.equal(reads, readsBefore, 'built from the checked entities');
    assert.equal(routeAt(configs.get(one.version)!, '/reused'), 'reused');

    const stale = await checkedWrite('stale', '/stale');
    const newer = await addRoute('newer', '/newer');
    await sync.catchUp(stale.version, stale.checked);
    assert.equal(sync.served(), newer, 'the newest version, not the one offered');
    assert.equal(reads, readsBefore + 1, 'a write committed since: the store is read');
    assert.equal(routeAt(configs.get(newer)!, '/stale'), 'stale');
    assert.equal(routeAt(configs.get(newer)!, '/newer'), 'newer');
  } finally {
    await sync.close();
  }
});
