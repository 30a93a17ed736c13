// One call from a declarative file (or object) to a CompiledConfig: parse, validate, normalise, compile.
import type { CompiledConfig } from './compiled.ts';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { readDeclarativeFile } from './declarative/parse-file.ts';
import { loadDeclarative } from './declarative/load-declarative.ts';
import { compileConfig, type CompileOptions } from './compile.ts';
import type { PersistentState } from './persistent-state.ts';
import { ConfigError } from './config-error.ts';
import { isMapping } from '../schema/object-node.ts';

export async function loadEntitiesFromFile(file: string, plugins: PluginRegistry): Promise<ConfigEntities> {
  return loadDeclarative(await readDeclarativeFile(file), plugins, file);
}

export async function compileDocument(doc: object, plugins: PluginRegistry, state?: PersistentState, options?: CompileOptions): Promise<CompiledConfig> {
  // structuredClone: validation fills defaults in place, and the caller's object must stay untouched
  const copy: unknown = structuredClone(doc);
  if (!isMapping(copy)) throw new ConfigError([{ path: '', message: 'expected a mapping at the top level' }]);
  return compileConfig(loadDeclarative(copy, plugins), plugins, state, undefined, options);
}
