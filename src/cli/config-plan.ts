// What `config diff`, `sync` and `validate --online` share: the file's entities, the server's (GET /config,
// loaded back), the server's word on which credential holds each plaintext API key, and the changes between.
import { parse as parseYaml } from 'yaml';
import type { PluginRegistry } from '../plugins/registry.ts';
import { readDeclarativeFile } from '../config/declarative/parse-file.ts';
import { loadDeclarative } from '../config/declarative/load-declarative.ts';
import { ConfigError } from '../config/config-error.ts';
import { fieldOf, isMapping } from '../schema/object-node.ts';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import { diffEntities, type Change } from '../config/diff/diff-entities.ts';
import { ENTITIES, keyedSecrets } from '../schema/entity-catalogue.ts';
import { CliError } from './cli-error.ts';
import { AdminRefusal, EXIT, type AdminClient } from './admin-client.ts';

export interface Plan {
  wanted: ConfigEntities;
  live: ConfigEntities;
  selectTags: string[];
  changes: Change[];
}

/** A file the loader refuses: every error with its path on stderr, exit 1. */
export class FileRefused extends CliError {
  constructor(file: string, err: ConfigError) {
    super(`${file}: ${err.errors.length} error(s)\n${err.errors.map((e) => `  ${e.path || '(root)'}: ${e.message}`).join('\n')}`, EXIT.refused);
    this.name = 'FileRefused';
  }
}

/** The file's entities; secrets it leaves out stay out (an absent secret means "keep the stored one"). */
export async function loadWanted(file: string, plugins: PluginRegistry): Promise<{ doc: Record<string, unknown>; entities: ConfigEntities }> {
  try {
    const doc = await readDeclarativeFile(file);
    return { doc, entities: loadDeclarative(structuredClone(doc), plugins, file, { generateSecrets: false }) };
  } catch (err) {
    if (err instanceof ConfigError) throw new FileRefused(file, err);
    throw err;
  }
}

/** The server's configuration as entities: its GET /config export loaded back. */
export async function fetchLive(client: AdminClient, plugins: PluginRegistry): Promise<{ doc: Record<string, unknown>; entities: ConfigEntities }> {
  const doc = liveDocument(await client.call('GET', '/config'));
  try {
    return { doc, entities: loadDeclarative(structuredClone(doc), plugins, `${client.url}/config`, { generateSecrets: false }) };
  } catch (err) {
    if (err instanceof ConfigError)
      throw new CliError(`the admin API's configuration does not load here (plugins or versions differ?): ${err.message}`, EXIT.refused);
    throw err;
  }
}

/** GET /config answers with the document itself, or (Kong DB-less style) `{ config: "<yaml>" }`. */
function liveDocument(body: unknown): Record<string, unknown> {
  const text = fieldOf(body, 'config');
  const doc: unknown = typeof text === 'string' ? parseYaml(text) : body;
  if (!isMapping(doc)) throw new CliError('GET /config did not answer with a declarative document', EXIT.refused);
  return doc;
}

/** decK's rule: the flag wins, else the file's own `_info.select_tags`. */
export function selectTagsFor(flag: readonly string[] | undefined, doc: Record<string, unknown>): string[] {
  if (flag && flag.length > 0) return [...flag];
  const tags = fieldOf(doc._info, 'select_tags');
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

/**
 * Which live credential holds each plaintext API key of the file: only the server can tell (it stores keyed
 * hashes), by its endpoint-key lookup (`GET /key-auths/{key}`).
 */
export async function keyOwners(client: AdminClient, wanted: ConfigEntities): Promise<Map<string, string | null>> {
  const owners = new Map<string, string | null>();
  for (const { kind, plain } of keyedSecrets(wanted)) {
    if (plain === undefined || owners.has(plain)) continue;
    const adminPath = ENTITIES[kind].adminPath;
    const res = await client.send('GET', `/${adminPath}/${encodeURIComponent(plain)}`);
    const body = res.body;
    if (res.status === 404) owners.set(plain, null);
    else if (res.status === 200 && body !== null && typeof body === 'object' && 'id' in body && typeof body.id === 'string') owners.set(plain, body.id);
    else {
      // the key is a secret: the error names the lookup, not the key
      throw new AdminRefusal(`GET /${adminPath}/<key>`, res.status, res.body);
    }
  }
  return owners;
}

export async function planChanges(client: AdminClient, file: string, plugins: PluginRegistry, selectTagFlag?: readonly string[]): Promise<Plan> {
  const wanted = await loadWanted(file, plugins);
  const live = await fetchLive(client, plugins);
  const selectTags = selectTagsFor(selectTagFlag, wanted.doc);
  const changes = diffEntities(live.entities, wanted.entities, { plugins, selectTags, keyOwners: await keyOwners(client, wanted.entities) });
  return { wanted: wanted.entities, live: live.entities, selectTags, changes };
}
