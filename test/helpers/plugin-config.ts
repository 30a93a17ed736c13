// Builds a plugin config the way the config loader does (applySchema's defaults and checks, then the
// plugin's validate), so tests see exactly the config and the errors production would.
import type { Static, TSchema } from '@sinclair/typebox';
import { applySchema } from '../../src/schema/validate.ts';
import type { PluginModule } from '../../src/plugins/contract.ts';

export interface CheckedPluginConfig<T> {
  /** The input with defaults filled in (also when there are errors, to inspect what was checked). */
  config: T;
  /** Error message by path (`config.allow`, `config.origins[1]`); empty when the loader would accept it. */
  errors: Record<string, string>;
}

/**
 * What the loader makes of `input` as `module`'s config. As in production, `validate` runs only when
 * the schema is satisfied, so its errors never mix with the schema's.
 */
export function checkPluginConfig<S extends TSchema>(module: PluginModule<S>, input: object = {}): CheckedPluginConfig<Static<S>> {
  const config = structuredClone(input) as Static<S>;
  const errors: Record<string, string> = {};
  for (const { path, message } of applySchema(module.configSchema, config, 'config')) errors[path] = message;
  if (Object.keys(errors).length === 0 && module.validate) Object.assign(errors, module.validate(config));
  return { config, errors };
}

/** `module`'s config from `input` with defaults filled in; throws, naming every field, when the loader would refuse it. */
export function pluginConfig<S extends TSchema>(module: PluginModule<S>, input: object = {}): Static<S> {
  const { config, errors } = checkPluginConfig(module, input);
  const problems = Object.entries(errors).map(([path, message]) => `${path}: ${message}`);
  if (problems.length > 0) throw new Error(`invalid ${module.name} config ${JSON.stringify(input)}: ${problems.join('; ')}`);
  return config;
}
