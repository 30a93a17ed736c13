// `portcullis config validate FILE [--online]`: every error with its path, exit 1 when the file would be
// refused. --online also asks the admin API (POST /schemas/{kind}/validate) about each entity a sync would
// write, so plugins or checks only the server has get their say before anything changes.
import { loadPluginRegistry, type PluginRegistry } from '../../plugins/registry.ts';
import { loadEntitiesFromFile } from '../../config/load-config.ts';
import { compileConfig } from '../../config/compile.ts';
import { ConfigError } from '../../config/config-error.ts';
import { ADMIN_FLAGS, adminClientFrom, describeProblem, EXIT, type AdminClient } from '../admin-client.ts';
import { planChanges } from '../config-plan.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { CliError } from '../cli-error.ts';

const USAGE = 'portcullis config validate FILE [--online [--select-tag TAG]... [--admin-url URL] [--admin-token TOKEN]]';

export async function runConfigValidate(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      ...ADMIN_FLAGS,
      online: { type: 'boolean', default: false },
      'select-tag': { type: 'string', multiple: true },
    },
    USAGE,
  );
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new CliError(`config validate needs a FILE\nusage: ${USAGE}`, EXIT.usage);
  const plugins = await loadPluginRegistry();
  try {
    const entities = await loadEntitiesFromFile(file, plugins);
    // Building proves plugin factories accept it too. A dump carries API keys only as `key_hash`, which only the
    // node's keyring can check (sync hands them over as they are): the build here takes them unchecked.
    await compileConfig(entities, plugins, undefined, undefined, { keyedHashesUnchecked: true });
    process.stdout.write(
      `${file}: valid (${entities.services.length} services, ${entities.routes.length} routes, ${entities.consumers.length} consumers, ${entities.plugins.length} plugins)\n`,
    );
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${file}: ${err.errors.length} error(s)\n`);
    for (const e of err.errors) process.stderr.write(`  ${e.path || '(root)'}: ${e.message}\n`);
    return EXIT.refused;
  }
  if (!values.online) return EXIT.ok;
  const client = adminClientFrom(values);
  try {
    return await validateOnline(client, file, plugins, values['select-tag']);
  } finally {
    await client.close();
  }
}

async function validateOnline(client: AdminClient, file: string, plugins: PluginRegistry, selectTags: string[] | undefined): Promise<number> {
  const { changes } = await planChanges(client, file, plugins, selectTags);
  const writes = changes.filter((c) => c.action !== 'delete');
  let refused = 0;
  for (const change of writes) {
    const res = await client.send('POST', `/schemas/${change.kind}/validate`, change.body);
    if (res.status >= 200 && res.status < 300) continue;
    if (res.status === 404 && !isProblemWithFields(res.body)) {
      throw new CliError(`${client.url} has no POST /schemas/${change.kind}/validate: cannot validate online`, EXIT.refused);
    }
    refused++;
    process.stderr.write(`${change.kindLabel} ${change.label}: ${describeProblem(res.status, res.body)}\n`);
  }
  if (refused > 0) {
    process.stderr.write(`${file}: the admin API refuses ${refused} of ${writes.length} entities a sync would write\n`);
    return EXIT.refused;
  }
  process.stdout.write(`${file}: the admin API accepts all ${writes.length} entities a sync would write\n`);
  return EXIT.ok;
}

function isProblemWithFields(body: unknown): boolean {
  return body !== null && typeof body === 'object' && 'fields' in body;
}
