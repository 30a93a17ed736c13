// node:util parseArgs for one command, with a mistake in the flags reported as a usage error (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './cli-error.ts';

export function parseCommandArgs<const T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${err instanceof Error ? err.message : String(err)}\nusage: ${usage}`, 2);
  }
}
