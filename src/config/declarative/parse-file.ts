// Reads a Kong declarative file (YAML or JSON) into a plain object, checking the format version.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from '../config-error.ts';
import { isMapping } from '../../schema/object-node.ts';

export const SUPPORTED_FORMAT_VERSIONS = ['3.0', '2.1', '1.1'] as const;

export async function readDeclarativeFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      [{ path: '', message: `cannot read ${file}: ${err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : String(err)}` }],
      file,
    );
  }
  return parseDeclarativeText(text, file);
}

export function parseDeclarativeText(text: string, source = 'config'): Record<string, unknown> {
  let doc: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser serves both; `uniqueKeys` refuses duplicate keys.
    // logLevel 'error': the library's warnings go to stderr quoting the source line, which may hold a secret.
    doc = parseYaml(text, { uniqueKeys: true, maxAliasCount: 100, logLevel: 'error' });
  } catch (err) {
    // the first line only (the rest quotes the source); other errors up to the alias name they end with
    const message = (err instanceof YAMLParseError ? err.message.split('\n') : (err instanceof Error ? err.message : String(err)).split(':')).at(0) ?? '';
    throw new ConfigError([{ path: '', message: `not valid YAML or JSON: ${message}` }], source);
  }
  if (!isMapping(doc)) throw new ConfigError([{ path: '', message: 'expected a mapping at the top level' }], source);
  return doc;
}
