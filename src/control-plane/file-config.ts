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
  /** Puts a built config into service; with worker threads, resolves once every worker serves it. */
  swap(config: CompiledConfig, entities: ConfigEntities): void | Promise<void>;
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
  // Builds are async (and wait for worker threads): one change at a time, so configs are served in the order asked.
  let queue: Promise<unknown> = Promise.resolve();
  function oneAtATime<T>(change: () => Promise<T>): Promise<T> {
    const next = queue.then(change, change);
    queue = next.catch(() => undefined);
    return next;
  }

  async function serve(entities: ConfigEntities, config: CompiledConfig): Promise<void> {
    await options.swap(config, entities);
    version += 1;
    builder.served(version);
    view = createFileStore(entities);
    served = entities;
  }

  return {
    async load() {
      const entities = await loadEntitiesFromFile(options.file, options.plugins);
      await serve(entities, await builder.build(entities, version + 1));
    },
    store() {
      if (!view) throw new Error('the configuration file is not loaded yet');
      return view;
    },
    reload: () =>
      oneAtATime(async () => {
        try {
          const entities = await loadEntitiesFromFile(options.file, options.plugins);
          const config = await builder.build(entities, version + 1);
          const before = served;
          await serve(entities, config);
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
      }),
    // Resolves once the new config is served (by every worker thread): the next request on any connection sees it.
    replace: (document, actor) =>
      oneAtATime(async () => {
        let entities: ConfigEntities;
        try {
          // structuredClone: validation fills defaults in place, and the caller's object must stay untouched
          entities = loadDeclarative(structuredClone(document), options.plugins);
        } catch (err) {
          throw refusal(err);
        }
        await serve(entities, await builder.build(entities, version + 1));
        logger.info({ actor: actor.name, version }, 'configuration replaced through the admin API');
        return entities;
      }),
  };
}
