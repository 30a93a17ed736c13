// DB-less mode: the declarative file is the truth. Loads it at start, reloads it on SIGHUP, and replaces the
// whole config on POST /config; whatever fails to validate or build is refused and the old config keeps serving.
import type { Logger } from 'pino';
import type { CompiledConfig } from '../config/compiled.ts';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import type { Actor, ReadableStore } from '../store/store.ts';
import type { MemoryAudit } from '../admin/memory-audit.ts';
import type { ConfigBuilder } from './config-builder.ts';
import { refusal } from './config-builder.ts';
import { loadEntitiesFromFile } from '../config/load-config.ts';
import { loadDeclarative } from '../config/declarative/load-declarative.ts';
import { createFileStore } from '../store/file-store.ts';
import { configChangeImages } from '../admin/config-change-audit.ts';

export interface FileConfigOptions {
  file: string;
  plugins: PluginRegistry;
  builder: ConfigBuilder;
  swap(config: CompiledConfig): void;
  audit: MemoryAudit;
  logger: Logger;
}

export interface FileConfig {
  /** First load, served through `swap`; throws the ConfigError (every problem listed) when the file is not servable. */
  load(): Promise<void>;
  /** Read-only view over the entities served now (changes with every successful reload or POST /config). */
  store(): ReadableStore;
  /** SIGHUP: read the file again; a broken file is logged and refused. */
  reload(): Promise<boolean>;
  /** POST /config: validate, build, swap; throws ADMIN_CONFIG_REFUSED (with fields) and keeps the old config. The route audits. */
  replace(document: Record<string, unknown>, actor: Actor): Promise<ConfigEntities>;
}

const SIGHUP_ACTOR = { id: 'system', name: 'SIGHUP reload' };

export function createFileConfig(options: FileConfigOptions): FileConfig {
  const { builder, logger } = options;
  let view: ReadableStore | undefined;
  let served: ConfigEntities | undefined;
  // DB-less has no store version: count the configs served, so /status can tell one from the next.
  let version = 0;

  function serve(entities: ConfigEntities, config: CompiledConfig): void {
    options.swap(config);
    version += 1;
    builder.served(version);
    view = createFileStore(entities);
    served = entities;
  }

  return {
    async load() {
      const entities = await loadEntitiesFromFile(options.file, options.plugins);
      serve(entities, await builder.build(entities, version + 1));
    },
    store() {
      if (!view) throw new Error('the configuration file is not loaded yet');
      return view;
    },
    async reload() {
      try {
        const entities = await loadEntitiesFromFile(options.file, options.plugins);
        const config = await builder.build(entities, version + 1);
        const before = served;
        serve(entities, config);
        // The same trail POST /config leaves (it records its own): who replaced what, and what changed.
        options.audit.record({
          actor: SIGHUP_ACTOR,
          request_id: null,
          action: 'replace-config',
          kind: 'config',
          entity_id: null,
          ...configChangeImages(before, entities, options.plugins),
        });
        logger.info({ config: options.file, version }, 'configuration reloaded');
        return true;
      } catch (err) {
        const refused = refusal(err);
        logger.error({ config: options.file, err: refused.fields ?? refused.message }, 'reload refused; still serving the previous configuration');
        return false;
      }
    },
    async replace(document, actor) {
      let entities: ConfigEntities;
      try {
        // structuredClone: validation fills defaults in place, and the caller's object must stay untouched
        entities = loadDeclarative(structuredClone(document), options.plugins);
      } catch (err) {
        throw refusal(err);
      }
      // Served before the answer, as the admin route expects; any failure comes back as a rejection.
      serve(entities, await builder.build(entities, version + 1));
      logger.info({ actor: actor.name, version }, 'configuration replaced through the admin API');
      return entities;
    },
  };
}
