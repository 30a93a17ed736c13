// Finds plugins as folders: every `<dir>/<name>/index.ts` whose default export is a plugin module.
// The pipeline only ever sees this map; it knows phases and priorities, never plugin names.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PluginModule } from './contract.ts';
import { fieldOf } from '../schema/object-node.ts';

export type PluginRegistry = ReadonlyMap<string, PluginModule>;

export const BUNDLED_PLUGINS_DIR = fileURLToPath(new URL('.', import.meta.url));

export async function loadPluginRegistry(dirs: readonly string[] = [BUNDLED_PLUGINS_DIR]): Promise<PluginRegistry> {
  const registry = new Map<string, PluginModule>();
  for (const dir of dirs) {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory()) continue;
      const file = join(dir, entry.name, 'index.ts');
      if (!(await stat(file).catch(() => null))) continue;
      // A bundled plugin's entities join the catalogue through plugins/daos.ts; one loaded from elsewhere at
      // start would have no table, no migration and no admin routes: refuse it rather than half-load it.
      if (dir !== BUNDLED_PLUGINS_DIR && (await stat(join(dir, entry.name, 'daos.ts')).catch(() => null))) {
        throw new Error(
          `${join(dir, entry.name)} has a daos.ts: plugins loaded with --plugin-dir cannot own entities or tables yet (bundle the plugin and list it in src/plugins/daos.ts)`,
        );
      }
      const loaded: unknown = await import(pathToFileURL(file).href);
      const module = fieldOf(loaded, 'default');
      if (!isPluginModule(module)) throw new Error(`${file} does not default-export a plugin module`);
      if (module.name !== entry.name) throw new Error(`${file} exports plugin '${module.name}', expected '${entry.name}'`);
      if (registry.has(module.name)) throw new Error(`plugin '${module.name}' is defined twice`);
      registry.set(module.name, module);
    }
  }
  return registry;
}

/** What the registry checks of a folder's default export (as it always has): a name and a create function. */
function isPluginModule(value: unknown): value is PluginModule {
  return typeof fieldOf(value, 'create') === 'function' && typeof fieldOf(value, 'name') === 'string';
}
