// `portcullis token mint CONSUMER`: a development JWT signed with the consumer's HS* jwt credential.
// The real issuer is the auth server; this exists so the demo can be tried with curl in one line.
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { loadPluginRegistry } from '../../plugins/registry.ts';
import { loadEntitiesFromFile } from '../../config/load-config.ts';
import { CliError } from '../cli-error.ts';
import { DEMO_CONFIG } from '../../../examples/demo/paths.ts';

export async function runTokenMint(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { config: { type: 'string' }, ttl: { type: 'string', default: '300' } },
  });
  const who = positionals[0];
  if (!who) throw new CliError('token mint needs a CONSUMER (username or custom_id)', 2);
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > 86_400) throw new CliError('--ttl must be a whole number of seconds, 1..86400', 2);
  const entities = await loadEntitiesFromFile(values.config ?? DEMO_CONFIG, await loadPluginRegistry());
  const consumer = entities.consumers.find((c) => c.username === who || c.custom_id === who || c.id === who);
  if (!consumer) throw new CliError(`no consumer '${who}' in the config`);
  const credential = entities.jwtSecrets.find((s) => s.consumerId === consumer.id && s.algorithm.startsWith('HS'));
  if (!credential || !credential.secret) throw new CliError(`consumer '${who}' has no HS256/384/512 jwt credential to sign with`);
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sub: consumer.username ?? consumer.id })
    .setProtectedHeader({ alg: credential.algorithm, typ: 'JWT' })
    .setIssuer(credential.key)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ttl)
    .sign(new TextEncoder().encode(credential.secret));
  process.stdout.write(`${token}\n`);
  return 0;
}
