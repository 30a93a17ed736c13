// A configuration refused as a whole, with every field error found (never just the first).
import type { FieldError } from '../schema/validate.ts';

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly errors: readonly FieldError[];

  constructor(errors: readonly FieldError[], source?: string) {
    const head = source ? `invalid configuration in ${source}` : 'invalid configuration';
    super(`${head}: ${errors.length} error(s)\n${errors.map((e) => `  ${e.path || '(root)'}: ${e.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.errors = errors;
  }
}
