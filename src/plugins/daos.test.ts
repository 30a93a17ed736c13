// Every bundled plugin folder with a daos.ts is registered in plugins/daos.ts (and nothing else is): a plugin
// whose entities were left out would load, then fail on its first credential.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { PLUGIN_DAOS } from './daos.ts';
import { loadPluginRegistry } from './registry.ts';

test('the registered daos are exactly the plugin folders that have one, each under its plugin name', async () => {
  const folders: string[] = [];
  for (const entry of await readdir(new URL('.', import.meta.url), { withFileTypes: true })) {
    if (entry.isDirectory() && (await stat(new URL(`./${entry.name}/daos.ts`, import.meta.url)).catch(() => null))) folders.push(entry.name);
  }
  assert.deepEqual(PLUGIN_DAOS.map((d) => d.plugin).sort(), folders.sort());
  const registry = await loadPluginRegistry();
  for (const daos of PLUGIN_DAOS) assert.ok(registry.has(daos.plugin), `${daos.plugin} is a plugin`);
});

test('a plugin loaded from another folder may not bring a daos.ts: it would have no table', async () => {
  const { mkdtemp, mkdir, writeFile, rm } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-plugins-'));
  try {
    await mkdir(join(dir, 'with-daos'));
    await writeFile(join(dir, 'with-daos', 'index.ts'), "export default { name: 'with-daos', priority: 1, configSchema: {}, create: () => ({}) };\n");
    await writeFile(join(dir, 'with-daos', 'daos.ts'), 'export default {};\n');
    await assert.rejects(loadPluginRegistry([dir]), /cannot own entities or tables yet/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
