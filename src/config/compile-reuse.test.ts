// A build over the very lists of the last one takes over its pure parts (router, consumer directory, shared
// indexes that name what they read); any list read anew is built again, so a reused part is never stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSteps, type CompileReuse } from './compile.ts';
import { runInSlices } from './steps.ts';
import { PersistentState } from './persistent-state.ts';
import { loadDeclarative } from './declarative/load-declarative.ts';
import { loadPluginRegistry } from '../plugins/registry.ts';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import { pino } from 'pino';

const plugins = await loadPluginRegistry();
const logger = pino({ level: 'silent' });

function entities(): ConfigEntities {
  return loadDeclarative(
    {
      _format_version: '3.0',
      services: [{ name: 's', url: 'http://127.0.0.1:9', routes: [{ name: 'r', paths: ['/r'], plugins: [{ name: 'key-auth' }] }] }],
      consumers: [{ username: 'alice', keyauth_credentials: [{ key: 'alice-key' }] }],
    },
    plugins,
  );
}

const build = (e: ConfigEntities, reuse: CompileReuse) => runInSlices(compileSteps(e, plugins, new PersistentState(), logger, {}, reuse));

test('the same lists: router, consumers and the key index are taken over', async () => {
  const reuse: CompileReuse = {};
  const e = entities();
  const first = await build(e, reuse);
  const index = reuse.shared?.get('key-auth:credentials-by-key')?.value;
  assert.ok(index !== undefined, 'key-auth named what its index reads');
  const second = await build({ ...e }, reuse);
  assert.equal(second.router, first.router);
  assert.equal(second.consumers, first.consumers);
  assert.equal(reuse.shared?.get('key-auth:credentials-by-key')?.value, index);
});

test('a list read anew is built again, and what changed in it is served', async () => {
  const reuse: CompileReuse = {};
  const e = entities();
  const first = await build(e, reuse);
  const next = entities();
  const route = next.routes[0];
  assert.ok(route);
  next.routes = [{ ...route, paths: ['/moved'] }];
  const second = await build({ ...e, routes: next.routes }, reuse);
  assert.notEqual(second.router, first.router);
  assert.equal(second.consumers, first.consumers, 'consumers did not change');
  const req = { method: 'GET', host: 'x', headers: {}, scheme: 'http' as const };
  assert.equal(second.router.find({ ...req, path: '/moved' }).kind, 'match');
  assert.equal(second.router.find({ ...req, path: '/r' }).kind, 'none');

  const index = reuse.shared?.get('key-auth:credentials-by-key')?.value;
  const more = entities();
  const third = await build({ ...e, routes: next.routes, keyauth_credentials: more.keyauth_credentials, consumers: more.consumers }, reuse);
  assert.notEqual(third.consumers, first.consumers);
  assert.equal(third.router, second.router);
  assert.notEqual(reuse.shared?.get('key-auth:credentials-by-key')?.value, index, 'the key index is built from the new credentials');
});
