// `portcullis config dump`: the admin API's configuration as a declarative file (decK's `dump`): GET /config,
// written as YAML or JSON to stdout or a file. Without secrets: it loads back, and `config diff` of it against
// the same server shows no changes.
import { writeFile } from 'node:fs/promises';
import { loadPluginRegistry } from '../../plugins/registry.ts';
import { exportDeclarative, serializeDeclarative } from '../../config/declarative/export-declarative.ts';
import { ADMIN_FLAGS, adminClientFrom, EXIT } from '../admin-client.ts';
import { fetchLive } from '../config-plan.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { CliError } from '../cli-error.ts';

const USAGE = 'portcullis config dump [-o FILE] [--format yaml|json] [--select-tag TAG]... [--admin-url URL] [--admin-token TOKEN]';

export async function runConfigDump(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      ...ADMIN_FLAGS,
      output: { type: 'string', short: 'o' },
      format: { type: 'string' },
      'select-tag': { type: 'string', multiple: true },
    },
    USAGE,
  );
  if (positionals.length > 0) throw new CliError(`config dump takes no arguments\nusage: ${USAGE}`, EXIT.usage);
  const format = values.format ?? (values.output?.endsWith('.json') ? 'json' : 'yaml');
  if (format !== 'yaml' && format !== 'json') throw new CliError(`--format must be yaml or json\nusage: ${USAGE}`, EXIT.usage);
  const client = adminClientFrom(values);
  let text: string;
  try {
    const plugins = await loadPluginRegistry();
    const live = await fetchLive(client, plugins);
    const tags = values['select-tag'] ?? [];
    // Written from the loaded entities: the same order and shape whatever the server sent, and the tag filter.
    text = serializeDeclarative(exportDeclarative(live.entities, { plugins, selectTags: tags }), format);
  } finally {
    await client.close();
  }
  if (values.output === undefined || values.output === '-') process.stdout.write(text);
  else await writeFile(values.output, text);
  return EXIT.ok;
}
