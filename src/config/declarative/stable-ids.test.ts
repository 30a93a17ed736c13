// Entities a file gives without ids get stable ids from their natural keys: the same file gives the same ids,
// and two entities that differ only in the reference they name (written as a record) get different ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPluginRegistry } from '../../plugins/registry.ts';
import { loadDeclarative } from './load-declarative.ts';

const plugins = await loadPluginRegistry();

test('top-level targets naming their upstream by a record key by what it names', () => {
  const doc = {
    _format_version: '3.0',
    upstreams: [{ name: 'a' }, { name: 'b' }],
    targets: [
      { target: '127.0.0.1:80', upstream: { name: 'a' } },
      { target: '127.0.0.1:80', upstream: { name: 'b' } },
    ],
  };
  const once = loadDeclarative(doc, plugins);
  assert.equal(new Set(once.targets.map((t) => t.id)).size, 2);
  assert.deepEqual(
    loadDeclarative(doc, plugins).targets.map((t) => t.id),
    once.targets.map((t) => t.id),
  );
});
