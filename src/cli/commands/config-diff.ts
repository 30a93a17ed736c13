// `portcullis config diff FILE`: what `config sync` would create, update and delete on the admin API, printed
// the way decK prints it, then a summary. Exit 0 whether or not anything differs; 2 with --exit-code if it does.
import { loadPluginRegistry } from '../../plugins/registry.ts';
import { formatChange, formatSummary } from '../../config/diff/format-changes.ts';
import { ADMIN_FLAGS, adminClientFrom, EXIT } from '../admin-client.ts';
import { planChanges } from '../config-plan.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { CliError } from '../cli-error.ts';

const USAGE = 'portcullis config diff FILE [--select-tag TAG]... [--exit-code] [--admin-url URL] [--admin-token TOKEN]';

export async function runConfigDiff(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      ...ADMIN_FLAGS,
      'select-tag': { type: 'string', multiple: true },
      'exit-code': { type: 'boolean', default: false },
    },
    USAGE,
  );
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new CliError(`config diff needs one FILE\nusage: ${USAGE}`, EXIT.usage);
  const client = adminClientFrom(values);
  try {
    const plan = await planChanges(client, file, await loadPluginRegistry(), values['select-tag']);
    for (const change of plan.changes) process.stdout.write(formatChange(change));
    process.stdout.write(formatSummary(plan.changes));
    return values['exit-code'] && plan.changes.length > 0 ? 2 : EXIT.ok;
  } finally {
    await client.close();
  }
}
