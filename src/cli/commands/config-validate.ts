// `portcullis config validate FILE`: every error with its path, exit 1 when the file would be refused.
import { loadPluginRegistry } from '../../plugins/registry.ts';
import { loadEntitiesFromFile } from '../../config/load-config.ts';
import { compileConfig } from '../../config/compile.ts';
import { ConfigError } from '../../config/config-error.ts';
import { CliError } from '../cli-error.ts';

export async function runConfigValidate(args: string[]): Promise<number> {
  const file = args[0];
  if (!file) throw new CliError('config validate needs a FILE', 2);
  const plugins = await loadPluginRegistry();
  try {
    const entities = await loadEntitiesFromFile(file, plugins);
    compileConfig(entities, plugins); // building proves plugin factories accept it too
    process.stdout.write(`${file}: valid (${entities.services.length} services, ${entities.routes.length} routes, ${entities.consumers.length} consumers, ${entities.plugins.length} plugins)\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${file}: ${err.errors.length} error(s)\n`);
    for (const e of err.errors) process.stderr.write(`  ${e.path || '(root)'}: ${e.message}\n`);
    return 1;
  }
}
