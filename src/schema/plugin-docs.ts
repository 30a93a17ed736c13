// docs/plugins/<name>.md for every bundled plugin, generated from its config schema.
import { loadPluginRegistry } from '../plugins/registry.ts';
import { renderReference } from './render-reference.ts';

export async function renderPluginDocs(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, module] of await loadPluginRegistry()) {
    const scope = module.noConsumer
      ? 'global, service, route (not consumer: it decides who the consumer is)'
      : 'global, service, route, consumer and their combinations';
    const intro = `Priority ${module.priority} (higher runs first). Scopes: ${scope}.\n\nGenerated from \`src/plugins/${name}/schema.ts\` by \`npm run docs\`. Fields under \`config\`:`;
    out[name] = renderReference(`Plugin \`${name}\``, intro, module.configSchema);
  }
  return out;
}
