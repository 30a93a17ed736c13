// `portcullis config sync FILE`: makes the admin API's configuration what the file says, as decK does: PUT by
// id creates and updates (parents first), DELETE removes (children first), each change printed as it is
// applied. Stops at the first refused write and reports it with its field paths (exit 1).
import { loadPluginRegistry } from '../../plugins/registry.ts';
import type { Change } from '../../config/diff/diff-entities.ts';
import { formatChange, formatSummary } from '../../config/diff/format-changes.ts';
import { ENTITIES } from '../../schema/entity-catalogue.ts';
import { fieldOf } from '../../schema/object-node.ts';
import { ADMIN_FLAGS, AdminRefusal, adminClientFrom, EXIT, type AdminClient } from '../admin-client.ts';
import { planChanges } from '../config-plan.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { CliError } from '../cli-error.ts';

const USAGE = 'portcullis config sync FILE [--dry-run] [--select-tag TAG]... [--admin-url URL] [--admin-token TOKEN]';

export async function runConfigSync(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      ...ADMIN_FLAGS,
      'select-tag': { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
    },
    USAGE,
  );
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new CliError(`config sync needs one FILE\nusage: ${USAGE}`, EXIT.usage);
  const client = adminClientFrom(values);
  try {
    const { changes } = await planChanges(client, file, await loadPluginRegistry(), values['select-tag']);
    const done: Change[] = [];
    for (const change of changes) {
      process.stdout.write(formatChange(change));
      if (!values['dry-run']) {
        try {
          await apply(client, change);
        } catch (err) {
          if (!(err instanceof AdminRefusal)) throw err;
          process.stdout.write(formatSummary(done));
          const verb = change.action === 'create' ? 'create' : change.action === 'update' ? 'update' : 'delete';
          throw new CliError(`could not ${verb} ${change.kindLabel} ${change.label}: ${err.message}`, EXIT.refused);
        }
      }
      done.push(change);
    }
    process.stdout.write(formatSummary(done));
    return EXIT.ok;
  } finally {
    await client.close();
  }
}

/** One change as one admin API call, by id: PUT creates or replaces (PATCH when a stored secret must stay), DELETE removes. */
async function apply(client: AdminClient, change: Change): Promise<void> {
  const path = entityPath(change);
  if (change.action === 'delete') await client.call('DELETE', path);
  else if (change.patch) await client.call('PATCH', path, change.patch);
  else await client.call('PUT', path, change.body);
}

/** `/services/{id}`; targets only exist under their upstream (`/upstreams/{u}/targets/{id}`), as in Kong 3.x. */
export function entityPath(change: Change): string {
  const own = `${ENTITIES[change.kind].adminPath}/${encodeURIComponent(change.id)}`;
  if (change.kind !== 'targets') return `/${own}`;
  const upstream = fieldOf(fieldOf(change.body ?? change.before, 'upstream'), 'id');
  if (typeof upstream !== 'string') throw new Error(`target ${change.id} has no upstream`);
  return `/${ENTITIES.upstreams.adminPath}/${encodeURIComponent(upstream)}/${own}`;
}
